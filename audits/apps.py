from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = "Audits"

    def ready(self):
        from audits.services import locking  # noqa: F401  (connects the publication lock)
