from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Infrastructure with no domain rules (the staff audit log today).

    The bottom layer: it imports nothing from councils or offers; they import it.
    """

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Register the outbox's tasks in every process, not only in workers that
        # autodiscover them: core.outbox queues its send task by name.
        from . import tasks  # noqa: F401
