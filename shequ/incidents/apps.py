from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "shequ.incidents"
    label = "incidents"
    verbose_name = "网格事件"
