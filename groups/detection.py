"""Consortium and swap detection, as pure functions over plain records.

No ORM, no settings, no clock (an import-linter contract): groups/selectors.py
turns live listings into the `Entry` records below and calls `consortia` and
`swaps`; the tests and bench/bench_groups.py call them directly.

Acceptance is the rule both kinds rest on: listing `a` accepts listing `b` when
`b`'s organisation is a different, current organisation that delivers the
service, and `b`'s organisation is inside `a`'s own limits (distance, region,
named councils: matching.scoring.limit_reason, the rule Find a partner uses). A
shared county or combined authority never widens a listing's limits: they are
not consulted. On top of the listings' limits, members must be within
`MAX_KM` of each other (a listing open to "any" partner is not grouped with a
council at the other end of the country: a consortium has to be deliverable).

A consortium is a clique of the acceptance graph of one service's NEEDs: found
by greedy growth from the best-scoring pair (nearest first; ties on listing ids),
adding the candidate that accepts and is accepted by every member with the best
total score, up to `MAX_MEMBERS`; kept when it reaches `MIN_MEMBERS`. Each
listing is in at most one consortium per service. Everything is sorted on
numbers and ids, so the same input always gives the same output.

Only entries within `MAX_KM` can ever be adjacent, so candidates come from a
grid of cells `MAX_KM / GRID_SPLIT` wide (the block of cells around each): near-linear
instead of every pair (`consortia_naive` compares every pair, for the bench and
as the oracle in the tests).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from core.geo import haversine_km
from matching.savings import SavingsRate, format_gbp
from matching.scoring import Body, Limits, ServiceInfo, delivers, format_km, limit_reason

OFFER, NEED = "offer", "need"
MIN_MEMBERS = 3
MAX_MEMBERS = 8
MAX_KM = 80.0


@dataclass(frozen=True, slots=True)
class Entry:
    """One live listing with what acceptance needs of it and of its organisation."""

    pk: int
    kind: str  # OFFER or NEED
    service_pk: int
    body: Body  # its organisation (matching's record: region, location, tier, kind)
    limits: Limits = field(default_factory=Limits)
    title: str = ""
    # The listing's stated annual value, the cost a savings range is a share of.
    annual_value_gbp: float | None = None

    @property
    def org(self) -> str:
        return self.body.gss_code


@dataclass(frozen=True, slots=True)
class ServeOffer:
    """A live OFFER that every member of a consortium accepts and that accepts them."""

    entry: Entry
    furthest_km: float
    sentence: str


@dataclass(frozen=True, slots=True)
class Savings:
    """Combined stated spend of the members who gave one, times the family's rate."""

    combined_gbp: float | None
    low_gbp: float | None
    high_gbp: float | None
    known: int  # how many members stated an annual value
    of: int
    sentence: str


@dataclass(frozen=True, slots=True)
class Consortium:
    service_pk: int
    members: tuple[Entry, ...]  # best pair first, then in the order they joined
    score: float
    furthest_km: float
    explanation: str
    savings: Savings
    offers: tuple[ServeOffer, ...] = ()

    @property
    def key(self) -> str:
        return consortium_key(self.service_pk, [m.pk for m in self.members])


@dataclass(frozen=True, slots=True)
class Swap:
    """`a` offers what `b` needs and `b` offers what `a` needs."""

    a_offer: Entry
    a_need: Entry
    b_offer: Entry
    b_need: Entry
    km: float
    score: float
    explanation: str
    savings_a_offer: Savings  # the service a offers to b
    savings_b_offer: Savings  # the service b offers to a

    @property
    def key(self) -> str:
        return swap_key(self.a_offer.pk, self.a_need.pk, self.b_offer.pk, self.b_need.pk)

    @property
    def listing_pks(self) -> tuple[int, int, int, int]:
        return (self.a_offer.pk, self.a_need.pk, self.b_offer.pk, self.b_need.pk)


def consortium_key(service_pk: int, listing_pks: Iterable[int]) -> str:
    """A consortium is its service and its member listings, in any order."""
    return f"consortium:{service_pk}:" + "-".join(str(pk) for pk in sorted(listing_pks))


def swap_key(a_offer: int, a_need: int, b_offer: int, b_need: int) -> str:
    """The same swap seen from either side has one key: the side with the lower offer id first."""
    first, second = sorted([(a_offer, a_need), (b_offer, b_need)])
    return f"swap:{first[0]}-{first[1]}:{second[0]}-{second[1]}"


