from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations and follow-up"

    def ready(self):
        from audits.signals import inspection_published
        from recommendations.services import schedule_findings

        inspection_published.connect(schedule_findings, dispatch_uid="recommendations.schedule_findings")

        from audits.start_page import register
        from recommendations.start_page import findings_parts

        register("recommendations.findings", findings_parts)
