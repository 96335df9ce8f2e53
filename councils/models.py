"""Who: public bodies, their reference data, the people who act for them.

Imported reference data (Authority, BodyArea, Adjacency, SpendRecord) is kept
apart from what users type (AuthorityProfile, Membership, EmailDomain), so a
re-import can never overwrite an organisation's own words. Every organisation
(council, fire, police, ICB, combined authority, park...) is one Authority row,
told apart by `kind` (ADR 14). The GSS code is the stable key; names change.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.urls import reverse


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create(email, password, **extra)


class User(AbstractUser):
    """A person. Signs in by email; there are no usernames."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    is_demo = models.BooleanField(
        default=False, help_text="Demo account created by seed_demo; shown as demo on screen."
    )

    objects = UserManager()  # type: ignore[assignment,misc]

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []  # email is the USERNAME_FIELD; nothing else is asked

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class AuthorityQuerySet(models.QuerySet["Authority"]):
    def current(self) -> "AuthorityQuerySet":
        return self.filter(status=Authority.Status.CURRENT)

    def councils(self) -> "AuthorityQuerySet":
        return self.filter(kind=Authority.Kind.PRINCIPAL_COUNCIL)

    def bodies(self) -> "AuthorityQuerySet":
        """Every organisation that is not a principal council."""
        return self.exclude(kind=Authority.Kind.PRINCIPAL_COUNCIL)