# --- Acceptance --------------------------------------------------------------------------


def distance_km(a: Body, b: Body) -> float | None:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def eligible(body: Body, service: ServiceInfo) -> bool:
    """Current, and delivers the service (by tier, or by kind for other bodies)."""
    return body.is_current and delivers(body, service)


def accepts(a: Entry, b: Entry, km: float | None) -> bool:
    """`a`'s own limits let `b`'s organisation in (see the module docstring)."""
    return limit_reason(b.body, km, a.limits) is None


def mutually_accept(a: Entry, b: Entry, service: ServiceInfo, km: float | None) -> bool:
    """Both ways, for the same service, different organisations, within MAX_KM."""
    if a.org == b.org or km is None or km > MAX_KM:
        return False
    if not (eligible(a.body, service) and eligible(b.body, service)):
        return False
    return accepts(a, b, km) and accepts(b, a, km)


def pair_score(km: float) -> float:
    """1 at 0 km falling to 0 at MAX_KM: nearer partners first."""
    return max(0.0, 1.0 - km / MAX_KM)


# --- Savings -------------------------------------------------------------------------------


def combined_savings(entries: Sequence[Entry], rate: SavingsRate, service_name: str) -> Savings:
    """The family's rate range times the stated annual values members gave. Members
    without one are said, not guessed: the range is then for those who did."""
    known = [e for e in entries if e.annual_value_gbp and e.annual_value_gbp > 0]
    if len(known) < 2:
        return Savings(
            None,
            None,
            None,
            len(known),
            len(entries),
            f"Not enough data: {len(known)} of {len(entries)} listings state an annual value "
            f"for {service_name}.",
        )
    combined = sum(float(e.annual_value_gbp or 0) for e in known)
    low = min(combined, combined * rate.low_percent / 100)
    high = min(combined, combined * rate.high_percent / 100)
    who = "all" if len(known) == len(entries) else f"{len(known)} of {len(entries)}"
    sentence = (
        f"Estimate: {format_gbp(low)} to {format_gbp(high)} a year, {rate.low_percent:g}% to "
        f"{rate.high_percent:g}% of the combined {format_gbp(combined)} a year that {who} "
        f"listings state for {service_name}. Rates: {rate.source}."
    )
    return Savings(combined, low, high, len(known), len(entries), sentence)


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _names(entries: Sequence[Entry]) -> str:
    names = [e.body.short_name for e in entries]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _limit_phrase(e: Entry) -> str:
    if e.limits.scope == "radius" and e.limits.radius_km is not None:
        return f"{e.body.short_name}: within {e.limits.radius_km:g} km"
    if e.limits.scope == "region":
        return f"{e.body.short_name}: {e.limits.region or 'its region'} only"
    if e.limits.scope == "named":
        return f"{e.body.short_name}: named councils only"
    return f"{e.body.short_name}: any partner"


_NUMBER_WORDS = {2: "both", 3: "all three", 4: "all four", 5: "all five", 6: "all six"}


def _all_n(n: int) -> str:
    return _NUMBER_WORDS.get(n, f"all {n}")


# --- Consortia -----------------------------------------------------------------------------


# Cells are MAX_KM / GRID_SPLIT wide, so a pair within MAX_KM is at most GRID_SPLIT
# cells apart on each axis: candidates come from the (2 * GRID_SPLIT + 1)^2 block.
GRID_SPLIT = 2


def _cell(body: Body) -> tuple[int, int] | None:
    """A grid cell at least MAX_KM / GRID_SPLIT wide anywhere south of 61°N (all of
    the UK but the north of Shetland: longitude is scaled at 61°N, the narrowest)."""
    if body.latitude is None or body.longitude is None:
        return None
    km = MAX_KM / GRID_SPLIT
    lat_step = km / 111.0
    lon_step = km / (111.0 * math.cos(math.radians(61.0)))
    return (math.floor(body.latitude / lat_step), math.floor(body.longitude / lon_step))


Edges = dict[int, dict[int, float]]  # pk -> neighbour pk -> km


