from django.apps import AppConfig


class ReauditsConfig(AppConfig):
    name = "reaudits"
    verbose_name = "Re-audits of force self-audits"
