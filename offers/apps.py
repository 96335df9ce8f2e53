from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = "Offers and needs"

    def ready(self) -> None:
        # Answers councils' signals for a person's data download and account deletion.
        from offers import personal_data  # noqa: F401
