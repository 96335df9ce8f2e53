"""Reads about authorities and memberships. Views call these; they never write."""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict, cast

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from . import spend as spend_rules
from .filters import AuthorityFilter
from .models import (
    Adjacency,
    Authority,
    AuthorityProfile,
    BodyArea,
    EmailPreference,
    Invitation,
    Membership,
    SpendRecord,
    User,
)
from .working_days import england_and_wales_bank_holidays, working_days_between

# Headings for lists of organisations of one kind.
KIND_PLURAL: dict[str, str] = {
    Authority.Kind.PRINCIPAL_COUNCIL: "Councils",
    Authority.Kind.COMBINED: "Combined authorities",
    Authority.Kind.GLA: "Greater London Authority",
    Authority.Kind.FIRE: "Fire and rescue authorities",
    Authority.Kind.POLICE: "Police force areas",
    Authority.Kind.NHS: "Integrated care boards",
    Authority.Kind.NATIONAL_PARK: "National park authorities",
    Authority.Kind.WASTE: "Waste disposal authorities",
    Authority.Kind.REGIONAL_PARK: "Regional park authorities",
    Authority.Kind.OTHER: "Other public bodies",
}


def membership_current(*, user: User) -> Membership | None:
    """The user's approved membership (one at most), with its authority."""
    return Membership.objects.approved().select_related("authority").filter(user=user).first()


def membership_open(*, user: User) -> Membership | None:
    """The user's pending or approved membership, if any."""
    return (
        Membership.objects.filter(
            user=user, status__in=[Membership.Status.PENDING, Membership.Status.APPROVED]
        )
        .select_related("authority")
        .first()
    )


def directory_summary() -> dict[str, Any]:
    """Counts for the home page: councils by nation, other bodies by kind, officers."""
    council = Q(kind=Authority.Kind.PRINCIPAL_COUNCIL)
    counts: dict[str, Any] = Authority.objects.current().aggregate(
        total=Count("pk", filter=council),
        england=Count("pk", filter=council & Q(nation=Authority.Nation.ENGLAND)),
        scotland=Count("pk", filter=council & Q(nation=Authority.Nation.SCOTLAND)),
        wales=Count("pk", filter=council & Q(nation=Authority.Nation.WALES)),
        northern_ireland=Count("pk", filter=council & Q(nation=Authority.Nation.NORTHERN_IRELAND)),
        **{f"kind_{kind}": Count("pk", filter=Q(kind=kind)) for kind in Authority.Kind.values[1:]},
    )
    counts["bodies"] = [
        (KIND_PLURAL[kind], counts.pop(f"kind_{kind}"))
        for kind in Authority.Kind.values[1:]
        if counts[f"kind_{kind}"]
    ]
    counts["officers"] = Membership.objects.approved().not_demo().count()
    return counts


def user_can_act_for(*, user: User, authority: Authority) -> bool:
    """Officers and admins of the authority act for it; site staff may act for any."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return Membership.objects.approved().filter(user=user, authority=authority).exists()


def user_is_authority_admin(*, user: User, authority: Authority) -> bool:
    """Authority admins (and site staff) edit the profile and decide join requests."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return (
        Membership.objects.approved()
        .filter(user=user, authority=authority, role=Membership.Role.ADMIN)
        .exists()
    )


def authority_removed_members(*, authority: Authority) -> list[Membership]:
    """People removed from the authority who have not been re-added: an admin
    may add them back. The latest removal per person, newest first (one query)."""
    removed = (
        Membership.objects.filter(authority=authority, status=Membership.Status.REMOVED)
        .exclude(
            user__memberships__status__in=[Membership.Status.PENDING, Membership.Status.APPROVED]
        )
        .select_related("user", "decided_by")
        .order_by("-decided_at", "-pk")
    )
    latest: dict[int, Membership] = {}
    for membership in removed:
        latest.setdefault(membership.user_id, membership)
    return list(latest.values())


def membership_was_removed(*, user: User, authority: Authority) -> bool:
    """True if the person's latest membership of the authority ended in removal.

    A removal is remembered: proving the email domain again must not undo an
    admin's decision. Re-adding by an admin makes a newer membership.
    """
    latest = (
        Membership.objects.filter(user=user, authority=authority)
        .order_by("-created_at", "-pk")
        .values_list("status", flat=True)
        .first()
    )
    return latest == Membership.Status.REMOVED


