from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ForcesConfig(AppConfig):
    name = "forces"
    verbose_name = "Forces and people"

    def ready(self):
        from forces import checks, twofactor  # noqa: F401  (registers the deploy check and the sign-in signal)
        from forces.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="forces.ensure_role_groups")