class Authority(models.Model):
    """An organisation that can share services: a council or another public body.

    `kind` says what sort of organisation it is (and so which services it
    delivers, offers.Service.delivered_by_kinds); `tier` says which services a
    council delivers and is blank for every other kind. Bodies without a GSS
    code (Lee Valley Regional Park) are keyed on their MHCLG E-code instead.
    """

    class Kind(models.TextChoices):
        PRINCIPAL_COUNCIL = "council", "Council"
        COMBINED = "combined", "Combined authority"
        GLA = "gla", "Greater London Authority"
        FIRE = "fire", "Fire and rescue authority"
        POLICE = "police", "Police force area"
        NHS = "nhs", "Integrated care board"
        NATIONAL_PARK = "park", "National park authority"
        WASTE = "waste", "Waste disposal authority"
        REGIONAL_PARK = "regional_park", "Regional park authority"
        OTHER = "other", "Other public body"

    class Type(models.TextChoices):
        COUNTY = "CTY", "County council"
        DISTRICT = "NMD", "District council"
        UNITARY = "UA", "Unitary authority"
        METROPOLITAN = "MD", "Metropolitan district"
        LONDON_BOROUGH = "LBO", "London borough"
        CITY_OF_LONDON = "CC", "City of London"
        SCOTTISH = "SCO", "Scottish council"
        WELSH = "WPA", "Welsh principal area"
        NI_DISTRICT = "NID", "Northern Ireland district"

    class Tier(models.TextChoices):
        UPPER = "upper", "Upper tier (county)"
        LOWER = "lower", "Lower tier (district)"
        UNITARY = "unitary", "Single tier (unitary)"
        NI_DISTRICT = "ni_district", "Northern Ireland district"

    class Nation(models.TextChoices):
        ENGLAND = "England"
        SCOTLAND = "Scotland"
        WALES = "Wales"
        NORTHERN_IRELAND = "Northern Ireland"

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        ABOLISHED = "abolished", "Abolished"

    gss_code = models.CharField(
        "GSS code",
        max_length=9,
        unique=True,
        help_text="ONS code (E07000223), or the MHCLG E-code (E6803) for a body that has none.",
    )
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=200)
    area_name = models.CharField(
        max_length=200,
        blank=True,
        help_text='The register\'s bare area name for a body ("Kent"); blank for councils.',
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PRINCIPAL_COUNCIL)
    authority_type = models.CharField(max_length=3, choices=Type.choices, blank=True)
    tier = models.CharField(max_length=12, choices=Tier.choices, blank=True)
    nation = models.CharField(max_length=20, choices=Nation.choices)
    region = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CURRENT)
    successors = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="predecessors",
        help_text="For an abolished council, the current councils that took over its area.",
    )
    parent_county = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="districts"
    )
    combined_authority = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind__in": ["combined", "gla"]},
        verbose_name="member of",
        help_text="The combined authority or the GLA this council is a member of.",
    )
    run_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="runs_services_for",
        help_text=(
            "For a fire and rescue area with no authority of its own: the council, "
            "combined authority or GLA that runs its service."
        ),
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    area_km2 = models.PositiveIntegerField("area (km²)", null=True, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(null=True, blank=True)
    population_source = models.CharField(max_length=200, blank=True)
    mysociety_code = models.CharField(max_length=10, blank=True)
    mhclg_ecode = models.CharField("MHCLG E-code", max_length=10, blank=True)
    ods_code = models.CharField(
        "NHS ODS code", max_length=5, blank=True, help_text="Integrated care boards only."
    )
    gov_uk_slug = models.CharField(max_length=100, blank=True)
    start_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = AuthorityQuerySet.as_manager()

    class Meta:
        ordering = ["short_name"]
        verbose_name_plural = "authorities"
        indexes = [
            models.Index(fields=["status", "short_name"]),
            models.Index(fields=["nation", "region"]),
            models.Index(fields=["kind", "status"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("councils:detail", kwargs={"gss_code": self.gss_code})

    @property
    def is_current(self) -> bool:
        return self.status == self.Status.CURRENT

    @property
    def is_council(self) -> bool:
        return self.kind == self.Kind.PRINCIPAL_COUNCIL

    @property
    def kind_label(self) -> str:
        """What the organisation is, for a caption: the council type, or the body's kind."""
        if self.is_council and self.authority_type:
            return self.get_authority_type_display()
        return self.get_kind_display()


class BodyArea(models.Model):
    """One council area a body covers (public_body_areas.csv).

    The level is districts and unitaries, as in the ONS lookups; counties are
    reached through their districts. `share` is below 1 only for the 13
    districts split between integrated care boards, where it is the fraction
    of the district's LSOAs in that board (LSOAs, not people).
    """

    body = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="areas")
    council = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="covered_by")
    share = models.DecimalField(max_digits=5, decimal_places=4, default=1)
    share_basis = models.CharField(max_length=20, blank=True)
    n_lsoa = models.CharField("LSOAs in the body / in the district", max_length=20, blank=True)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["body", "council"]
        constraints = [
            models.UniqueConstraint(fields=["body", "council"], name="body_area_unique"),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="body_area_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body_id} covers {self.council_id} ({self.share})"

    @property
    def is_whole(self) -> bool:
        return self.share >= 1

    @property
    def share_percent(self) -> Decimal:
        return self.share * 100


class AuthorityProfile(models.Model):
    """What a council says about itself, kept apart from imported facts."""

    authority = models.OneToOneField(Authority, on_delete=models.CASCADE, related_name="profile")
    description = models.TextField(blank=True, max_length=5000)
    open_to_sharing = models.TextField(
        "open-to-sharing statement",
        blank=True,
        max_length=2000,
        help_text="Which services you would share, and how.",
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Profile of {self.authority}"


class Adjacency(models.Model):
    """Two authorities that share a boundary (stored once, a < b by GSS code).

    Two layers from the reference data: `district` links lower-tier and
    unitary councils; `upper` links counties and unitaries.
    """

    class Layer(models.TextChoices):
        DISTRICT = "district", "District and unitary"
        UPPER = "upper", "County and unitary"

    authority_a = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+")
    authority_b = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="+")
    layer = models.CharField(max_length=10, choices=Layer.choices)
    ons_rank_from_a = models.PositiveSmallIntegerField(null=True, blank=True)
    ons_rank_from_b = models.PositiveSmallIntegerField(null=True, blank=True)
    via_successor_mapping = models.BooleanField(default=False)
    touching_pairs = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "adjacencies"
        constraints = [
            models.UniqueConstraint(
                fields=["authority_a", "authority_b", "layer"], name="adjacency_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority_a_id}–{self.authority_b_id} ({self.layer})"


class SpendLine(models.Model):
    """A revenue outturn (RO) line, e.g. 599 Planning and development services."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SpendRecord(models.Model):
    """Net current expenditure of one authority on one RO line in one financial year.

    A blank figure means the authority's return was not received (RSX marks it
    `...` or `[x]`; Copeland sent nothing for 2017-18): the row is kept so a page
    can say so, rather than look as if the authority did not exist that year.
    """

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="spend")
    line = models.ForeignKey(SpendLine, on_delete=models.PROTECT, related_name="records")
    year = models.CharField(max_length=7, help_text="Financial year, e.g. 2017-18.")
    net_expenditure_thousands = models.DecimalField(
        "net expenditure (£ thousands)", max_digits=14, decimal_places=3, null=True, blank=True
    )
    source = models.CharField(max_length=200)
    edition = models.DateField(
        null=True, blank=True, help_text="The release's “Last updated” date (RSX files only)."
    )
    certified = models.BooleanField(
        null=True, help_text="Whether the return was certified; unknown for 2017-18 and 2021-22."
    )
    detailed_class = models.CharField(
        max_length=40, blank=True, help_text="RSX “Detailed Class”, e.g. SD, Fire, Police."
    )

    class Meta:
        ordering = ["authority", "year", "line"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "line", "year"], name="spend_unique_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority_id} {self.year} {self.line_id}"

    @property
    def received(self) -> bool:
        return self.net_expenditure_thousands is not None


class Deprivation(models.Model):
    """One council's figures on one index of deprivation (deprivation_la.csv).

    The indices (IoD2025, IoD2019, WIMD2019, SIMD2020v2, NIMDM2017) are not
    comparable with one another: each ranks small areas within one nation (and
    IoD2019 and IoD2025 are separate editions), so anything that compares two
    councils must use rows of the same `index`. `preferred` marks one row per
    council (its nation's index; IoD2019 for counties).
    """

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="deprivation")
    index = models.CharField(max_length=20)
    tier = models.CharField(max_length=40, blank=True)
    preferred = models.BooleanField()
    source_id = models.CharField(max_length=20)
    n_areas_ranked = models.PositiveSmallIntegerField(null=True, blank=True)
    avg_score = models.DecimalField(max_digits=10, decimal_places=6, null=True, blank=True)
    rank_avg_score = models.PositiveSmallIntegerField(null=True, blank=True)
    prop_most_deprived_10pct = models.DecimalField(
        "share of small areas in the most deprived 10%",
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
    )
    extent = models.DecimalField(
        "share of people in the most deprived areas (extent)",
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
    )
    value_type = models.CharField(max_length=40)

    class Meta:
        ordering = ["authority", "index"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "index"], name="deprivation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.authority_id} {self.index}"


class RuralUrban(models.Model):
    """A council's ONS rural-urban classification 2021 (rural_urban_la.csv): England
    and Wales districts and unitaries only; counties, Scotland and NI have none."""

    authority = models.OneToOneField(
        Authority, on_delete=models.CASCADE, related_name="rural_urban"
    )
    classification = models.CharField(max_length=40)
    ruc21_code = models.CharField("RUC 2021 code", max_length=3)
    ruc21_name = models.CharField("RUC 2021 class", max_length=100)
    urban_rural = models.CharField(max_length=10)

    class Meta:
        verbose_name = "rural-urban class"
        ordering = ["authority"]

    def __str__(self) -> str:
        return f"{self.authority_id} {self.ruc21_code}"


class EmailDomain(models.Model):
    """An email domain that proves a person works for an authority. Staff manage these."""

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        max_length=253, unique=True, help_text="For example adur-worthing.gov.uk"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args: object, **kwargs: object) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SharedEmailDomain(models.Model):
    """An email domain many organisations share (nhs.net, police.uk, gov.uk).

    An address there proves nothing about which organisation a person works
    for, so it never joins anyone automatically and cannot be registered as an
    organisation's domain. Staff keep the list; a data migration seeds it.
    """

    domain = models.CharField(max_length=253, unique=True, help_text="For example nhs.net")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args: object, **kwargs: object) -> None:
        self.domain = self.domain.strip().lower().lstrip("@")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def approved(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.APPROVED)

    def pending(self) -> "MembershipQuerySet":
        return self.filter(status=Membership.Status.PENDING)

    def not_demo(self) -> "MembershipQuerySet":
        """Public counts leave demo accounts out, so demo data never inflates real figures."""
        return self.exclude(user__is_demo=True)


class Membership(models.Model):
    """A person acting for an authority, or asking to.

    One open (pending or approved) membership per person: an officer acts for
    one council at a time.
    """

    class Role(models.TextChoices):
        OFFICER = "officer", "Officer"
        ADMIN = "admin", "Authority admin"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        LEFT = "left", "Left"
        # Removed by a council admin or staff: remembered, so a verified email
        # domain never makes the person a member again (only an admin can).
        REMOVED = "removed", "Removed"

    class Method(models.TextChoices):
        DOMAIN = "domain", "Verified email domain"
        REQUEST = "request", "Approved request"
        STAFF = "staff", "Added by site staff"
        READDED = "readded", "Re-added by an admin"
        INVITED = "invited", "Invited by an admin"
        DEMO = "demo", "Demo data"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OFFICER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    method = models.CharField(max_length=10, choices=Method.choices)
    request_message = models.TextField(blank=True, max_length=1000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the people who decide were reminded of a request still pending after
    # JOIN_REQUEST_REMINDER_WORKING_DAYS: set once, so nobody is reminded twice.
    reminded_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["pending", "approved"]),
                name="membership_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.authority} ({self.get_status_display()})"


class Invitation(models.Model):
    """An authority admin's invitation for a colleague to join, sent by email.

    The email carries a link with `token`; whoever verifies `email` (signing up
    or adding the address) joins as an officer (councils.signals), since only
    the person who reads that inbox can. Open means neither accepted nor
    cancelled; one open invitation per address and authority.
    """

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "email"],
                condition=Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.authority_id}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None


class EmailPreference(models.Model):
    """Which of the service's notification emails a person wants. No row: all of them.

    Digests keep their own settings (digests.DigestPreference); these are the
    emails about things that happen to you: requests to join your organisation
    (for its admins and site staff) and news of interest you expressed. Each
    kind a later round adds gets its own field here, defaulting to on.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference"
    )
    join_requests = models.BooleanField(
        "requests to join your organisation",
        default=True,
        help_text="New requests to join (admins, and staff for organisations with none).",
    )
    join_request_reminders = models.BooleanField(
        "reminders of join requests still waiting",
        default=True,
        help_text="A reminder when a request has waited three working days.",
    )
    interest_updates = models.BooleanField(
        "updates on interest you expressed",
        default=True,
        help_text="When a council marks how your expression of interest is going.",
    )
    group_suggestions = models.BooleanField(
        "suggested consortia and swaps",
        default=True,
        help_text="When a listing you created first becomes part of a suggested consortium "
        "or swap.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Email preference of {self.user_id}"
