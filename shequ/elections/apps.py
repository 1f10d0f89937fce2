from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "shequ.elections"
    label = "elections"
    verbose_name = "换届选举"
