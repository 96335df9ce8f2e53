"""Groups' records: the suggestions detection last found, and who was told about them.

Detection itself is pure (groups/detection.py); these rows are its latest answer,
kept so pages read a suggestion with one query instead of recomputing it, and so a
listing's owner is told once however often the answer is recomputed.
"""

from django.db import models

from offers.models import Listing, Service


class Suggestion(models.Model):
    """A consortium (3 to 8 NEEDs for one service, every pair accepting the other)
    or a swap (A offers X and needs Y, B offers Y and needs X).

    Identified by `key`, built from its kind, service and sorted member listing ids,
    so the same members recomputed give the same row (and no second notice)."""

    class Kind(models.TextChoices):
        CONSORTIUM = "consortium", "Consortium"
        SWAP = "swap", "Swap"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The consortium's service; for a swap, the service of its first offer (the
    # other is in `details`). Recomputation for one service deletes and rebuilds
    # the suggestions touching it.
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    other_service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(default=0.0)
    explanation = models.TextField()
    # Figures shown with it (combined spend, savings ranges, offers that could serve
    # them all), each with its year and source, as detection returned them.
    details = models.JSONField(default=dict, blank=True)
    listings = models.ManyToManyField(Listing, through="SuggestionMember", related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "key"]
        indexes = [models.Index(fields=["service", "kind"])]

    def __str__(self) -> str:
        return self.key


class SuggestionMember(models.Model):
    """One listing in a suggestion (a swap has four: each side's offer and need)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="members")
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "listing"], name="groups_member_once_per_suggestion"
            ),
        ]
        indexes = [models.Index(fields=["listing"])]

    def __str__(self) -> str:
        return f"{self.listing_id} in {self.suggestion_id}"


class SuggestionNotice(models.Model):
    """That a listing's owner was told, once, that it joined a suggestion.

    `suggestion_key` is the notice's key: "consortium:<service id>" for a consortium
    (told when the listing first joins one, not again as its members change), the
    swap's own key for a swap. A string, not a foreign key, so the record outlives
    a suggestion that dissolves and re-forms."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    suggestion_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "suggestion_key"], name="groups_notice_once_per_listing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.listing_id} told of {self.suggestion_key}"


# The shortlist and its packs live in their own module; imported here so Django
# registers them with this app.
from groups.models_shortlist import BusinessCasePack, ShortlistEntry  # noqa: E402, F401
