"""Reads for digests: who is due, and everything one batch needs, in a fixed number
of queries whatever the number of people in the batch.

A batch loads its people, their preferences, councils, alerts and last sent
digest, the listings published in the widest window any of them needs, and the
matching inputs; digests.services then selects, ranks and renders in Python.
"""

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.http import QueryDict

from councils.models import Authority, Membership, User
from digests.models import DigestDelivery, DigestFrequency, DigestPreference, DigestRun, SavedSearch
from groups.selectors import Shown, suggestions_by_authority
from matching.selectors import ListingScorer
from offers.browse.filters import ListingFilter
from offers.models import Listing, Service, authority_delivers

# Union this many alert queries into one SQL statement (SQLite allows 500
# terms in a compound SELECT by default).
ALERT_UNION_CHUNK = 200


@dataclass(frozen=True)
class PrefSnapshot:
    """A person's preferences as plain values (the defaults when they have no row)."""

    frequency: str = DigestFrequency.WEEKLY
    follow_council: bool = True
    kinds: str = DigestPreference.Kinds.BOTH
    service_ids: frozenset[int] = frozenset()
    distance: str = DigestPreference.Distance.RADIUS
    radius_km: int = 100

    @classmethod
    def of(cls, pref: DigestPreference | None) -> "PrefSnapshot":
        if pref is None:
            return cls()
        return cls(
            frequency=pref.frequency,
            follow_council=pref.follow_council,
            kinds=pref.kinds,
            service_ids=frozenset(s.pk for s in pref.services.all()),
            distance=pref.distance,
            radius_km=pref.radius_km,
        )


@dataclass(frozen=True)
class Alert:
    pk: int
    name: str
    querystring: str


@dataclass
class Recipient:
    user_id: int
    email: str
    name: str
    authority: Authority | None
    public_sector: bool
    pref: PrefSnapshot
    last_sent_end: dt.datetime | None
    alerts: list[Alert] = field(default_factory=list)


def delivery_key(authority: Authority) -> tuple[str, str]:
    """What decides which services an organisation delivers: its kind, and a
    council's tier (offers.models.authority_delivers)."""
    return (authority.kind, authority.tier)


@dataclass
class BatchData:
    recipients: list[Recipient]
    listings: list[Listing]  # published in the widest window, newest first
    alert_hits: dict[int, set[int]]  # alert pk -> listing pks
    council_listings: dict[int, set[tuple[str, int]]]  # authority pk -> {(kind, service pk)}
    # delivery_key(authority) -> the services that organisation delivers
    delivered_services: dict[tuple[str, str], frozenset[int]]
    matcher: "DigestMatcher"
    # authority pk -> its suggested consortia and swaps (groups), best first
    suggestions: dict[int, list[Shown]] = field(default_factory=dict)


def _is_due(frequency: str) -> Q:
    """People whose chosen (or default) frequency is `frequency`."""
    approved = Membership.objects.approved().filter(user=OuterRef("pk"))
    chosen = Q(digest_preference__frequency=frequency)
    if frequency == DigestFrequency.WEEKLY:
        # Weekly by default once they belong to a council. Q & Exists is a Q at run
        # time; the stub types the result as Combinable.
        chosen |= cast(Q, Q(digest_preference__isnull=True) & Exists(approved))
    return chosen & Q(is_active=True) & ~Q(email="")


def digest_due_user_ids(*, frequency: str) -> list[int]:
    """Ids of everyone due a digest of this frequency, grouped by council.

    Grouping by council keeps each batch to a few councils, so matching scores
    (which depend on the council, not the person) are computed once per council.
    """
    council = Membership.objects.approved().filter(user=OuterRef("pk")).values("authority_id")[:1]
    return list(
        User.objects.filter(_is_due(frequency))
        .annotate(council=Subquery(council))
        .order_by("council", "pk")
        .values_list("pk", flat=True)
    )


