"""What: the service taxonomy, listings (offers and needs) and their history.

The taxonomy (ServiceFamily -> Service) is loaded by a data migration and is
editable by staff in the Django admin. A Service names its revenue outturn
line by code (`ro_line`, matching councils.SpendLine.code) rather than by a
foreign key, so the taxonomy can load before the reference data is imported.

A Listing moves through one state machine (offers/lifecycle.py); every state
change and every edit writes a ListingEvent in the same transaction
(offers/services.py). Moderation reports and expressions of interest are
added alongside these models.
"""

from datetime import datetime, timedelta
from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from councils.models import Authority, Membership
from offers.search_document import TRIGGER_SQL


class Office(models.TextChoices):
    BACK = "back", "Back office"
    FRONT = "front", "Front office"


class ServiceFamily(models.Model):
    """The first level of the taxonomy, e.g. "Revenues and benefits"."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    office = models.CharField(max_length=5, choices=Office)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "service families"

    def __str__(self) -> str:
        return self.name


# Every kind of organisation but councils, whose services go by tier instead.
BODY_KINDS = [
    (k, label) for k, label in Authority.Kind.choices if k != Authority.Kind.PRINCIPAL_COUNCIL
]


class ServiceQuerySet(models.QuerySet["Service"]):
    def delivered_by(self, tier: str) -> "ServiceQuerySet":
        """Services an authority of this tier delivers (Authority.Tier value)."""
        field = Service.TIER_FIELDS.get(tier)
        if field is None:
            return self.none()
        return self.filter(**{field: True})

    def delivered_by_kind(self, kind: str) -> "ServiceQuerySet":
        """Services a body of this kind (not a council) delivers (Authority.Kind value)."""
        return self.filter(body_kinds__contains=[kind])

    def delivered_by_authority(self, authority: Authority) -> "ServiceQuerySet":
        """Services this organisation delivers: a council's by its tier, a body's by its kind."""
        if authority.kind == Authority.Kind.PRINCIPAL_COUNCIL:
            return self.delivered_by(authority.tier)
        return self.delivered_by_kind(authority.kind)


class Service(models.Model):
    """A service councils deliver and can share, e.g. "Building control"."""

    # Authority.Tier value -> the boolean field that says this tier delivers it.
    TIER_FIELDS: ClassVar[dict[str, str]] = {
        Authority.Tier.UPPER: "by_upper",
        Authority.Tier.LOWER: "by_lower",
        Authority.Tier.UNITARY: "by_unitary",
        Authority.Tier.NI_DISTRICT: "by_ni_district",
    }

    family = models.ForeignKey(ServiceFamily, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    office = models.CharField(max_length=5, choices=Office)
    description = models.CharField(max_length=300, blank=True)
    # Booleans rather than a JSON list so "services my tier delivers" is a
    # plain indexed filter on SQLite and PostgreSQL alike.
    by_upper = models.BooleanField("county councils deliver it", default=False)
    by_lower = models.BooleanField("district councils deliver it", default=False)
    by_unitary = models.BooleanField("single-tier councils deliver it", default=False)
    by_ni_district = models.BooleanField("Northern Ireland districts deliver it", default=False)
    body_kinds = ArrayField(
        models.CharField(max_length=20, choices=BODY_KINDS),
        blank=True,
        default=list,
        verbose_name="other kinds of body that deliver it",
        help_text="Fire, police, integrated care boards and so on (Authority.Kind values).",
    )
    ro_line = models.CharField(
        "revenue outturn line",
        max_length=10,
        blank=True,
        help_text="RO line code holding its spend, e.g. 599. Blank if outside the general fund.",
    )
    lgsl_code = models.CharField(
        "LGSL code",
        max_length=10,
        blank=True,
        help_text="Local Government Service List identifier, where one matches.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["family__position", "position", "name"]
        indexes = [GinIndex(fields=["body_kinds"], name="service_body_kinds_gin")]

    def __str__(self) -> str:
        return self.name

    @property
    def delivered_by_tiers(self) -> list[str]:
        """Authority.Tier values of the tiers that deliver this service."""
        return [tier for tier, field in self.TIER_FIELDS.items() if getattr(self, field)]

    @property
    def delivered_by_kinds(self) -> list[str]:
        """Authority.Kind values of the kinds that deliver it ("council" if any tier does)."""
        councils = [Authority.Kind.PRINCIPAL_COUNCIL.value] if self.delivered_by_tiers else []
        return councils + list(self.body_kinds)


def tier_delivers(service: Service, tier: str) -> bool:
    """Whether an authority of `tier` delivers `service` (and so can share it)."""
    return tier in service.delivered_by_tiers


def authority_delivers(service: Service, authority: Authority) -> bool:
    """Whether this organisation delivers `service`: a council by tier, a body by kind."""
    if authority.kind == Authority.Kind.PRINCIPAL_COUNCIL:
        return tier_delivers(service, authority.tier)
    return authority.kind in service.body_kinds


def service_phrase(service: Service) -> str:
    """The service's name mid-sentence: "housing benefit administration", but "SEND"."""
    name = service.name
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def not_delivered_reason(service: Service, authority: Authority) -> str:
    """Why this organisation cannot offer or need `service`, naming it and the reason:
    "Kent Combined Fire and Rescue Authority does not deliver libraries"."""
    if authority.kind == Authority.Kind.PRINCIPAL_COUNCIL:
        return f"{authority.get_tier_display()} councils do not deliver {service_phrase(service)}"
    return f"{authority.name} does not deliver {service_phrase(service)}"


