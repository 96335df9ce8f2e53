from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "offers"
    verbose_name = "Offers and needs"

    def ready(self) -> None:
        # personal_data answers councils' signals for a person's data download and account
        # deletion; changes bumps the reference-data generation on taxonomy saves.
        from offers import changes, personal_data  # noqa: F401
