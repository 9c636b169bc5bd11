from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core: e-mail outbox and background jobs"

    def ready(self):
        # django-tasks-db registers its task results in the admin, arguments and tracebacks included; people
        # follow their jobs on /jobs/<pk>/ (core.jobs), so the raw queue stays out of the admin.
        from django.contrib import admin
        from django_tasks_db.models import DBTaskResult

        if admin.site.is_registered(DBTaskResult):
            admin.site.unregister(DBTaskResult)
