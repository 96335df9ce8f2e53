from django.apps import AppConfig


class DigestsConfig(AppConfig):
    """Emails of new relevant listings: periods, criteria, compose, send, preferences,
    alerts, unsubscribe. Above matching (each item is scored for its reader).
    Its models still live in offers/models.py (tables offers_digest*), moved here
    when a state-only migration is worth the churn."""

    name = "digests"
    verbose_name = "Digests"

    def ready(self) -> None:
        # Register the digest tasks in every process: services queue the batch task by name.
        from . import tasks  # noqa: F401
