"""Reads about authorities and memberships. Views call these; they never write."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict, cast

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django_stubs_ext import WithAnnotations

from .filters import AuthorityFilter
from .models import Adjacency, Authority, AuthorityProfile, Membership, SpendRecord, User


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


def directory_summary() -> dict[str, int]:
    """Counts for the home page: councils by nation and registered officers."""
    counts = Authority.objects.current().aggregate(
        total=Count("pk"),
        england=Count("pk", filter=Q(nation=Authority.Nation.ENGLAND)),
        scotland=Count("pk", filter=Q(nation=Authority.Nation.SCOTLAND)),
        wales=Count("pk", filter=Q(nation=Authority.Nation.WALES)),
        northern_ireland=Count("pk", filter=Q(nation=Authority.Nation.NORTHERN_IRELAND)),
    )
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


def authority_join_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Current councils grouped by nation, for a <select> with optgroups."""
    groups: dict[str, list[tuple[str, str]]] = {n: [] for n in Authority.Nation.values}
    rows = Authority.objects.current().order_by("name").values_list("nation", "gss_code", "name")
    for nation, gss_code, name in rows:
        groups.setdefault(nation, []).append((gss_code, name))
    return [(nation, options) for nation, options in groups.items() if options]


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
    spend: list[SpendYear] = field(default_factory=list)


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
        Authority.objects.select_related("parent_county", "combined_authority", "profile")
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

    page.spend = spend_table(
        SpendRecord.objects.filter(authority=authority).values_list(
            "line__code", "line__name", "year", "net_expenditure_thousands"
        )
    )
    return page
