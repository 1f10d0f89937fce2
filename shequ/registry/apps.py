from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = "统一居民信息库"

    def ready(self) -> None:
        # Registers the background job that runs imports (web threads and Celery workers alike).
        from shequ.registry.importing import services  # noqa: F401
