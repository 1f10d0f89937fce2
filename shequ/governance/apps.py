from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "shequ.governance"
    label = "governance"
    verbose_name = "社区治理与工作者"
