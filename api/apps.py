from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Open data API"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the taxonomy generation's receivers
