from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "shequ.funding"
    label = "funding"
    verbose_name = "社区经费"
