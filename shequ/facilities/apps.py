from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "shequ.facilities"
    label = "facilities"
    verbose_name = "社区服务设施"