def authority_members(*, authority: Authority) -> QuerySet[Membership]:
    """Approved members of an authority, admins first, with their users (one query)."""
    return (
        Membership.objects.approved()
        .filter(authority=authority)
        .select_related("user")
        .annotate(
            role_order=Case(
                When(role=Membership.Role.ADMIN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("role_order", "user__full_name", "user__email")
    )


def authority_join_requests(*, authority: Authority) -> QuerySet[Membership]:
    """Pending requests to join an authority, oldest first so none waits longest."""
    return (
        Membership.objects.pending()
        .filter(authority=authority)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def authority_admin_count(*, authority: Authority) -> int:
    return (
        Membership.objects.approved()
        .filter(authority=authority, role=Membership.Role.ADMIN)
        .count()
    )


def authority_join_choices(
    *, include_bodies: bool = True
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Current organisations for a <select> with optgroups: councils by nation
    ("Councils in Wales"), then each other kind of body ("Fire and rescue authorities")."""
    groups: dict[str, list[tuple[str, str]]] = {
        f"Councils in {n}": [] for n in Authority.Nation.values
    }
    for kind in Authority.Kind.values[1:]:
        groups[KIND_PLURAL[kind]] = []
    rows = (
        Authority.objects.current()
        .order_by("name")
        .values_list("kind", "nation", "gss_code", "name")
    )
    for kind, nation, gss_code, name in rows:
        if kind == Authority.Kind.PRINCIPAL_COUNCIL:
            groups[f"Councils in {nation}"].append((gss_code, name))
        elif include_bodies:
            groups[KIND_PLURAL[kind]].append((gss_code, name))
    return [(group, options) for group, options in groups.items() if options]


def membership_last_rejected(*, user: User) -> Membership | None:
    """The user's most recent rejected request, so the join page can say why."""
    return (
        Membership.objects.filter(user=user, status=Membership.Status.REJECTED)
        .select_related("authority")
        .order_by("-decided_at", "-pk")
        .first()
    )


# Directory and profile pages ------------------------------------------------

# Revenue outturn lines that add up the others: shown as totals, never as bars.
SPEND_TOTAL_LINES = frozenset({"699", "749"})


def _officer_count() -> Coalesce:
    """Approved members per authority, as a subquery so no GROUP BY spans the row."""
    approved = (
        Membership.objects.approved()
        .not_demo()
        .filter(authority=OuterRef("pk"))
        .order_by()
        .values("authority")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(approved, output_field=IntegerField()), Value(0))


def authority_directory(*, params: Mapping[str, Any]) -> AuthorityFilter:
    """The directory's filterset over councils, each annotated with `officer_count`.

    Call `is_valid()` first: `.qs` ignores fields that failed validation.
    """
    queryset = Authority.objects.annotate(officer_count=_officer_count()).order_by(
        "short_name", "gss_code"
    )
    return AuthorityFilter(data=params, queryset=queryset)


@dataclass(frozen=True)
class SpendRow:
    code: str
    name: str
    year: str
    thousands: Decimal | None
    display: str
    bar_percent: int


@dataclass(frozen=True)
class SpendYear:
    year: str
    lines: list[SpendRow]
    totals: list[SpendRow]


@dataclass
class AuthorityPage:
    """Everything the profile page shows, fetched in a fixed number of queries."""

    authority: Authority
    officer_count: int
    profile: AuthorityProfile | None
    districts: list[Authority] = field(default_factory=list)
    neighbours: list[Authority] = field(default_factory=list)
    neighbouring_counties: list[Authority] = field(default_factory=list)
    neighbour_layer: str = Adjacency.Layer.DISTRICT
    successors: list[Authority] = field(default_factory=list)
    predecessors: list[Authority] = field(default_factory=list)
    spend: "SpendSection | None" = None
    # A body's council areas (with shares for split ICBs); a council's covering bodies.
    areas: list[BodyArea] = field(default_factory=list)
    covered_by: list[BodyArea] = field(default_factory=list)
    members: list[Authority] = field(default_factory=list)  # of a combined authority or GLA
    runs_for: list[Authority] = field(default_factory=list)  # fire areas it runs

    @property
    def has_split_areas(self) -> bool:
        return any(not area.is_whole for area in self.areas)


def format_gbp_thousands(value: Decimal | None, year: str) -> str:
    """'£1,234,000 (2017-18)' from 1234 (thousands); the year goes with every figure."""
    if value is None:
        return f"No figure reported ({year})"
    pounds = int((value * 1000).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    sign = "−" if pounds < 0 else ""  # a true minus sign is read out as "minus"
    return f"{sign}£{abs(pounds):,} ({year})"


def _line_name(name: str) -> str:
    """Sentence case, as GOV.UK writes headings: the source shouts its totals
    ("NET CURRENT EXPENDITURE") and title-cases some lines ("Adult Social Care"),
    but acronyms such as "(GFRA only)" must survive."""
    words = name.split(" ")
    shouting = sum(1 for w in words if w.isalpha() and w.isupper()) > 1
    out = []
    for i, word in enumerate(words):
        title_case = i > 0 and word[:1].isupper() and word[1:].islower()
        if (shouting and word.isupper()) or title_case:
            word = word.lower()
        out.append(word)
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def spend_table(records: Iterable[tuple[str, str, str, Decimal | None]]) -> list[SpendYear]:
    """Group (line code, line name, year, £ thousands) rows by year, newest first.

    Bars are scaled to the largest service line of the same year; negative
    and missing figures get no bar (the figure itself says what it is).
    """
    by_year: dict[str, list[tuple[str, str, Decimal | None]]] = {}
    for code, name, year, value in records:
        by_year.setdefault(year, []).append((code, name, value))
    years = []
    for year in sorted(by_year, reverse=True):
        rows = sorted(by_year[year])
        largest = max(
            (v for c, _n, v in rows if c not in SPEND_TOTAL_LINES and v is not None and v > 0),
            default=Decimal(0),
        )
        lines: list[SpendRow] = []
        totals: list[SpendRow] = []
        for code, name, value in rows:
            percent = 0
            if value is not None and value > 0 and largest > 0:
                percent = max(1, round(value / largest * 100))
            row = SpendRow(
                code=code,
                name=_line_name(name),
                year=year,
                thousands=value,
                display=format_gbp_thousands(value, year),
                bar_percent=percent,
            )
            (totals if code in SPEND_TOTAL_LINES else lines).append(row)
        years.append(SpendYear(year=year, lines=lines, totals=totals))
    return years


class _WithOfficerCount(TypedDict):
    officer_count: int


def authority_page(*, gss_code: str) -> AuthorityPage | None:
    """The profile page of one authority (current or abolished), or None if unknown."""
    # AuthorityQuerySet is not generic, so mypy forgets the annotation on first().
    authority = cast(
        "WithAnnotations[Authority, _WithOfficerCount] | None",
        Authority.objects.select_related("parent_county", "combined_authority", "run_by", "profile")
        .annotate(officer_count=_officer_count())
        .filter(gss_code=gss_code)
        .first(),
    )
    if authority is None:
        return None
    page = AuthorityPage(
        authority=authority,
        officer_count=authority.officer_count,
        profile=getattr(authority, "profile", None),
    )
    if authority.tier == Authority.Tier.UPPER:
        page.districts = list(authority.districts.order_by("short_name"))
        page.neighbour_layer = Adjacency.Layer.UPPER

    pairs = Adjacency.objects.filter(
        Q(authority_a=authority) | Q(authority_b=authority)
    ).select_related("authority_a", "authority_b")
    for pair in pairs:
        other = pair.authority_b if pair.authority_a_id == authority.pk else pair.authority_a
        if pair.layer == page.neighbour_layer:
            page.neighbours.append(other)
        elif authority.tier != Authority.Tier.LOWER and other.tier == Authority.Tier.UPPER:
            # A unitary's county neighbours are only in the upper layer; the
            # unitaries there repeat the district layer, so they are not listed twice.
            page.neighbouring_counties.append(other)
    page.neighbours.sort(key=lambda a: a.short_name)
    page.neighbouring_counties.sort(key=lambda a: a.short_name)

    links = Authority.successors.through.objects.filter(
        Q(from_authority=authority) | Q(to_authority=authority)
    ).select_related("from_authority", "to_authority")
    for link in links:
        if link.from_authority_id == authority.pk:
            page.successors.append(link.to_authority)
        else:
            page.predecessors.append(link.from_authority)
    page.successors.sort(key=lambda a: a.short_name)
    page.predecessors.sort(key=lambda a: a.short_name)

    _coverage(page)
    page.spend = spend_section(authority=authority, predecessors=page.predecessors)
    return page


def _coverage(page: AuthorityPage) -> None:
    """Which council areas a body covers, or which bodies cover a council (a
    county through its districts), the members of a combined authority, and the
    fire areas an organisation runs. One query each, whatever the numbers."""
    authority = page.authority
    if authority.is_council:
        councils = [authority.pk, *(d.pk for d in page.districts)]
        seen: set[int] = set()
        for area in (
            BodyArea.objects.filter(council_id__in=councils, body__status=Authority.Status.CURRENT)
            .select_related("body")
            .order_by("body__kind", "body__name")
        ):
            if area.body_id not in seen:  # a county: each body once, not once per district
                seen.add(area.body_id)
                page.covered_by.append(area)
    else:
        page.areas = list(
            BodyArea.objects.filter(body=authority)
            .select_related("council")
            .order_by("council__short_name")
        )
        if authority.kind in (Authority.Kind.COMBINED, Authority.Kind.GLA):
            page.members = list(authority.members.order_by("short_name"))
    # Only a county, a single-tier council, a combined authority or the GLA can run
    # another area's fire and rescue service; nobody else pays the query.
    if authority.tier in (Authority.Tier.UPPER, Authority.Tier.UNITARY) or authority.kind in (
        Authority.Kind.COMBINED,
        Authority.Kind.GLA,
    ):
        page.runs_for = list(authority.runs_services_for.order_by("name"))


# --- Spend over time (the profile's spend section) ---------------------------------------


@dataclass(frozen=True)
class YearColumn:
    """One financial year between the first and last file held."""

    year: str
    has_file: bool  # False for 2018-19 to 2020-21: shown as a gap
    edition: date | None = None
    source: str = ""


@dataclass(frozen=True)
class TrendCell:
    year: str
    kind: str  # own | not_received | predecessors | predecessors_no_total | no_file | none
    thousands: Decimal | None
    display: str
    bar: spend_rules.Bar | None = None
    x: int = 0  # the left edge of the year's slot in the trend chart


@dataclass(frozen=True)
class LineTrend:
    code: str
    name: str
    cells: list[TrendCell]
    zero_y: float
    newest: TrendCell | None  # the figure of the section's newest year

    @property
    def newest_display(self) -> str:
        """The newest year's figure with its year, as every figure shown alone is."""
        if self.newest is None:
            return "No figure"
        if self.newest.kind == "own":
            return format_gbp_thousands(self.newest.thousands, self.newest.year)
        return f"{self.newest.display} ({self.newest.year})"

    @property
    def missing_y(self) -> float:
        """Where the outline of a return not received sits: just above the zero line."""
        return max(self.zero_y - 4, 0.0)

    @property
    def summary(self) -> str:
        """What the chart shows, read out in place of the drawing."""
        parts = [f"{c.year}: {c.display}" for c in self.cells if c.kind != "no_file"]
        return f"{self.name}. " + "; ".join(parts) + "."


@dataclass(frozen=True)
class PredecessorColumn:
    authority: Authority
    split: bool


@dataclass(frozen=True)
class PredecessorRow:
    name: str
    cells: list[str]
    total: str


@dataclass(frozen=True)
class PredecessorYear:
    """A year before the successor existed: its predecessors' figures side by side."""

    year: str
    edition: date | None
    columns: list[PredecessorColumn]
    rows: list[PredecessorRow]
    has_total: bool
    split_names: list[str]
    missing_names: list[str]


@dataclass
class SpendSection:
    years: list[YearColumn]
    lines: list[LineTrend]
    totals: list[LineTrend]
    newest: YearColumn | None  # the newest year with the authority's own figures
    newest_certified: bool | None
    not_received: list[str]  # years held with the authority's rows but no figures
    predecessor_years: list[PredecessorYear]
    chart_width: int
    replaced_noun: str = "councils"  # "the councils it replaced", or "organisations"
    chart_height: int = spend_rules.TREND_HEIGHT
    slot_width: int = spend_rules.TREND_SLOT

    @property
    def first_year(self) -> str:
        return self.years[0].year

    @property
    def last_year(self) -> str:
        return self.years[-1].year

    @property
    def has_predecessor_figures(self) -> bool:
        return bool(self.predecessor_years)

    @property
    def not_received_phrase(self) -> str:
        """ "2024-25, 2023-24 or 2022-23" """
        years = self.not_received
        return years[0] if len(years) == 1 else f"{', '.join(years[:-1])} or {years[-1]}"


def _pounds(value: Decimal | None) -> str:
    """'£1,234,000' from 1234 (thousands); the column or caption gives the year."""
    if value is None:
        return "Not received"
    return format_gbp_thousands(value, "").removesuffix(" ()")


def spend_section(*, authority: Authority, predecessors: list[Authority]) -> SpendSection | None:
    """The authority's spend by line for every year held, its predecessors' figures
    for the years before it existed, and the geometry of each line's trend chart.
    Three queries: the years held, the authority's and predecessors' records, and
    how many successors each predecessor has (a split one is never summed)."""
    editions: dict[str, tuple[date | None, str]] = {}
    for year, edition, source in (
        SpendRecord.objects.order_by().values_list("year", "edition", "source").distinct()
    ):
        editions[year] = (edition, source)
    if not editions:
        return None
    pk_of = {p.pk: p for p in predecessors}
    records = (
        SpendRecord.objects.filter(authority_id__in=[authority.pk, *pk_of])
        .values_list(
            "authority_id",
            "line__code",
            "line__name",
            "year",
            "net_expenditure_thousands",
            "certified",
        )
        .order_by("line__code", "year")
    )
    own: dict[str, dict[str, Decimal | None]] = {}
    theirs: dict[str, dict[str, dict[int, Decimal | None]]] = {}
    names: dict[str, str] = {}
    certified: dict[str, bool | None] = {}
    for authority_id, code, name, year, value, is_certified in records:
        names[code] = name
        if authority_id == authority.pk:
            own.setdefault(code, {})[year] = value
            certified[year] = is_certified
        else:
            theirs.setdefault(year, {}).setdefault(code, {})[authority_id] = value
    if not own and not theirs:
        return None
    split = _split_predecessors(predecessors)
    is_council = authority.kind == Authority.Kind.PRINCIPAL_COUNCIL
    noun = "councils" if is_council else "organisations"
    years = [
        YearColumn(y, y in editions, *editions.get(y, (None, "")))
        for y in spend_rules.financial_years(editions)
    ]
    own_years = {y for values in own.values() for y in values}
    received = sorted(
        {y for values in own.values() for y, v in values.items() if v is not None}, reverse=True
    )
    newest_year = received[0] if received else None
    newest = next((c for c in years if c.year == newest_year), None)
    before = {
        y: tables
        for y, tables in theirs.items()
        if y not in own_years  # a year the successor reported itself needs no history
    }
    lines: list[LineTrend] = []
    totals: list[LineTrend] = []
    for code in sorted(names):
        trend = _line_trend(
            code, names[code], years, own.get(code, {}), before, pk_of, split, own_years, noun
        )
        trend = LineTrend(
            trend.code,
            trend.name,
            trend.cells,
            trend.zero_y,
            next((c for c in trend.cells if c.year == newest_year), None),
        )
        (totals if code in SPEND_TOTAL_LINES else lines).append(trend)
    return SpendSection(
        years=years,
        lines=lines,
        totals=totals,
        newest=newest,
        newest_certified=certified.get(newest_year or ""),
        not_received=sorted(
            (y for y in own_years if y not in received and (newest_year or "") < y),
            reverse=True,
        ),
        predecessor_years=[
            _predecessor_year(y, before[y], names, pk_of, split, editions.get(y, (None, ""))[0])
            for y in sorted(before, reverse=True)
        ],
        chart_width=len(years) * spend_rules.TREND_SLOT,
        replaced_noun=noun,
    )


def _split_predecessors(predecessors: list[Authority]) -> set[int]:
    """Predecessors whose area went to more than one successor (Cumbria, Northamptonshire)."""
    if not predecessors:
        return set()
    links = Authority.successors.through.objects.filter(
        from_authority_id__in=[p.pk for p in predecessors]
    ).values_list("from_authority_id", flat=True)
    seen: dict[int, int] = {}
    for pk in links:
        seen[pk] = seen.get(pk, 0) + 1
    return {pk for pk, n in seen.items() if n > 1}


def _parts(
    code: str,
    tables: Mapping[str, Mapping[int, Decimal | None]],
    pk_of: Mapping[int, Authority],
    split: set[int],
) -> list[spend_rules.Part[Decimal]]:
    return [
        spend_rules.Part(pk_of[pk].gss_code, pk_of[pk].short_name, pk in split, value)
        for pk, value in tables.get(code, {}).items()
    ]


def _line_trend(
    code: str,
    name: str,
    years: list[YearColumn],
    own: Mapping[str, Decimal | None],
    before: Mapping[str, Mapping[str, Mapping[int, Decimal | None]]],
    pk_of: Mapping[int, Authority],
    split: set[int],
    own_years: set[str],
    noun: str,
) -> LineTrend:
    kinds: list[tuple[str, Decimal | None, str]] = []
    for column in years:
        y = column.year
        if not column.has_file:
            kinds.append(("no_file", None, "No file held"))
        elif y in own:
            value = own[y]
            kinds.append(
                ("own", value, _pounds(value))
                if value is not None
                else ("not_received", None, "Not received")
            )
        elif y in before and code in before[y]:
            combined = spend_rules.combine(_parts(code, before[y], pk_of, split))
            if combined.total is None:
                kinds.append(("predecessors_no_total", None, f"Not summed: {combined.reason}"))
            else:
                kinds.append(
                    (
                        "predecessors",
                        combined.total,
                        f"{_pounds(combined.total)} (predecessors)",
                    )
                )
        elif y in own_years or y in before:
            kinds.append(("none", None, "Line not in this year's file"))
        else:
            kinds.append(("none", None, "No return"))
    zero, bars = spend_rules.trend_geometry([value for _k, value, _d in kinds])
    cells = [
        TrendCell(column.year, kind, value, display, bar, i * spend_rules.TREND_SLOT)
        for i, (column, (kind, value, display), bar) in enumerate(
            zip(years, kinds, bars, strict=True)
        )
    ]
    return LineTrend(code, _line_name(name), cells, zero, None)


def _predecessor_year(
    year: str,
    tables: Mapping[str, Mapping[int, Decimal | None]],
    names: Mapping[str, str],
    pk_of: Mapping[int, Authority],
    split: set[int],
    edition: date | None,
) -> PredecessorYear:
    present = sorted(
        {pk for by_pk in tables.values() for pk in by_pk},
        key=lambda pk: (pk in split, pk_of[pk].short_name),
    )
    columns = [PredecessorColumn(pk_of[pk], pk in split) for pk in present]
    rows: list[PredecessorRow] = []
    split_names: set[str] = set()
    missing: set[str] = set()
    for code in sorted(tables, key=lambda c: (c in SPEND_TOTAL_LINES, c)):
        by_pk = tables[code]
        combined = spend_rules.combine(_parts(code, tables, pk_of, split))
        split_names.update(p.name for p in combined.split_parts)
        missing.update(p.name for p in combined.parts if p.value is None)
        rows.append(
            PredecessorRow(
                _line_name(names[code]),
                [_pounds(by_pk[pk]) if pk in by_pk else "No return" for pk in present],
                _pounds(combined.total) if combined.total is not None else "Not summed",
            )
        )
    return PredecessorYear(
        year=year,
        edition=edition,
        columns=columns,
        rows=rows,
        has_total=not split_names and not missing,
        split_names=sorted(split_names),
        missing_names=sorted(missing),
    )


# Join requests: who decides, the staff queue, reminders ---------------------


def user_is_staff_with_mfa(*, user: User) -> bool:
    """Site staff who have an authenticator app: only they may open staff queues.

    Checked in the view as well as by StaffMfaRequiredMiddleware, so the page
    stays closed even where the middleware's setting is turned off.
    """
    if not (user.is_authenticated and user.is_staff):
        return False
    has_totp: bool = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    return has_totp


def _wanting(users: QuerySet[User], *, preference: str) -> QuerySet[User]:
    """Users who have not turned off emails of this kind (no preference row: on)."""
    return users.exclude(**{f"email_preference__{preference}": False})


def authority_admin_users(*, authority: Authority) -> list[User]:
    """The authority's approved admins, by name (one query)."""
    return list(
        User.objects.filter(
            memberships__authority=authority,
            memberships__status=Membership.Status.APPROVED,
            memberships__role=Membership.Role.ADMIN,
            is_active=True,
        ).order_by("full_name", "email")
    )


@dataclass(frozen=True)
class JoinDeciders:
    """Who decides a join request: the authority's admins, or site staff when it has none."""

    admins: list[User]

    @property
    def staff_decide(self) -> bool:
        return not self.admins


def join_request_deciders(*, authority: Authority) -> JoinDeciders:
    return JoinDeciders(admins=authority_admin_users(authority=authority))


def join_request_recipients(
    *, authority: Authority, preference: str = "join_requests"
) -> list[User]:
    """Whom to email about a request to join `authority`: its admins or, if it has
    none, active site staff; less anyone who turned this kind (`preference`, an
    EmailPreference field: new requests or reminders) off."""
    admins = User.objects.filter(
        memberships__authority=authority,
        memberships__status=Membership.Status.APPROVED,
        memberships__role=Membership.Role.ADMIN,
        is_active=True,
    )
    if not admins.exists():
        admins = User.objects.filter(is_staff=True, is_active=True)
    return list(_wanting(admins, preference=preference).order_by("pk"))


@dataclass(frozen=True)
class QueuedRequest:
    membership: Membership
    working_days_old: int
    admin_count: int


def staff_join_queue(*, today: dt.date) -> list[QueuedRequest]:
    """Every pending join request, oldest first, with its age in working days and
    whether the organisation has an admin who could decide it instead. Two queries."""
    admins = (
        Membership.objects.approved()
        .filter(authority=OuterRef("authority"), role=Membership.Role.ADMIN)
        .order_by()
        .values("authority")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        Membership.objects.pending()
        .select_related("user", "authority")
        .annotate(admin_count=Coalesce(Subquery(admins, output_field=IntegerField()), Value(0)))
        .order_by("created_at", "pk")
    )
    if not rows:
        return []
    local = [timezone.localdate(m.created_at) for m in rows]
    bank_holidays = england_and_wales_bank_holidays(range(min(local).year, today.year + 1))
    return [
        QueuedRequest(
            membership=m,
            working_days_old=working_days_between(day, today, bank_holidays=bank_holidays),
            admin_count=m.admin_count,  # type: ignore[attr-defined]
        )
        for m, day in zip(rows, local, strict=True)
    ]


def join_requests_to_remind(*, now: dt.datetime, working_days: int) -> list[int]:
    """Pending requests not yet reminded about that are `working_days` old or more."""
    # Calendar days are never fewer than working days: a cheap first cut in SQL.
    candidates = list(
        Membership.objects.pending()
        .filter(reminded_at__isnull=True, created_at__lte=now - dt.timedelta(days=working_days))
        .order_by("created_at", "pk")
        .values_list("pk", "created_at")
    )
    if not candidates:
        return []
    today = timezone.localdate(now)
    first = timezone.localdate(candidates[0][1])
    bank_holidays = england_and_wales_bank_holidays(range(first.year, today.year + 1))
    return [
        pk
        for pk, created in candidates
        if working_days_between(timezone.localdate(created), today, bank_holidays=bank_holidays)
        >= working_days
    ]


def invitation_open_for(*, token: str) -> Invitation | None:
    """The open, unexpired invitation with this token, with its authority."""
    return (
        Invitation.objects.select_related("authority", "invited_by")
        .filter(
            token=token,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def authority_invitations(*, authority: Authority) -> list[Invitation]:
    """Invitations of an authority, open ones first then newest (one query)."""
    return list(
        Invitation.objects.filter(authority=authority)
        .select_related("invited_by", "accepted_by")
        .order_by(F("accepted_at").desc(nulls_first=True), "cancelled_at", "-created_at", "-pk")
    )


def organisations_with_officers_count() -> int:
    """Current organisations at least one real (not demo) person acts for."""
    return (
        Authority.objects.current()
        .filter(
            memberships__status=Membership.Status.APPROVED,
            memberships__user__is_demo=False,
        )
        .distinct()
        .count()
    )


def email_wanted(*, user: User, preference: str) -> bool:
    """Whether the person wants notification emails of this kind (EmailPreference field)."""
    value = (
        User.objects.filter(pk=user.pk)
        .values_list(f"email_preference__{preference}", flat=True)
        .first()
    )
    return value is not False


def email_preference_for(*, user: User) -> EmailPreference:
    """The person's notification choices; an unsaved all-on row when they have none."""
    return EmailPreference.objects.filter(user=user).first() or EmailPreference(user=user)


def user_has_verified_email(*, user: User | AnonymousUser, email: str) -> bool:
    """True if the person has confirmed this address (allauth's record of it)."""
    if not user.is_authenticated:
        return False
    verified: bool = EmailAddress.objects.filter(
        user=user, email__iexact=email, verified=True
    ).exists()
    return verified
