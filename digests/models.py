"""Digests' records: preferences, saved searches (alerts), runs and deliveries.

Moved from offers/models.py with state-only migrations (ADR 10): the tables keep
their `offers_` names, so each model names its table in Meta.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from offers.models import Service


class DigestFrequency(models.TextChoices):
    OFF = "off", "Off"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class DigestPreference(models.Model):
    """How and about what a person hears by email. No row: the defaults apply
    (weekly once they belong to a council, following their council's listings)."""

    class Kinds(models.TextChoices):
        BOTH = "both", "Offers and needs"
        OFFER = "offer", "Offers only"
        NEED = "need", "Needs only"

    class Distance(models.TextChoices):
        ANY = "any", "Any distance"
        RADIUS = "radius", "Within a distance of my council"
        REGION = "region", "My council's region only"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    frequency = models.CharField(
        max_length=6, choices=DigestFrequency, default=DigestFrequency.WEEKLY
    )
    follow_council = models.BooleanField(
        default=True,
        help_text="Choose services and kinds from the council's own listings "
        "(a need for legal services hears about legal offers).",
    )
    kinds = models.CharField(max_length=5, choices=Kinds.choices, default=Kinds.BOTH)
    services = models.ManyToManyField(Service, blank=True, related_name="+")
    distance = models.CharField(max_length=6, choices=Distance.choices, default=Distance.RADIUS)
    radius_km = models.PositiveSmallIntegerField(default=100)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "offers_digestpreference"
        constraints = [
            models.CheckConstraint(
                condition=Q(radius_km__gt=0), name="digestpreference_radius_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Digest preference of {self.user_id} ({self.frequency})"


class SavedSearch(models.Model):
    """A search from the listings page kept as an alert: its query string is re-run
    through offers.browse.filters.ListingFilter for every digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    querystring = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "offers_savedsearch"
        ordering = ["name", "pk"]
        verbose_name = "saved search alert"
        constraints = [
            models.UniqueConstraint(fields=["user", "querystring"], name="savedsearch_once"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        query = f"?{self.querystring}" if self.querystring else ""
        return reverse("offers:browse") + query


class DigestRun(models.Model):
    """One scheduled run: a frequency and the period it is for. Re-running the
    coordinator for the same period reuses the row (unique constraint)."""

    frequency = models.CharField(max_length=6, choices=DigestFrequency)
    period_start = models.DateField()
    # Listings published before this moment belong to this period.
    window_end = models.DateTimeField()
    due = models.PositiveIntegerField(default=0)
    batches = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    last_fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "offers_digestrun"
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["frequency", "period_start"], name="digestrun_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} digest for {self.period_start:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("offers:digest_run", kwargs={"pk": self.pk})


class DigestDelivery(models.Model):
    """One person's digest for one run: the record that decides whether it is due.

    pending -> sending -> sent | skipped (nothing new) | failed (permanent);
    a transient failure puts it back to pending for the retry.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped (nothing new)"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(DigestRun, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    listing_ids = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set with `claimed_at` when a worker takes the row to send it; a claim older
    # than settings.DIGEST_CLAIM_TIMEOUT is taken as abandoned (worker died).
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "offers_digestdelivery"
        ordering = ["run", "user"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            # Exactly once per person per period: the run is unique per period.
            models.UniqueConstraint(fields=["run", "user"], name="digestdelivery_once"),
        ]
        indexes = [
            models.Index(fields=["user", "status", "-window_end"], name="digestdelivery_user_sent"),
            models.Index(fields=["run", "status"], name="digestdelivery_run_status"),
        ]

    def __str__(self) -> str:
        return f"Digest {self.run_id} for {self.user_id}: {self.status}"
