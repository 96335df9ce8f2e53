from django.apps import AppConfig


class CouncilsConfig(AppConfig):
    name = "councils"
    verbose_name = "Councils and members"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects allauth's email_confirmed)
