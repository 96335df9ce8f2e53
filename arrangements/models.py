"""The register of shared arrangements: who shares which services with whom, how,
since when, and what they say it saves.

`SharedArrangement` moved here from matching with a state-only migration (ADR 17):
its table (`offers_sharedarrangement`) and its members table keep their names,
and matching's experience factor still reads it. Two ways in:
  - from public sources (the evaluation set, or staff in the admin): public at
    once, labelled as not yet confirmed until every partner confirms;
  - recorded by a partner's officer: private to its partners until every named
    partner has confirmed, then moderated like a listing, then public.
A partner's officer may correct one from public sources: its facts change, it
is moderated again (off the register meanwhile), and the other partners are
asked to confirm the corrected version.
Every change of state writes an ArrangementEvent in the same transaction.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse

from councils.models import Authority
from offers.models import Interest, Listing, Service


class ArrangementQuerySet(models.QuerySet["SharedArrangement"]):
    def published(self) -> "ArrangementQuerySet":
        """What anyone may see: in the register, on profiles, in the API."""
        return self.filter(status=SharedArrangement.Status.PUBLISHED)


class SharedArrangement(models.Model):
    """An arrangement in which organisations share one or more services."""

    class Origin(models.TextChoices):
        PUBLIC_SOURCES = "public_sources", "From public sources"
        RECORDED = "recorded", "Recorded by a partner"

    class Status(models.TextChoices):
        AWAITING_PARTNERS = "awaiting_partners", "Waiting for partners to confirm"
        SUBMITTED = "submitted", "Waiting for review"
        PUBLISHED = "published", "Published"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"
        DECLINED = "declined", "Declined by a partner"
        DISPUTED = "disputed", "Disputed by a partner"

    name = models.CharField(max_length=200)
    # The main service (matching's experience factor keys on it); `services` holds all.
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="arrangements")
    services = models.ManyToManyField(Service, blank=True, related_name="register_arrangements")
    members = models.ManyToManyField(Authority, related_name="shared_arrangements")
    lead = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="arrangements_led",
        help_text="The partner that delivers for the others, if one does.",
    )
    delivery_model = models.CharField(
        max_length=20, choices=Listing.DeliveryModel.choices, default=Listing.DeliveryModel.OPEN
    )
    source_url = models.URLField(
        "source", max_length=500, blank=True, help_text="A public page that documents it."
    )
    other_sources = models.TextField(blank=True, max_length=2000)
    started_year = models.PositiveSmallIntegerField(null=True, blank=True)
    ended_year = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    annual_savings_gbp = models.PositiveBigIntegerField(
        "reported annual savings (£)", null=True, blank=True
    )
    savings_source_url = models.URLField("source of the savings figure", max_length=500, blank=True)
    description = models.TextField(blank=True, max_length=5000)
    notes = models.TextField(blank=True, max_length=2000)
    # Shown to signed-in public-sector users only; never in the API or downloads.
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    # The defaults are what staff enter in the admin: documented public facts. An
    # officer's record is made private (RECORDED, AWAITING_PARTNERS) by arrangement_record.
    origin = models.CharField(max_length=20, choices=Origin.choices, default=Origin.PUBLIC_SOURCES)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PUBLISHED)
    status_reason = models.TextField(blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="arrangements_recorded",
    )
    # The partner whose officer last corrected an arrangement from public sources:
    # the label says so, beside how many partners have confirmed the corrected facts.
    corrected_by = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="arrangements_corrected",
    )
    corrected_at = models.DateTimeField(null=True, blank=True)
    # The expression of interest it came from ("Partnered", then recorded): the
    # market overview counts the interests that became arrangements through it.
    interest = models.ForeignKey(
        Interest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recorded_arrangements",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArrangementQuerySet.as_manager()

    class Meta:
        db_table = "offers_sharedarrangement"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["service", "is_active"], name="arrangement_service"),
            models.Index(fields=["status", "name"], name="arrangement_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_year__isnull=True)
                | models.Q(started_year__isnull=True)
                | models.Q(ended_year__gte=models.F("started_year")),
                name="arrangement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.service})"

    def get_absolute_url(self) -> str:
        return reverse("arrangements:detail", kwargs={"pk": self.pk})

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def confirmed_partners(self) -> int:
        """How many partners have confirmed (reads prefetched partners when there are)."""
        return sum(p.state == ArrangementPartner.State.CONFIRMED for p in self.partners.all())

    @property
    def partner_total(self) -> int:
        return len(self.partners.all())


class ArrangementPartner(models.Model):
    """One named partner's answer: confirmed, declined or disputed, by whom and why."""

    class State(models.TextChoices):
        PENDING = "pending", "Not yet confirmed"
        CONFIRMED = "confirmed", "Confirmed"
        DECLINED = "declined", "Declined"
        DISPUTED = "disputed", "Disputed"

    ANSWERED: ClassVar[tuple[str, ...]] = (State.CONFIRMED, State.DECLINED, State.DISPUTED)

    arrangement = models.ForeignKey(
        SharedArrangement, on_delete=models.CASCADE, related_name="partners"
    )
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="arrangement_answers"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["authority__short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement", "authority"], name="arrangement_partner_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority_id} on {self.arrangement_id}: {self.state}"


class ArrangementEvent(models.Model):
    """One line of an arrangement's history."""

    class Action(models.TextChoices):
        RECORDED = "recorded", "Recorded"
        SEEDED = "seeded", "Added from public sources"
        CORRECTED = "corrected", "Corrected by a partner"
        CONFIRMED = "confirmed", "Confirmed by a partner"
        DECLINED = "declined", "Declined by a partner"
        DISPUTED = "disputed", "Disputed by a partner"
        SUBMITTED = "submitted", "Sent for review"
        PUBLISHED = "published", "Published"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"

    arrangement = models.ForeignKey(
        SharedArrangement, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    authority = models.ForeignKey(
        Authority, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.arrangement_id} {self.action}"
