from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Infrastructure with no domain rules (the staff audit log today).

    The bottom layer: it imports nothing from councils or offers; they import it.
    """

    name = "core"
    verbose_name = "Core"
