from django.apps import AppConfig


class DigestsConfig(AppConfig):
    """Emails of new relevant listings: periods, criteria, compose, send, preferences,
    alerts, unsubscribe. Above matching (each item is scored for its reader).
    Its models moved here from offers with state-only migrations; their tables keep
    their `offers_` names (ADR 10)."""

    name = "digests"
    verbose_name = "Digests"

    def ready(self) -> None:
        # Register the digest tasks in every process: services queue the batch task by name;
        # personal_data answers councils' signal for a person's data download.
        from . import personal_data, tasks  # noqa: F401
