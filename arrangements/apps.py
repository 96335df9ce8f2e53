from django.apps import AppConfig


class ArrangementsConfig(AppConfig):
    name = "arrangements"
    verbose_name = "Register of shared arrangements"

    def ready(self) -> None:
        from . import personal_data  # noqa: F401 - connects the personal-data receivers
