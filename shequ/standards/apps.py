from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "shequ.standards"
    label = "standards"
    verbose_name = "建设标准与达标"