def _needs_by_org(entries: Iterable[Entry], service: ServiceInfo) -> list[Entry]:
    """One NEED per organisation for the service (the oldest), eligible ones only."""
    best: dict[str, Entry] = {}
    for e in entries:
        if e.kind != NEED or e.service_pk != service.pk or not eligible(e.body, service):
            continue
        if e.org not in best or e.pk < best[e.org].pk:
            best[e.org] = e
    return sorted(best.values(), key=lambda e: e.pk)


def acceptance_graph(needs: Sequence[Entry], service: ServiceInfo) -> Edges:
    """Edges between mutually accepting NEEDs, candidates from the grid."""
    grid: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for e in needs:
        cell = _cell(e.body)
        if cell is not None:
            grid[cell].append(e)
    edges: Edges = {e.pk: {} for e in needs}
    for (cx, cy), here in grid.items():
        near = [
            other
            for dx in range(-GRID_SPLIT, GRID_SPLIT + 1)
            for dy in range(-GRID_SPLIT, GRID_SPLIT + 1)
            for other in grid.get((cx + dx, cy + dy), ())
        ]
        for a in here:
            for b in near:
                if b.pk <= a.pk:
                    continue
                km = distance_km(a.body, b.body)
                if km is not None and mutually_accept(a, b, service, km):
                    edges[a.pk][b.pk] = km
                    edges[b.pk][a.pk] = km
    return edges


def acceptance_graph_naive(needs: Sequence[Entry], service: ServiceInfo) -> Edges:
    """The baseline: every pair of NEEDs compared."""
    edges: Edges = {e.pk: {} for e in needs}
    for i, a in enumerate(needs):
        for b in needs[i + 1 :]:
            km = distance_km(a.body, b.body)
            if km is not None and mutually_accept(a, b, service, km):
                edges[a.pk][b.pk] = km
                edges[b.pk][a.pk] = km
    return edges


def _grow(edges: Edges) -> list[list[int]]:
    """Greedy cliques: from the best unused pair, add the common neighbour with the
    best total score to the members (ties: lower id), until MAX_MEMBERS or none."""
    pairs = sorted(
        (-pair_score(km), a, b) for a, near in edges.items() for b, km in near.items() if a < b
    )
    used: set[int] = set()
    groups: list[list[int]] = []
    for _neg, a, b in pairs:
        if a in used or b in used:
            continue
        members = [a, b]
        common = (set(edges[a]) & set(edges[b])) - used
        while common and len(members) < MAX_MEMBERS:
            best = min(
                common,
                key=lambda c: (-sum(pair_score(edges[c][m]) for m in members), c),
            )
            members.append(best)
            common = (common & set(edges[best])) - {best}
        if len(members) >= MIN_MEMBERS:
            groups.append(members)
            used.update(members)
    return groups


def _offer_grid(
    entries: Iterable[Entry], service: ServiceInfo
) -> dict[tuple[int, int], list[Entry]]:
    grid: dict[tuple[int, int], list[Entry]] = defaultdict(list)
    for e in entries:
        if e.kind == OFFER and e.service_pk == service.pk:
            cell = _cell(e.body)
            if cell is not None:
                grid[cell].append(e)
    return grid


def _serving_offers(
    members: Sequence[Entry], offers: Mapping[tuple[int, int], list[Entry]], service: ServiceInfo
) -> tuple[ServeOffer, ...]:
    """Live OFFERs for the service from outside the group that accept every member,
    that every member's need accepts, and within MAX_KM of each (nearest
    furthest-member first). `offers` is a grid of offers (`_offer_grid`): only the
    cells around the first member can hold one within MAX_KM of it."""
    orgs = {m.org for m in members}
    found = []
    cell = _cell(members[0].body)
    if cell is None:
        return ()
    cx, cy = cell
    near = sorted(
        (
            offer
            for dx in range(-GRID_SPLIT, GRID_SPLIT + 1)
            for dy in range(-GRID_SPLIT, GRID_SPLIT + 1)
            for offer in offers.get((cx + dx, cy + dy), ())
        ),
        key=lambda e: e.pk,
    )
    for offer in near:
        if offer.org in orgs or not eligible(offer.body, service):
            continue
        furthest = 0.0
        for m in members:
            km = distance_km(offer.body, m.body)
            if km is None or km > MAX_KM or not (accepts(offer, m, km) and accepts(m, offer, km)):
                break
            furthest = max(furthest, km)
        else:
            what = f"{offer.body.short_name} offers {_lower(service.name)}"
            if offer.limits.scope == "radius" and offer.limits.radius_km is not None:
                what += f" within {offer.limits.radius_km:g} km"
            sentence = f"{what}, and is within {format_km(furthest)} of {_all_n(len(members))}"
            found.append(ServeOffer(offer, furthest, sentence + f" (“{offer.title}”)."))
    found.sort(key=lambda s: (s.furthest_km, s.entry.pk))
    return tuple(found[:3])


