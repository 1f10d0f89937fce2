from django.apps import AppConfig


class StandardsConfig(AppConfig):
    name = "shequ.standards"
    label = "standards"
    verbose_name = "建设标准与达标"

    def ready(self) -> None:
        # Registers the background jobs (recompute, bulk entry) in web threads and Celery workers alike.
        from shequ.standards import tasks  # noqa: F401
        from shequ.standards.bulk import services  # noqa: F401