def digest_due_filter(*, frequency: str, user_ids: Iterable[int]) -> set[int]:
    """Which of these people are still due (they may have turned digests off since)."""
    return set(
        User.objects.filter(_is_due(frequency), pk__in=list(user_ids)).values_list("pk", flat=True)
    )


def _load_recipients(*, user_ids: Sequence[int], run: DigestRun) -> list[Recipient]:
    users = list(
        User.objects.filter(pk__in=user_ids)
        .select_related("digest_preference")
        .prefetch_related("digest_preference__services")
        .order_by("pk")
    )
    memberships = {
        m.user_id: m
        for m in Membership.objects.approved()
        .filter(user_id__in=user_ids)
        .select_related("authority")
    }
    last_sent = dict(
        DigestDelivery.objects.filter(
            user_id__in=user_ids,
            status=DigestDelivery.Status.SENT,
            window_end__lt=run.window_end,
        )
        .values("user_id")
        .annotate(end=Max("window_end"))
        .values_list("user_id", "end")
    )
    alerts: dict[int, list[Alert]] = {}
    for pk, user_id, name, querystring in SavedSearch.objects.filter(
        user_id__in=user_ids
    ).values_list("pk", "user_id", "name", "querystring"):
        alerts.setdefault(user_id, []).append(Alert(pk, name, querystring))
    recipients = []
    for user in users:
        membership = memberships.get(user.pk)
        pref = getattr(user, "digest_preference", None)
        recipients.append(
            Recipient(
                user_id=user.pk,
                email=user.email,
                name=user.full_name,
                authority=membership.authority if membership else None,
                public_sector=user.is_staff or membership is not None,
                pref=PrefSnapshot.of(pref),
                last_sent_end=last_sent.get(user.pk),
                alerts=alerts.get(user.pk, []),
            )
        )
    return recipients


def digest_window_start(
    *, run: DigestRun, last_sent_end: dt.datetime | None, length: dt.timedelta
) -> dt.datetime:
    """Listings published since the person's previous sent digest, or over one period."""
    return last_sent_end if last_sent_end is not None else run.window_end - length


def _alert_hits(
    *, alerts: Sequence[tuple[Alert, Authority | None]], listings: QuerySet[Listing]
) -> dict[int, set[int]]:
    """Re-run each alert's query string through the listings page's own FilterSet.

    Adapter: offers.browse.filters.ListingFilter reads the councils and services in its
    constructor (two queries). One instance is built per batch and copied per
    alert with that alert's data, and every alert's query is unioned into one
    SQL statement per ALERT_UNION_CHUNK alerts, so the count does not grow with
    the number of people. tests/offers/test_digest_selection.py checks the hits
    equal what the listings page shows for the same query string.
    """
    from django.db.models import IntegerField, Value

    if not alerts:
        return {}
    template = ListingFilter(data=None, queryset=listings)
    queries = []
    for alert, authority in alerts:
        filterset = copy.copy(template)
        for cached in ("_form", "_qs"):
            filterset.__dict__.pop(cached, None)
        filterset.data = QueryDict(alert.querystring)
        filterset.is_bound = True
        filterset.own_place = (
            template.places.get(authority.gss_code) if authority is not None else None
        )
        if not filterset.is_valid():
            continue  # e.g. a council in the saved search has since been abolished
        queries.append(
            filterset.qs.order_by()
            .annotate(alert_pk=Value(alert.pk, output_field=IntegerField()))
            .values_list("alert_pk", "pk")
        )
    hits: dict[int, set[int]] = {}
    for start in range(0, len(queries), ALERT_UNION_CHUNK):
        chunk = queries[start : start + ALERT_UNION_CHUNK]
        union = chunk[0].union(*chunk[1:], all=True) if len(chunk) > 1 else chunk[0]
        for alert_pk, listing_pk in union:
            hits.setdefault(alert_pk, set()).add(listing_pk)
    return hits


