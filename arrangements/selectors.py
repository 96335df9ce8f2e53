"""Reads for the register: the public list and its filters, one arrangement's page,
an organisation's arrangements, what a partner's officer may do, the moderation queue."""

from dataclasses import dataclass
from typing import Any

import django_filters
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse

from councils.models import Authority, Membership, User
from offers.models import Interest, Listing, Service, ServiceFamily

from .models import ArrangementPartner, SharedArrangement

# A code no organisation has, replaced by each council's in the browser (as api/market.py).
LINK_PLACEHOLDER = "X00000000"
STATE_CHOICES = [("active", "Running"), ("ended", "Ended")]


def _with_related(queryset: QuerySet[SharedArrangement]) -> QuerySet[SharedArrangement]:
    return queryset.select_related("service__family", "lead", "corrected_by").prefetch_related(
        Prefetch("services", queryset=_services()),
        Prefetch(
            "partners",
            queryset=ArrangementPartner.objects.select_related("authority").order_by(
                "authority__short_name"
            ),
        ),
    )


def _services() -> QuerySet[Service]:
    return Service.objects.select_related("family").order_by("family__position", "position")


class ArrangementFilter(django_filters.FilterSet):
    """The register's filters. State lives in the query string (a GET form)."""

    family = django_filters.ChoiceFilter(
        label="Service family",
        choices=[],  # filled in __init__
        empty_label="All service families",
        method="filter_family",
        error_messages={"invalid_choice": "Select a service family from the list"},
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of organisation",
        choices=Authority.Kind.choices,
        empty_label="Any kind",
        method="filter_kind",
        error_messages={"invalid_choice": "Select a kind of organisation from the list"},
    )
    delivery_model = django_filters.ChoiceFilter(
        label="How it is shared",
        choices=Listing.DeliveryModel.choices,
        empty_label="Any way",
        error_messages={"invalid_choice": "Select how it is shared from the list"},
    )
    region = django_filters.ChoiceFilter(
        label="Region or nation",
        choices=[],
        empty_label="Anywhere",
        method="filter_region",
        error_messages={"invalid_choice": "Select a region from the list"},
    )
    state = django_filters.ChoiceFilter(
        label="Running or ended",
        choices=STATE_CHOICES,
        empty_label="Either",
        method="filter_state",
        error_messages={"invalid_choice": "Select running or ended"},
    )

    class Meta:
        model = SharedArrangement
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = ServiceFamily.objects.order_by("position", "name").values_list("slug", "name")
        self.filters["family"].extra["choices"] = list(families)
        regions = (
            Authority.objects.current()
            .exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
            .distinct()
        )
        nations = [n for n, _ in Authority.Nation.choices if n != Authority.Nation.ENGLAND]
        self.filters["region"].extra["choices"] = [(r, r) for r in [*regions, *nations]]
        for name in self.filters:
            self.filters[name].field.widget.attrs.setdefault("class", "govuk-select")

    def filter_family(
        self, queryset: QuerySet[SharedArrangement], name: str, value: str
    ) -> QuerySet[SharedArrangement]:
        return queryset.filter(
            Q(services__family__slug=value) | Q(service__family__slug=value)
        ).distinct()

    def filter_kind(
        self, queryset: QuerySet[SharedArrangement], name: str, value: str
    ) -> QuerySet[SharedArrangement]:
        return queryset.filter(members__kind=value).distinct()

    def filter_region(
        self, queryset: QuerySet[SharedArrangement], name: str, value: str
    ) -> QuerySet[SharedArrangement]:
        return queryset.filter(Q(members__region=value) | Q(members__nation=value)).distinct()

    def filter_state(
        self, queryset: QuerySet[SharedArrangement], name: str, value: str
    ) -> QuerySet[SharedArrangement]:
        return queryset.filter(is_active=value == "active")

    @property
    def active_filters(self) -> bool:
        return any(self.form.data.get(name) for name in self.filters)


def arrangement_register(*, params: Any) -> ArrangementFilter:
    """The public register's filterset over published arrangements; call is_valid()."""
    return ArrangementFilter(
        data=params, queryset=_with_related(SharedArrangement.objects.published())
    )


def arrangements_csv_rows(queryset: QuerySet[SharedArrangement]) -> list[list[str]]:
    """One row per published arrangement: no contact details (they are not public)."""
    rows = []
    for a in queryset:
        rows.append(
            [
                str(a.pk),
                a.name,
                "; ".join(s.name for s in a.services.all()) or a.service.name,
                "; ".join(p.authority.gss_code for p in a.partners.all()),
                "; ".join(p.authority.name for p in a.partners.all()),
                a.lead.gss_code if a.lead else "",
                a.get_delivery_model_display(),
                str(a.started_year or ""),
                str(a.ended_year or ""),
                "running" if a.is_active else "ended",
                str(a.annual_savings_gbp or ""),
                a.savings_source_url,
                a.get_origin_display(),
                str(sum(p.state == ArrangementPartner.State.CONFIRMED for p in a.partners.all())),
                a.source_url,
            ]
        )
    return rows


CSV_HEADER = [
    "id",
    "name",
    "services",
    "partner_gss_codes",
    "partners",
    "lead_gss_code",
    "delivery_model",
    "started",
    "ended",
    "state",
    "reported_annual_savings_gbp",
    "savings_source",
    "origin",
    "partners_confirmed",
    "source",
]