def _explain_consortium(members: Sequence[Entry], service: ServiceInfo, furthest: float) -> str:
    members = sorted(members, key=lambda m: (m.body.short_name, m.pk))
    return (
        f"{_names(members)} each need {_lower(service.name)}. Every pair accepts the other: "
        f"each organisation delivers the service and is inside every other listing's own "
        f"limits ({'; '.join(_limit_phrase(m) for m in members)}), and the furthest two are "
        f"{format_km(furthest)} apart."
    )


def build_consortium(
    pks: Sequence[int],
    by_pk: Mapping[int, Entry],
    km_of: Callable[[int, int], float],
    offers: Mapping[tuple[int, int], list[Entry]],
    service: ServiceInfo,
    rate: SavingsRate,
) -> Consortium:
    """One group's record: its members in join order, the distances of every pair
    (`km_of`), the explanation, savings and the offers that could serve it all.
    Shared by detection from scratch and groups.incremental, so both build the
    same record from the same members."""
    members = tuple(by_pk[pk] for pk in pks)
    kms = [km_of(a, b) for i, a in enumerate(pks) for b in pks[i + 1 :]]
    furthest = max(kms)
    return Consortium(
        service.pk,
        members,
        sum(pair_score(km) for km in kms),
        furthest,
        _explain_consortium(members, service, furthest),
        combined_savings(members, rate, _lower(service.name)),
        _serving_offers(members, offers, service),
    )


def _build(
    groups: list[list[int]],
    by_pk: Mapping[int, Entry],
    edges: Edges,
    offers: Mapping[tuple[int, int], list[Entry]],
    service: ServiceInfo,
    rate: SavingsRate,
) -> list[Consortium]:
    return [
        build_consortium(pks, by_pk, lambda a, b: edges[a][b], offers, service, rate)
        for pks in groups
    ]


def consortia(
    entries: Iterable[Entry], service: ServiceInfo, rate: SavingsRate | None = None
) -> list[Consortium]:
    """Suggested consortia for one service, best pair's group first."""
    entries = list(entries)
    needs = _needs_by_org(entries, service)
    edges = acceptance_graph(needs, service)
    offers = _offer_grid(entries, service)
    by_pk = {e.pk: e for e in needs}
    return _build(_grow(edges), by_pk, edges, offers, service, rate or SavingsRate())


def consortia_naive(
    entries: Iterable[Entry], service: ServiceInfo, rate: SavingsRate | None = None
) -> list[Consortium]:
    """The same answer from the every-pair graph (the benchmark's baseline)."""
    entries = list(entries)
    needs = _needs_by_org(entries, service)
    edges = acceptance_graph_naive(needs, service)
    offers = _offer_grid(entries, service)
    by_pk = {e.pk: e for e in needs}
    return _build(_grow(edges), by_pk, edges, offers, service, rate or SavingsRate())


# --- Swaps ---------------------------------------------------------------------------------


def _swap_ok(offer: Entry, need: Entry, service: ServiceInfo, km: float) -> bool:
    """`offer` serves `need`: both deliver the service, each inside the other's limits."""
    if not (eligible(offer.body, service) and eligible(need.body, service)):
        return False
    return accepts(offer, need, km) and accepts(need, offer, km)


def _offer_need_pairs(
    entries: Iterable[Entry], services: Mapping[int, ServiceInfo], touching: int | None = None
) -> dict[tuple[int, int], list[tuple[Entry, Entry]]]:
    """(offered service, needed service) -> each organisation's (offer, need), oldest
    listings; with `touching`, only the pairs with that service on one side."""
    oldest: dict[tuple[str, str, int], Entry] = {}
    for e in entries:
        k = (e.org, e.kind, e.service_pk)
        if e.service_pk in services and (k not in oldest or e.pk < oldest[k].pk):
            oldest[k] = e
    offers_by_org: dict[str, list[Entry]] = defaultdict(list)
    needs_by_org: dict[str, list[Entry]] = defaultdict(list)
    for (org, kind, _svc), e in oldest.items():
        (offers_by_org if kind == OFFER else needs_by_org)[org].append(e)
    pairs: dict[tuple[int, int], list[tuple[Entry, Entry]]] = defaultdict(list)
    for org, offered in offers_by_org.items():
        for o in offered:
            for n in needs_by_org.get(org, ()):
                if o.service_pk == n.service_pk:
                    continue
                if touching is None or touching in (o.service_pk, n.service_pk):
                    pairs[(o.service_pk, n.service_pk)].append((o, n))
    return pairs


