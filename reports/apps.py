from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self):
        from django.db.models.signals import post_migrate

        from audits.signals import grades_revised, inspection_published, published_figures_loaded
        from reports.publication import (
            freeze_loaded_figures,
            freeze_published_figures,
            freeze_revised_grades,
            freeze_unversioned_published,
        )

        inspection_published.connect(freeze_published_figures, dispatch_uid="reports.freeze_published_figures")
        published_figures_loaded.connect(freeze_loaded_figures, dispatch_uid="reports.freeze_loaded_figures")
        grades_revised.connect(freeze_revised_grades, dispatch_uid="reports.freeze_revised_grades")
        # Inspections published before the record existed are frozen once every migration has run.
        post_migrate.connect(freeze_unversioned_published, sender=self, dispatch_uid="reports.freeze_unversioned")
