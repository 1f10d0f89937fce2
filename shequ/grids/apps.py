from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "shequ.grids"
    label = "grids"
    verbose_name = "网格化管理"

    def ready(self) -> None:
        # Registers the background job "grids.partition" (web threads and Celery workers alike).
        from shequ.grids import tasks  # noqa: F401
