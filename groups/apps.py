from django.apps import AppConfig


class GroupsConfig(AppConfig):
    """Beyond pairs: consortium and swap (reciprocal) suggestions, the shortlist and
    the business-case pack. Above matching (it reuses eligibility and the savings
    estimate), below digests (a digest may show a reader's suggestions)."""

    name = "groups"
    verbose_name = "Consortia, swaps and shortlists"

    def ready(self) -> None:
        # Register groups' tasks in every process, not only in workers that
        # autodiscover them: the shortlist services queue the pack build by name.
        # The receivers recompute suggestions when a listing goes live or stops
        # being live (offers cannot call up into groups).
        from . import receivers, tasks  # noqa: F401