def default_expiry(start: datetime | None = None) -> datetime:
    """Six months (182 days) after `start`, or after now."""
    days = settings.LISTING_LIFETIME_DAYS
    return (start or timezone.now()) + timedelta(days=days)


class ListingQuerySet(models.QuerySet["Listing"]):
    def published(self) -> "ListingQuerySet":
        return self.filter(status=Listing.Status.PUBLISHED)

    def public(self) -> "ListingQuerySet":
        """Published and visible to anyone, signed in or not."""
        return self.published().filter(visibility=Listing.Visibility.PUBLIC)

    def visible_to(self, user: Any) -> "ListingQuerySet":
        """Published listings this user may see in browse and search.

        "Signed-in public-sector users" means staff and approved officers of
        any authority; a signed-in member of the public sees public listings.
        """
        if (
            user is not None
            and user.is_authenticated
            and (user.is_staff or Membership.objects.approved().filter(user=user).exists())
        ):
            return self.published()
        return self.public()

    def for_authority(self, authority: Authority) -> "ListingQuerySet":
        return self.filter(authority=authority)

    def expiry_due(self, now: datetime) -> "ListingQuerySet":
        return self.published().filter(expires_at__lte=now)


class Listing(models.Model):
    """An OFFER ("we can deliver this for you") or a NEED ("we seek a partner")."""

    class Kind(models.TextChoices):
        OFFER = "offer", "Offer"
        NEED = "need", "Need"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Waiting for review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    class DeliveryModel(models.TextChoices):
        LEAD_AUTHORITY = "lead_authority", "Lead authority"
        JOINT_COMMITTEE = "joint_committee", "Joint committee"
        SHARED_TEAM = "shared_team", "Shared team or shared management"
        JOINT_COMPANY = "joint_company", "Jointly owned company"
        CONTRACT = "contract", "Contract between councils"
        OPEN = "open", "Open to discussion"

    class PartnerScope(models.TextChoices):
        ANY = "any", "Any distance"
        RADIUS = "radius", "Within a distance"
        REGION = "region", "Our own region"
        NAMED = "named", "Named councils"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Anyone"
        SIGNED_IN = "signed_in", "Signed-in public sector users only"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="listings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=120)
    summary = models.CharField(max_length=300)
    description = models.TextField(max_length=5000, blank=True)
    delivery_model = models.CharField(
        max_length=20, choices=DeliveryModel.choices, default=DeliveryModel.OPEN
    )
    annual_value_gbp = models.PositiveBigIntegerField("annual value (£)", null=True, blank=True)
    population_served = models.PositiveIntegerField(null=True, blank=True)
    partner_scope = models.CharField(
        "where you will partner",
        max_length=10,
        choices=PartnerScope.choices,
        default=PartnerScope.ANY,
    )
    partner_radius_km = models.PositiveSmallIntegerField("distance (km)", null=True, blank=True)
    named_partners = models.ManyToManyField(Authority, blank=True, related_name="named_in_listings")
    earliest_start = models.DateField(null=True, blank=True)
    contact_name = models.CharField("contact officer", max_length=200)
    contact_email = models.EmailField("contact email address")
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    is_demo = models.BooleanField(default=False, help_text="Demo data; shown as demo on screen.")
    is_synthetic = models.BooleanField(
        default=False,
        editable=False,
        help_text="Benchmark load from generate_synthetic_listings; never real or demo data.",
    )
    # Full-text search document (offers/search_document.py). A trigger keeps it
    # current on every insert and update, and a GIN index serves it (Meta below).
    search_vector = SearchVectorField(null=True, editable=False)

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # The latest moderator's reason (changes requested or rejected); the full
    # trail is in ListingEvent.
    status_reason = models.TextField(blank=True, max_length=2000)
    # Optimistic locking: every save through offers.services adds one.
    version = models.PositiveIntegerField(default=1)
    # The fields as last published (offers.services.listing_field_values), so
    # moderators can diff a resubmission against what the public saw.
    published_snapshot = models.JSONField(null=True, blank=True)
    # The editable fields as a moderator last approved them, as stored values
    # (offers.services.listing_stored_values), so "revert" can restore them exactly.
    approved_values = models.JSONField(null=True, blank=True, editable=False)
    # Set by the first edit of a live listing after approval: it is then in the
    # "changes since approval" queue until a moderator accepts or reverts.
    changed_since_approval_at = models.DateTimeField(null=True, blank=True)
    # An edit of a live listing that tripped screening: its stored values wait
    # here, unseen by the public, while the fields keep the version that is live.
    held_values = models.JSONField(null=True, blank=True, editable=False)
    held_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    first_published_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="listings_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="listing_status_published"),
            models.Index(fields=["status", "service"], name="listing_status_service"),
            models.Index(fields=["authority", "status"], name="listing_authority_status"),
            models.Index(fields=["status", "expires_at"], name="listing_status_expires"),
            models.Index(fields=["status", "submitted_at"], name="listing_status_submitted"),
            # The browse page's facet counts (offers.browse.facets) without a text search
            # read only this index (an index-only scan): every column they filter on or
            # group by is in it, so the unfiltered page's counts skip the wide rows.
            models.Index(
                fields=["status", "visibility", "expires_at"],
                include=["kind", "delivery_model", "service", "authority"],
                name="listing_browse_facets",
            ),
            models.Index(
                fields=["changed_since_approval_at"],
                name="listing_changed_since_approval",
                condition=Q(changed_since_approval_at__isnull=False),
            ),
            # Full-text search (offers.browse.search).
            GinIndex(fields=["search_vector"], name="offers_listing_search_gin"),
            # Browse at national scale: the published count by visibility and expiry,
            # and "newest first" on any page walks an index in order.
            models.Index(
                fields=["visibility", "expires_at"],
                name="offers_listing_browse_count",
                condition=Q(status="published"),
            ),
            models.Index(
                F("published_at").desc(),
                F("id").desc(),
                name="offers_listing_browse_newest",
                condition=Q(status="published"),
            ),
        ]
        triggers = [
            # Row by row as a listing is saved; search_vectors_refresh does every row
            # after a bulk load or a rename (a rename does not touch the listing's row).
            pgtrigger.Trigger(
                name="listing_search_vector",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert
                | pgtrigger.UpdateOf(  # type: ignore[no-untyped-call]  # pgtrigger is unannotated
                    "title", "summary", "description", "service_id", "authority_id"
                ),
                declare=[("s", "RECORD"), ("f", "RECORD"), ("a", "RECORD")],
                func=TRIGGER_SQL,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(partner_scope="radius") | Q(partner_radius_km__gt=0),
                name="listing_radius_needs_distance",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | (Q(published_at__isnull=False) & Q(expires_at__isnull=False)),
                name="listing_published_has_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("offers:detail", kwargs={"pk": self.pk})

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def has_unreviewed_changes(self) -> bool:
        """Live edits or a held edit that a moderator has not yet looked at."""
        return self.changed_since_approval_at is not None or self.held_at is not None


class ListingEvent(models.Model):
    """One line of a listing's history: a state change or an edit."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        EDITED = "edited", "Edited"
        SUBMITTED = "submitted", "Submitted for review"
        WITHDRAWN = "withdrawn", "Withdrawn"
        RENEWED = "renewed", "Renewed"
        PUBLISHED = "published", "Published"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"
        EDIT_HELD = "edit_held", "Edit held for review"
        CHANGES_ACCEPTED = "changes_accepted", "Changes accepted"
        CHANGES_REVERTED = "changes_reverted", "Changes reverted"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the system (for example expiry).",
    )
    from_status = models.CharField(max_length=20, choices=Listing.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Listing.Status.choices)
    reason = models.TextField(blank=True, max_length=2000)
    # {"field": {"label": ..., "old": ..., "new": ...}} in display form.
    changes = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(help_text="The listing's version after this event.")
    # Set when the owner has been emailed about this event (moderation decisions).
    owner_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["listing", "-created_at"], name="listingevent_listing")]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.action} at {self.created_at:%Y-%m-%d %H:%M}"


class ExpiryReminder(models.Model):
    """One row per reminder sent: a listing is reminded once per expiry date."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="expiry_reminders")
    expires_at = models.DateTimeField(help_text="The expiry date this reminder was about.")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "expires_at"], name="expiryreminder_once_per_expiry"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.listing_id} (expires {self.expires_at:%Y-%m-%d})"


