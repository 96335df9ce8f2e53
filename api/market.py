"""The market overview (/market/): what is offered and needed where, what is not met,
who is registered, what interest became, and what the register says it saves.

`unmet_needs` and `Table` are pure; `market_figures` reads the rows (a fixed number
of grouped queries, whatever the number of listings) and caches the result keyed
on the generations it depends on, with the time it was computed.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple

from django.core.cache import cache
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from arrangements.changes import ARRANGEMENTS_GENERATION
from arrangements.models import SharedArrangement
from core.generations import generation_marks
from core.geo import bounding_box, haversine_km
from councils.changes import MEMBERSHIPS_GENERATION, REFERENCE_DATA_GENERATION
from councils.models import Authority, BodyArea
from offers.changes import LISTINGS_GENERATION
from offers.models import Interest, Listing, Service, ServiceFamily

from . import charts
from .charts import BarChart, ColumnChart, Series
from .signals import TAXONOMY_GENERATION

UNMET_KM = 50.0
LINK_PLACEHOLDER = "X00000000"  # a code no organisation has
MARKET_CACHE_SECONDS = 600  # templates/api/market.html says "at least every ten minutes"
KEYS = (
    LISTINGS_GENERATION,
    REFERENCE_DATA_GENERATION,
    MEMBERSHIPS_GENERATION,  # registered organisations
    ARRANGEMENTS_GENERATION,
    TAXONOMY_GENERATION,
)


@dataclass(frozen=True)
class Table:
    """One figure: a caption, column headings and rows (also its CSV)."""

    slug: str
    caption: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    chart: BarChart | ColumnChart | None = None


@dataclass(frozen=True)
class MarketFigures:
    tables: list[Table]
    computed_at: datetime
    staff: bool
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, slug: str) -> Table | None:
        return next((t for t in self.tables if t.slug == slug), None)


def unmet_needs(
    *,
    needs: Iterable[tuple[int, int, int]],
    offers: Iterable[tuple[int, int]],
    places: Mapping[int, tuple[float, float]],
    km: float = UNMET_KM,
) -> dict[int, int]:
    """Needs per service with no live offer of that service within `km`.

    `needs`: (service id, authority id, number of needs); `offers`: (service id,
    authority id) with at least one live offer; `places`: authority id -> (lat, lon).
    Distances are between organisations' centres; an organisation without a centre
    is never "near" anything, so its needs count as unmet. Pure.
    """
    offered: dict[int, set[int]] = {}
    for service, authority in offers:
        offered.setdefault(service, set()).add(authority)
    # Which organisations are within `km` of each other: once per call, at most
    # (organisations with needs) x (organisations with offers) pairs, however many
    # listings there are; a bounding box rules most pairs out before the exact
    # distance (at 50,000 listings nearly every organisation has both).
    offering = [
        (a, *places[a]) for a in {a for group in offered.values() for a in group} if a in places
    ]
    near: dict[int, set[int]] = {}
    out: dict[int, int] = {}
    for service, authority, count in needs:
        if authority not in near:
            here = places.get(authority)
            if here is None:
                near[authority] = set()
            else:
                lat0, lat1, lon0, lon1 = bounding_box(here[0], here[1], km)
                near[authority] = {
                    other
                    for other, lat, lon in offering
                    if lat0 <= lat <= lat1
                    and lon0 <= lon <= lon1
                    and haversine_km(here[0], here[1], lat, lon) <= km
                }
        if near[authority].isdisjoint(offered.get(service, ())):
            out[service] = out.get(service, 0) + count
    return out


class _Org(NamedTuple):
    latitude: float | None
    longitude: float | None
    gss_code: str
    short_name: str
    kind: str
    tier: str
    parent_county: int | None
    status: str
    region: str
    nation: str

    @property
    def place(self) -> str:
        return self.region or self.nation


def area_coverage(
    *,
    areas: Iterable[int],
    parent: Mapping[int, int | None],
    covered_by: Mapping[int, Iterable[int]],
    registered: set[int],
) -> dict[int, int]:
    """How many registered organisations cover each council area (district or
    unitary): the area's own council, its county, and every body (fire, police,
    health board...) whose area includes it. Areas with none are left out. Pure."""
    out: dict[int, int] = {}
    for area in areas:
        covering = {area, *covered_by.get(area, ())}
        county = parent.get(area)
        if county is not None:
            covering.add(county)
        n = len(covering & registered)
        if n:
            out[area] = n
    return out


def _compute(*, staff: bool) -> MarketFigures:
    live = Listing.objects.published().filter(expires_at__gt=timezone.now())
    if not staff:
        live = live.filter(visibility=Listing.Visibility.PUBLIC)
    families = {f.pk: f.name for f in ServiceFamily.objects.order_by("position", "name")}
    # Services' names and families, and every organisation once (its centre for
    # the distances, who it is for the coverage map): small tables, one query each.
    services = {
        pk: (name, family)
        for pk, name, family in Service.objects.values_list("pk", "name", "family_id")
    }
    orgs: dict[int, _Org] = {
        row[0]: _Org(*row[1:])
        for row in Authority.objects.values_list(
            "pk",
            "latitude",
            "longitude",
            "gss_code",
            "short_name",
            "kind",
            "tier",
            "parent_county_id",
            "status",
            "region",
            "nation",
        )
    }
    places = {
        pk: (o.latitude, o.longitude)
        for pk, o in orgs.items()
        if o.latitude is not None and o.longitude is not None
    }
    # The live listings are read once, grouped by service, organisation and kind
    # (and demo or synthetic): every live figure below is summed from these rows,
    # so 50,000 listings cost one scan rather than one per table. Demo and
    # synthetic (benchmark) listings are counted like the rest, and the page says so.
    by_family: dict[int, dict[str, int]] = {pk: {"offer": 0, "need": 0} for pk in families}
    by_region: dict[str, dict[str, int]] = {}
    needs: list[tuple[int, int, int]] = []
    offers: list[tuple[int, int]] = []
    extra: dict[str, Any] = {"demo": 0, "synthetic": 0}
    for service, authority, kind, demo, synthetic, n in (
        live.values_list("service_id", "authority_id", "kind", "is_demo", "is_synthetic")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_family[services[service][1]][kind] += n
        by_region.setdefault(orgs[authority].place, {"offer": 0, "need": 0})[kind] += n
        if kind == Listing.Kind.NEED:
            needs.append((service, authority, n))
        else:
            offers.append((service, authority))
        extra["demo"] += n if demo else 0
        extra["synthetic"] += n if synthetic else 0
    tables = [
        Table(
            "offers-needs-by-family",
            "Live offers and needs by service family",
            ["Service family", "Offers", "Needs"],
            [[families[pk], v["offer"], v["need"]] for pk, v in by_family.items()],
        )
    ]
    tables.append(
        Table(
            "offers-needs-by-region",
            "Live offers and needs by region or nation",
            ["Region or nation", "Offers", "Needs"],
            [[r, v["offer"], v["need"]] for r, v in sorted(by_region.items())],
        )
    )
    unmet = unmet_needs(needs=needs, offers=offers, places=places)
    service_names = {pk: name for pk, (name, _family) in services.items()}
    need_totals: dict[int, int] = {}
    for service, _authority, n in needs:
        need_totals[service] = need_totals.get(service, 0) + n
    tables.append(
        Table(
            "unmet-needs",
            f"Needs with no live offer of the same service within {UNMET_KM:.0f} km",
            ["Service", "Needs", "Unmet needs"],
            sorted(
                ([service_names[s], need_totals[s], unmet.get(s, 0)] for s in need_totals),
                key=lambda row: (-row[2], row[0]),
            ),
            note="Distances are between the centres of the organisations.",
        )
    )

    kinds = dict(Authority.Kind.choices)
    registered = set(
        Authority.objects.current()
        # One filter() call: the same membership is approved and not a demo account
        # (an exclude() would drop an organisation that also has a demo officer).
        .filter(memberships__status="approved", memberships__user__is_demo=False)
        .values_list("pk", flat=True)
        .order_by()
        .distinct()
    )
    with_officers: dict[tuple[str, str], int] = {}
    for pk in registered:
        key = (orgs[pk].kind, orgs[pk].place)
        with_officers[key] = with_officers.get(key, 0) + 1
    tables.append(
        Table(
            "organisations-by-kind-region",
            "Organisations by kind and region or nation, and how many have registered officers",
            ["Kind", "Region or nation", "Organisations", "With registered officers"],
            [
                [
                    kinds.get(kind, kind),
                    region or nation,
                    n,
                    with_officers.get((kind, region or nation), 0),
                ]
                for kind, region, nation, n in Authority.objects.current()
                .values_list("kind", "region", "nation")
                .annotate(n=Count("pk"))
                .order_by("kind", "region", "nation")
            ],
            note="A registered officer is an approved member of the organisation (demo accounts "
            "are not counted).",
        )
    )
    covered_by: dict[int, list[int]] = {}
    for body, council in BodyArea.objects.values_list("body_id", "council_id").order_by():
        covered_by.setdefault(council, []).append(body)
    areas = [
        pk
        for pk, o in orgs.items()
        if o.kind == Authority.Kind.PRINCIPAL_COUNCIL
        and o.tier != Authority.Tier.UPPER
        and o.status == Authority.Status.CURRENT
    ]
    coverage = area_coverage(
        areas=areas,
        parent={pk: orgs[pk].parent_county for pk in areas},
        covered_by=covered_by,
        registered=registered,
    )
    covered = sorted(coverage.items(), key=lambda item: (-item[1], orgs[item[0]].short_name))
    tables.append(
        Table(
            "coverage-by-area",
            "Council areas covered by registered organisations",
            ["Council area", "Region or nation", "Registered organisations covering it"],
            [[orgs[pk].short_name, orgs[pk].place, n] for pk, n in covered],
            note=f"{len(coverage)} of {len(areas)} council areas (districts and unitaries) have "
            "at least one. An area counts its own council, its county, and each body (fire, "
            "police, health board and others) whose area includes it, if it has a registered "
            "officer.",
        )
    )
    coverage_map = {
        "mode": "coverage",
        "origin": "",
        "layer": "ltla",
        "year": 2025,
        "topScore": covered[0][1] if covered else 1,
        "ranked": [
            [orgs[pk].gss_code, orgs[pk].short_name, n, rank]
            for rank, (pk, n) in enumerate(covered, start=1)
        ],
        # partner-map.js puts each area's code in place of the placeholder.
        "link": reverse("councils:detail", kwargs={"gss_code": LINK_PLACEHOLDER}),
    }

    # What interest became: through the arrangement recorded from it (its `interest`),
    # not the Partnered count set beside every recorded arrangement. Distinct counts:
    # the join to arrangements would count an interest once per arrangement.
    not_dropped = [
        st
        for st in SharedArrangement.Status
        if st not in (SharedArrangement.Status.DECLINED, SharedArrangement.Status.REJECTED)
    ]
    interest = Interest.objects.aggregate(
        total=Count("pk", distinct=True),
        partnered=Count("pk", distinct=True, filter=Q(status=Interest.Status.PARTNERED)),
        recorded=Count(
            "pk",
            distinct=True,
            filter=Q(recorded_arrangements__status__in=not_dropped),
        ),
        published=Count(
            "pk",
            distinct=True,
            filter=Q(recorded_arrangements__status=SharedArrangement.Status.PUBLISHED),
        ),
    )
    tables.append(
        Table(
            "interest",
            "Expressions of interest and what they became",
            ["Measure", "Number"],
            [
                ["Expressions of interest sent", interest["total"]],
                ["Marked Partnered by the listing's owner", interest["partnered"]],
                ["Became an arrangement recorded in the register", interest["recorded"]],
                ["Became an arrangement every partner confirmed, published", interest["published"]],
            ],
            note="An interest becomes an arrangement when one side records it from the "
            "Partnered prompt; declined and rejected ones are not counted.",
        )
    )

    months: dict[str, dict[str, int]] = {}
    for month, kind, n in (
        Listing.objects.exclude(first_published_at=None)
        .annotate(month=TruncMonth("first_published_at"))
        .values_list("month", "kind")
        .annotate(n=Count("pk"))
        .order_by("month")
    ):
        months.setdefault(f"{month:%Y-%m}", {"offer": 0, "need": 0})[kind] = n
    tables.append(
        Table(
            "listings-over-time",
            "Listings first published, by month",
            ["Month", "Offers", "Needs"],
            [[m, v["offer"], v["need"]] for m, v in months.items()],
        )
    )
    public_arrangements = SharedArrangement.objects.published()
    tables.append(
        Table(
            "arrangements-over-time",
            "Arrangements in the register, by the year they started",
            ["Year started", "Arrangements"],
            [
                [year, n]
                for year, n in public_arrangements.exclude(started_year=None)
                .values_list("started_year")
                .annotate(n=Count("pk"))
                .order_by("started_year")
            ],
            note="Arrangements whose start year is not known are left out.",
        )
    )
    savings = (
        public_arrangements.exclude(annual_savings_gbp=None)
        .values_list("service__family_id")
        .annotate(n=Count("pk"), total=Sum("annual_savings_gbp"))
    )
    tables.append(
        Table(
            "savings-by-family",
            "Annual savings reported in the register, by service family",
            ["Service family", "Arrangements reporting", "Total reported (£ a year)"],
            [[families.get(f, "?"), n, total] for f, n, total in savings],
            note="As reported by the partners, each with its source; not our estimate.",
        )
    )
    extra["coverage_map"] = coverage_map
    if staff:
        status_counts = dict(
            Listing.objects.values_list("status").annotate(n=Count("pk")).order_by("status")
        )
        oldest = Listing.objects.filter(status=Listing.Status.SUBMITTED).aggregate(
            oldest=Min("submitted_at")
        )["oldest"]
        waiting = SharedArrangement.objects.filter(
            status__in=[SharedArrangement.Status.SUBMITTED, SharedArrangement.Status.DISPUTED]
        ).count()
        labels = dict(Listing.Status.choices)
        tables.append(
            Table(
                "staff-listings-by-status",
                "Staff only: listings in every state, drafts included",
                ["State", "Listings"],
                [[labels.get(k, k), n] for k, n in status_counts.items()],
            )
        )
        tables.append(
            Table(
                "staff-moderation",
                "Staff only: moderation",
                ["Measure", "Value"],
                [
                    ["Listings waiting for review", status_counts.get("submitted", 0)],
                    [
                        "Oldest listing waiting since",
                        f"{oldest:%d %B %Y}" if oldest else "Nothing waiting",
                    ],
                    ["Arrangements waiting for review or disputed", waiting],
                ],
            )
        )
    tables = [replace(t, chart=_chart(t)) for t in tables]
    return MarketFigures(tables=tables, computed_at=timezone.now(), staff=staff, extra=extra)


OFFERS = Series("offer", "Offers", "offer", "offers")
NEEDS = Series("need", "Needs", "need", "needs")
ARRANGEMENTS = Series("arrangement", "Arrangements", "arrangement", "arrangements")
SAVINGS = Series("savings", "Reported savings", "a year", "a year", money=True)
NUMBER = Series("number", "Number", "", "")


def _chart(table: Table) -> BarChart | ColumnChart | None:
    """The chart drawn above a table, from the table's own rows (so the two cannot
    disagree); None for the tables that are lists rather than figures to compare."""
    rows = table.rows
    title = table.caption
    if not any(isinstance(c, int | float) and c for row in rows for c in row[1:]):
        return None  # every figure is zero: the table says so without an empty drawing
    if table.slug in ("offers-needs-by-family", "offers-needs-by-region"):
        return charts.bar_chart(
            title=title,
            categories=[str(r[0]) for r in rows],
            series=[OFFERS, NEEDS],
            values=[[r[1], r[2]] for r in rows],
            skip_empty=True,
        )
    if table.slug == "interest":
        return charts.bar_chart(
            title=title,
            categories=[str(r[0]) for r in rows],
            series=[NUMBER],
            values=[[r[1]] for r in rows],
        )
    if table.slug == "savings-by-family":
        return charts.bar_chart(
            title=title,
            categories=[str(r[0]) for r in rows],
            series=[SAVINGS],
            values=[[r[2]] for r in rows],
        )
    if table.slug == "listings-over-time":
        by_month = {r[0]: (r[1], r[2]) for r in rows}
        months = charts.months_between(rows[0][0], rows[-1][0]) if rows else []
        return charts.column_chart(
            title=title,
            periods=months,
            series=[OFFERS, NEEDS],
            values=[list(by_month.get(m, (0, 0))) for m in months],
        )
    if table.slug == "arrangements-over-time":
        by_year = {r[0]: r[1] for r in rows}
        years = charts.years_between(rows[0][0], rows[-1][0]) if rows else []
        return charts.column_chart(
            title=title,
            periods=[str(y) for y in years],
            series=[ARRANGEMENTS],
            values=[[by_year.get(y, 0)] for y in years],
        )
    return None


def market_figures(*, staff: bool) -> MarketFigures:
    """The overview, from the cache while no listing, organisation, membership,
    arrangement or service has changed (and for at most MARKET_CACHE_SECONDS:
    listings expire)."""
    stamp = "-".join(str(value) for value, _ in generation_marks(KEYS))
    key = f"api:market:{'staff' if staff else 'public'}:{stamp}"
    figures = cache.get(key)
    if isinstance(figures, MarketFigures):
        return figures
    figures = _compute(staff=staff)
    cache.set(key, figures, MARKET_CACHE_SECONDS)
    return figures