def swaps(
    entries: Iterable[Entry],
    services: Mapping[int, ServiceInfo],
    rates: Mapping[int, SavingsRate] | None = None,
    *,
    touching: int | None = None,
) -> list[Swap]:
    """Every swap between two organisations: A offers X and needs Y, B offers Y and
    needs X, each offer accepted by the need it serves and accepting it, within MAX_KM.
    One swap per (pair of organisations, pair of services), from their oldest listings.
    `touching` keeps only swaps with that service on either side (an incremental update).
    Best first (nearest), ties on listing ids."""
    rates = rates or {}
    pairs = _offer_need_pairs(entries, services, touching)
    found: dict[str, Swap] = {}
    for (x, y), sides in pairs.items():
        if x > y or (touching is not None and touching not in (x, y)):
            continue  # each unordered pair of services once
        others = pairs.get((y, x), ())
        if not others:
            continue
        for a_offer, a_need in sides:
            for b_offer, b_need in others:
                swap = swap_of(a_offer, a_need, b_offer, b_need, services, rates)
                if swap is not None:
                    found[swap.key] = swap
    return sorted(found.values(), key=lambda s: (-s.score, s.key))


def swap_of(
    a_offer: Entry,
    a_need: Entry,
    b_offer: Entry,
    b_need: Entry,
    services: Mapping[int, ServiceInfo],
    rates: Mapping[int, SavingsRate],
) -> Swap | None:
    """The swap these four listings make, or None: `a_offer` serves `b_need` and
    `b_offer` serves `a_need`, different organisations within MAX_KM. Either side
    may be given first: the record is the same (the side with the older offer is
    `a`). Shared by `swaps` and groups.incremental."""
    if a_offer.service_pk > b_offer.service_pk:
        a_offer, a_need, b_offer, b_need = b_offer, b_need, a_offer, a_need
    if a_offer.org == b_offer.org:
        return None
    km = distance_km(a_offer.body, b_offer.body)
    if km is None or km > MAX_KM:
        return None
    sx, sy = services[a_offer.service_pk], services[b_offer.service_pk]
    if not (_swap_ok(a_offer, b_need, sx, km) and _swap_ok(b_offer, a_need, sy, km)):
        return None
    if b_offer.pk < a_offer.pk:  # the side with the older offer is `a`
        return _make_swap(b_offer, b_need, a_offer, a_need, sy, sx, km, rates)
    return _make_swap(a_offer, a_need, b_offer, b_need, sx, sy, km, rates)


def _make_swap(
    a_offer: Entry,
    a_need: Entry,
    b_offer: Entry,
    b_need: Entry,
    sx: ServiceInfo,
    sy: ServiceInfo,
    km: float,
    rates: Mapping[int, SavingsRate],
) -> Swap:
    a, b = a_offer.body.short_name, b_offer.body.short_name
    x, y = _lower(sx.name), _lower(sy.name)
    explanation = (
        f"{a} offers {x}, which {b} needs; {b} offers {y}, which {a} needs. Each offer and "
        f"the need it would serve accept each other (each organisation delivers the service "
        f"and is inside the other listing's own limits: "
        f"{'; '.join(_limit_phrase(e) for e in (a_offer, a_need, b_offer, b_need))}), and "
        f"they are {format_km(km)} apart."
    )
    rate_x = rates.get(sx.family_pk) or SavingsRate()
    rate_y = rates.get(sy.family_pk) or SavingsRate()
    return Swap(
        a_offer,
        a_need,
        b_offer,
        b_need,
        km,
        pair_score(km),
        explanation,
        combined_savings((a_offer, b_need), rate_x, x),
        combined_savings((b_offer, a_need), rate_y, y),
    )