# --- Moderation: screening terms and reports; expressions of interest ---------


class ScreeningTerm(models.Model):
    """A word or phrase that flags a listing for the moderator's attention.

    Flags never block submission (offers.moderation.screening); staff edit the list in
    the Django admin.
    """

    term = models.CharField(max_length=100, help_text="Matched as a whole word, any case.")
    note = models.CharField(max_length=200, blank=True, help_text="Why this term is screened.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(Lower("term"), name="screeningterm_unique"),
        ]

    def __str__(self) -> str:
        return self.term


class Report(models.Model):
    """A signed-in user's report that a listing breaks the rules. Joins the moderation queue."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved (listing taken down)"
        DISMISSED = "dismissed", "Dismissed"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="reports")
    # Empty once the reporter deletes their account: the report stays in the
    # listing's moderation record without them (councils.account_services).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="listing_reports",
    )
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "listing"], name="report_status_listing")]
        constraints = [
            # A second click, or a second report while the first is open, is the same report.
            models.UniqueConstraint(
                fields=["listing", "reporter"],
                condition=Q(status="open"),
                name="report_one_open_per_reporter",
            ),
        ]

    def __str__(self) -> str:
        return f"Report on {self.listing_id} by {self.reporter_id} ({self.status})"


class Interest(models.Model):
    """An officer of another council tells a listing's owner they are interested."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_DISCUSSION = "in_discussion", "In discussion"
        PARTNERED = "partnered", "Partnered"
        NOT_TAKEN_FORWARD = "not_taken_forward", "Not taken forward"

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="interests")
    # Empty once the sender deletes their account: the council keeps the message
    # it received, without the person (councils.account_services).
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interests_sent",
    )
    sender_authority = models.ForeignKey(
        Authority, on_delete=models.PROTECT, related_name="interests_sent"
    )
    message = models.TextField(max_length=2000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # Set once the listing's contact has been emailed; a retried task sends nothing.
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "sender"], name="interest_once_per_sender"),
        ]

    def __str__(self) -> str:
        return f"Interest in {self.listing_id} from {self.sender_id}"

    def get_absolute_url(self) -> str:
        return reverse("offers:interest_detail", kwargs={"pk": self.pk})