# One scorer per batch: a score is computed once per (council, listing) and
# reused for every officer of that council.
DigestMatcher = ListingScorer


def digest_batch_load(
    *, run: DigestRun, user_ids: Sequence[int], length: dt.timedelta
) -> BatchData:
    """Everything a batch needs. Queries do not grow with len(user_ids)."""
    recipients = _load_recipients(user_ids=user_ids, run=run)
    if not recipients:
        return BatchData([], [], {}, {}, {}, DigestMatcher([]))
    earliest = min(
        digest_window_start(run=run, last_sent_end=r.last_sent_end, length=length)
        for r in recipients
    )
    window = (
        Listing.objects.published()
        .filter(is_synthetic=False, published_at__gte=earliest, published_at__lt=run.window_end)
        .order_by()
    )
    listings = list(
        window.select_related("authority", "service__family").order_by("-published_at", "-pk")
    )
    alerts = [(a, r.authority) for r in recipients for a in r.alerts]
    alert_hits = _alert_hits(alerts=alerts, listings=window) if listings else {}
    council_pks = {r.authority.pk for r in recipients if r.authority is not None}
    council_listings: dict[int, set[tuple[str, int]]] = {}
    for authority_id, kind, service_id in (
        Listing.objects.published()
        .filter(authority_id__in=council_pks)
        .values_list("authority_id", "kind", "service_id")
    ):
        council_listings.setdefault(authority_id, set()).add((kind, service_id))
    delivered_services: dict[tuple[str, str], frozenset[int]] = {}
    # One organisation per (kind, tier) stands for all: a council delivers by its
    # tier, a fire authority, police force area or ICB by its kind (the taxonomy's
    # Service.body_kinds), so a body's officer hears about what bodies like it do.
    deliverers = {
        delivery_key(r.authority): r.authority for r in recipients if r.authority is not None
    }
    if deliverers:
        services = list(Service.objects.all())
        delivered_services = {
            key: frozenset(s.pk for s in services if authority_delivers(s, authority))
            for key, authority in deliverers.items()
        }
    return BatchData(
        recipients=recipients,
        listings=listings,
        alert_hits=alert_hits,
        council_listings=council_listings,
        delivered_services=delivered_services,
        matcher=DigestMatcher(listings),
        suggestions=suggestions_by_authority(authority_pks=council_pks),
    )


# --- Staff view ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    run: DigestRun
    sent: int
    skipped: int
    failed: int
    pending: int

    @property
    def done(self) -> bool:
        return self.pending == 0


def _counts() -> dict[str, Any]:
    status = DigestDelivery.Status
    return {
        "sent": Count("deliveries", filter=Q(deliveries__status=status.SENT)),
        "skipped": Count("deliveries", filter=Q(deliveries__status=status.SKIPPED)),
        "failed": Count("deliveries", filter=Q(deliveries__status=status.FAILED)),
        "pending": Count(
            "deliveries",
            filter=Q(deliveries__status__in=[status.PENDING, status.SENDING]),
        ),
    }


def _summary(run: Any) -> RunSummary:
    return RunSummary(run, run.sent, run.skipped, run.failed, run.pending)


def digest_run_summaries(*, limit: int = 50) -> list[RunSummary]:
    """The latest runs with their counts (one query)."""
    runs = DigestRun.objects.annotate(**_counts()).order_by("-period_start", "-pk")[:limit]
    return [_summary(run) for run in runs]


def digest_run_summary(*, pk: int) -> RunSummary | None:
    run = DigestRun.objects.annotate(**_counts()).filter(pk=pk).first()
    return _summary(run) if run is not None else None


def digest_run_failures(*, run: DigestRun) -> QuerySet[DigestDelivery]:
    return (
        run.deliveries.filter(status=DigestDelivery.Status.FAILED)
        .select_related("user")
        .order_by("user__email")
    )