@dataclass(frozen=True)
class ArrangementView:
    """One arrangement's page: the record, and what this viewer may see and do."""

    arrangement: SharedArrangement
    confirmed: int
    partners: int
    can_see_contact: bool
    answer_for: ArrangementPartner | None  # the viewer's organisation's pending answer
    is_partner_officer: bool
    # The viewer's organisation's place in one from public sources it may correct.
    correct_for: ArrangementPartner | None = None


def _membership(user: User | AnonymousUser) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.approved().select_related("authority").filter(user=user).first()


def arrangement_for_page(*, pk: int, user: User | AnonymousUser) -> ArrangementView | None:
    """The arrangement if this viewer may see it: anyone when published; otherwise
    only officers of its partners and staff. None means "not found" for this viewer."""
    arrangement = (
        _with_related(SharedArrangement.objects.all())
        .prefetch_related("events__actor", "events__authority")
        .filter(pk=pk)
        .first()
    )
    if arrangement is None:
        return None
    membership = _membership(user)
    partners = list(arrangement.partners.all())
    own = next(
        (p for p in partners if membership and p.authority_id == membership.authority_id), None
    )
    is_staff = bool(getattr(user, "is_staff", False))
    if not arrangement.is_public and own is None and not is_staff:
        return None
    return ArrangementView(
        arrangement=arrangement,
        confirmed=sum(p.state == ArrangementPartner.State.CONFIRMED for p in partners),
        partners=len(partners),
        can_see_contact=membership is not None or is_staff,
        answer_for=own if own and own.state == ArrangementPartner.State.PENDING else None,
        is_partner_officer=own is not None,
        correct_for=own
        if own
        and arrangement.origin == SharedArrangement.Origin.PUBLIC_SOURCES
        and arrangement.status
        in (SharedArrangement.Status.PUBLISHED, SharedArrangement.Status.CHANGES_REQUESTED)
        else None,
    )


def authority_arrangements(*, authority: Authority) -> list[SharedArrangement]:
    """An organisation's published arrangements, for its profile."""
    return list(
        _with_related(SharedArrangement.objects.published().filter(members=authority)).order_by(
            "-is_active", "name"
        )
    )


def arrangements_waiting_for(*, authority: Authority) -> list[SharedArrangement]:
    """Arrangements that name this organisation and wait for its answer."""
    return list(
        SharedArrangement.objects.filter(
            partners__authority=authority, partners__state=ArrangementPartner.State.PENDING
        )
        .exclude(status__in=[SharedArrangement.Status.DECLINED, SharedArrangement.Status.REJECTED])
        .order_by("name")
    )


def arrangements_for_moderation() -> list[SharedArrangement]:
    """Waiting for review or disputed, oldest change first."""
    return list(
        _with_related(
            SharedArrangement.objects.filter(
                status__in=[SharedArrangement.Status.SUBMITTED, SharedArrangement.Status.DISPUTED]
            )
        ).order_by("updated_at")
    )


def register_map_data(queryset: QuerySet[SharedArrangement]) -> dict[str, Any]:
    """For matching's boundary map (static/js/partner-map.js, mode "register"): each
    council shaded by how many arrangements in the list it is a partner in.

    Each area links to the arrangements section of that council's profile (`link`,
    its placeholder code replaced in the browser): the register pages 25 at a time
    and has no anchor per council, so a link into it could name a place not there.
    """
    counts = (
        Authority.objects.filter(shared_arrangements__in=queryset.values("pk"), kind="council")
        .annotate(n=Count("shared_arrangements", distinct=True))
        .order_by("-n", "short_name")
        .values_list("gss_code", "short_name", "n")
    )
    ranked = [[gss, name, n, rank] for rank, (gss, name, n) in enumerate(counts, start=1)]
    return {
        "mode": "register",
        "link": reverse("councils:detail", kwargs={"gss_code": LINK_PLACEHOLDER}) + "#arrangements",
        "origin": "",
        "originName": "",
        "layer": "ltla",
        "year": 2025,
        "topScore": ranked[0][2] if ranked else 1,
        "ranked": ranked,
    }


def partnered_interest(*, raw: str, own: Authority) -> Interest | None:
    """The expression of interest (?interest=ID) marked Partnered that an officer of
    `own`, one of its two sides, records an arrangement from; else None."""
    if not raw.isdigit():
        return None
    interest = (
        Interest.objects.select_related(
            "listing__authority", "listing__service", "sender_authority"
        )
        .filter(pk=int(raw), status=Interest.Status.PARTNERED)
        .first()
    )
    if interest is None or own not in (interest.listing.authority, interest.sender_authority):
        return None
    return interest


def arrangement_from_interest(*, interest: Interest, own: Authority) -> SharedArrangement | None:
    """The arrangement already recorded from this interest naming `own` as a partner,
    unless declined or rejected: the other side confirms it rather than records it again."""
    return (
        SharedArrangement.objects.filter(interest=interest, members=own)
        .exclude(status__in=[SharedArrangement.Status.DECLINED, SharedArrangement.Status.REJECTED])
        .order_by("pk")
        .first()
    )