class ModeratorPreference(models.Model):
    """A moderator's choice about the daily summary email; no row means "send it".

    Set from the email preferences page (digests.views.email_notifications), the
    one place anyone turns an email off; kept here because the summary job reads it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderator_preference"
    )
    daily_summary = models.BooleanField(
        default=True, help_text="Email me a summary of new submissions and reports each morning."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Moderator preference of {self.user_id}"


class SearchSynonym(models.Model):
    """Words officers type and the words listings use: "IT" means "ICT".

    Staff keep the list (offers.browse.synonyms); a search expands a matching
    phrase into an OR of the phrase and its synonyms before PostgreSQL parses
    it (offers.browse.search), because PostgreSQL's thesaurus files live on the
    database server, and because "it" is an English stop word that the parser
    would drop before any thesaurus saw it.
    """

    phrase = models.CharField(
        max_length=100, help_text="What people type, for example IT or revs and bens."
    )
    synonyms = models.CharField(
        max_length=300,
        help_text="What listings say instead, separated by commas, for example ICT, digital.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phrase"]
        constraints = [models.UniqueConstraint(Lower("phrase"), name="searchsynonym_unique")]

    def __str__(self) -> str:
        return f"{self.phrase} -> {self.synonyms}"

    @property
    def synonym_list(self) -> list[str]:
        return [s.strip() for s in self.synonyms.split(",") if s.strip()]
