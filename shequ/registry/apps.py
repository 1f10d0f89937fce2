from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = "统一居民信息库"

    def ready(self) -> None:
        # Registers the background jobs that run imports and large exports (web threads and Celery workers alike).
        from shequ.registry import export_jobs  # noqa: F401
        from shequ.registry.importing import services  # noqa: F401
