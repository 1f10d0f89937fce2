from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "shequ.areas"
    label = "areas"
    verbose_name = "行政区划"
