from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    """The project's wiring as an app, so its system checks are registered."""

    name = "marketplace"
    verbose_name = "Find a shared service partner"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the checks
