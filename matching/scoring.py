"""Partner matching: rank every prospective partner for (council, service), and say why.

Pure computation only: no ORM, no settings, no clock. The selector in
matching/selectors.py fetches rows, turns them into the plain records
below (`Body`, `ServiceInfo`, `ListingRef`, ...) and calls `rank_partners`.
That keeps every factor testable without a database and lets the benchmark
feed 20,000 synthetic bodies straight to the scorer.

Each factor is a pure function of the pair giving a feature in [0, 1]; the score
is the sum over factors of weight x feature, the weights read once from a
versioned file (matching/weights/, `load_weights`). `feature_vector` and
`feature_rows` hand the features themselves to the evaluation, so weights can be
fitted on real partnerships. Each contribution carries the sentence shown to the
officer, built from the same numbers as the points. Ties break on distance
(nearer first), then GSS code, so the order is total and repeatable. The factors
and weights are documented in docs/matching.md.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from core.geo import EARTH_RADIUS_KM
from councils.spend import comparison_year
from matching.likeness import Likeness, Neighbour, groups_phrase
from matching.savings import SavingsEstimate as SavingsEstimate
from matching.savings import SavingsRate as SavingsRate
from matching.savings import (
    cost_base,
    estimate_service_savings,
    estimate_whole_organisation,
)
from matching.savings import format_gbp as format_gbp

# Authority.Tier values (kept as plain strings: this module imports no models).
UPPER, LOWER, UNITARY, NI_DISTRICT = "upper", "lower", "unitary", "ni_district"
OFFER, NEED = "offer", "need"

TIER_NOUN = {
    UPPER: "a county council",
    LOWER: "a district council",
    UNITARY: "a single-tier council",
    NI_DISTRICT: "a Northern Ireland district council",
}
TIER_DELIVERERS = {
    UPPER: "county",
    LOWER: "district",
    UNITARY: "single-tier",
    NI_DISTRICT: "Northern Ireland district",
}
NATIONS = frozenset({"Scotland", "Wales", "Northern Ireland"})
# Authority.Kind values: councils deliver by tier, every other kind by kind.
COUNCIL = "council"
KIND_DELIVERERS = {
    "combined": "combined authorities",
    "gla": "the Greater London Authority",
    "fire": "fire and rescue authorities",
    "police": "police bodies",
    "nhs": "integrated care boards",
    "park": "national park authorities",
    "waste": "waste disposal authorities",
    "regional_park": "regional park authorities",
    "other": "other public bodies",
}
KIND_NOUN = {
    COUNCIL: "a council",
    "combined": "a combined authority",
    "gla": "the Greater London Authority",
    "fire": "a fire and rescue authority",
    "police": "a police force area",
    "nhs": "an integrated care board",
    "park": "a national park authority",
    "waste": "a waste disposal authority",
    "regional_park": "a regional park authority",
    "other": "a public body",
}
KIND_PLURAL = {
    COUNCIL: "councils",
    "combined": "combined authorities",
    "gla": "such bodies",
    "fire": "fire and rescue authorities",
    "police": "police force areas",
    "nhs": "integrated care boards",
    "park": "national park authorities",
    "waste": "waste disposal authorities",
    "regional_park": "regional park authorities",
    "other": "other public bodies",
}
# Police, fire and ambulance services must consider collaborating (Policing and
# Crime Act 2017, part 1); the register has no ambulance trusts.
EMERGENCY_KINDS = frozenset({"fire", "police"})


# --- Records handed over by the selector ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Body:
    """An organisation that could be a partner: a council or another public body."""

    gss_code: str
    name: str
    short_name: str
    tier: str
    nation: str = "England"
    region: str = ""
    is_current: bool = True
    county: str = ""  # parent county GSS code (two-tier districts only)
    county_name: str = ""
    combined_authority: str = ""
    combined_authority_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    population: int | None = None
    pk: int | None = None
    kind: str = COUNCIL  # Authority.Kind value
    authority_type: str = ""  # council type code (CTY, NMD, UA, ...), blank for bodies
    area_km2: float | None = None
    # A fire and rescue area with no authority of its own: who runs its service.
    run_by_name: str = ""

    @property
    def is_council(self) -> bool:
        return self.kind == COUNCIL


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    pk: int
    name: str
    family_pk: int
    family_name: str
    tiers: frozenset[str]
    ro_line: str = ""
    ro_line_name: str = ""  # sentence case, e.g. "Planning and development services"
    kinds: frozenset[str] = frozenset()  # kinds of body other than councils that deliver it


@dataclass(frozen=True, slots=True)
class ListingRef:
    """A live (published) listing by a candidate, for the service or its family."""

    pk: int
    authority: str  # GSS code
    kind: str  # OFFER or NEED
    service_pk: int
    service_name: str
    family_pk: int
    title: str


@dataclass(frozen=True, slots=True)
class Limits:
    """A listing's own limits on who it will partner with (Listing.PartnerScope)."""

    scope: str = "any"  # any | radius | region | named
    radius_km: float | None = None
    region: str = ""
    named: frozenset[str] = frozenset()


WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
# The weights file in use. A new fit is a new file (v1.json, ...) and a one-line change
# here, so a ranking can always be traced to the numbers that produced it.
WEIGHTS_VERSION = "v3"


@dataclass(frozen=True, slots=True)
class Weights:
    """How many points each factor adds when its feature is 1 (a feature is in [0, 1]),
    plus the few numbers that shape a feature itself (`params`, e.g. the distance
    half-length). Read from a versioned JSON file in matching/weights/ (`load_weights`).
    """

    values: Mapping[str, float]
    params: Mapping[str, float] = field(default_factory=dict)
    version: str = ""
    source: str = ""

    def weight(self, factor: str) -> float:
        return self.values.get(factor, 0.0)

    def param(self, name: str) -> float:
        try:
            return self.params[name]
        except KeyError:
            raise ValueError(f"Weights {self.version!r} have no parameter {name!r}") from None

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, version: str = "") -> Weights:
        """Weights from a parsed weights file. Every factor must have a weight and no
        unknown name is accepted, so a typo or a stale file fails at load, not silently."""
        values = data.get("weights")
        if not isinstance(values, Mapping):
            raise ValueError("A weights file needs a 'weights' object")
        unknown = set(values) - set(FACTOR_TABLE)
        if unknown:
            raise ValueError(f"Unknown factors in weights: {', '.join(sorted(unknown))}")
        missing = set(FACTOR_TABLE) - set(values)
        if missing:
            raise ValueError(f"Weights missing for factors: {', '.join(sorted(missing))}")
        params = data.get("params") or {}
        needed = {p for f in FACTOR_TABLE.values() for p in f.params}
        if needed - set(params):
            raise ValueError(
                f"Weights missing parameters: {', '.join(sorted(needed - set(params)))}"
            )
        if set(params) - needed:
            raise ValueError(
                f"Unknown weight parameters: {', '.join(sorted(set(params) - needed))}"
            )
        cleaned: dict[str, float] = {}
        for key, value in [*values.items(), *params.items()]:
            number = float(value)
            if not math.isfinite(number) or number < 0:
                raise ValueError(f"Weight {key!r} must be a finite number >= 0")
            cleaned[key] = number
        for key in params:
            if cleaned[key] <= 0:
                raise ValueError(f"Parameter {key!r} must be above 0")
        return cls(
            values={k: cleaned[k] for k in FACTORS},
            params={k: cleaned[k] for k in sorted(params)},
            version=str(data.get("version") or version),
            source=str(data.get("source", "")),
        )


def load_weights_file(path: Path) -> Weights:
    """Weights from one JSON file (see matching/weights/README.md for the format)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return Weights.from_data(data, version=path.stem)


@functools.cache
def load_weights(version: str = WEIGHTS_VERSION) -> Weights:
    """The weights of `version`, read once per process (the file ships with the code,
    so it cannot change under a running process)."""
    return load_weights_file(WEIGHTS_DIR / f"{version}.json")


@dataclass(frozen=True, slots=True)
class Context:
    """What varies per request: live listings, recorded arrangements, limits."""

    listings: Mapping[str, Sequence[ListingRef]] = field(default_factory=dict)
    # Listing kinds that complement the asker: {NEED} for an offer, {OFFER} for a
    # need, both when a council simply asks "who could I share this with?".
    complementary_kinds: frozenset[str] = frozenset({OFFER, NEED})
    # From the register of arrangements (never the evaluation file), see
    # matching.selectors.experience_signals: GSS code -> (how many organisations
    # it shares this service with, leaving the asker's own arrangements out; the
    # arrangements' names) ...
    hub: Mapping[str, tuple[int, Sequence[str]]] = field(default_factory=dict)
    # ... and GSS code -> what it already shares with the asker ("ICT (Adur and
    # Worthing shared services)"), any service.
    shares_with_asker: Mapping[str, Sequence[str]] = field(default_factory=dict)
    limits: Limits = Limits()
    # Find a partner's "kind of organisation" filter: only these kinds are ranked
    # (empty: every kind). Others are not listed as excluded: they were not asked for.
    only_kinds: frozenset[str] = frozenset()
    weights: Weights = field(default_factory=load_weights)
    rate: SavingsRate = field(default_factory=SavingsRate)  # the service family's range
    # GSS code -> (pounds a year, where from) for the service's own cost, when the
    # organisation recorded it or a live listing states it (matching.selectors).
    service_costs: Mapping[str, tuple[float, str]] = field(default_factory=dict)
    whole_rate: SavingsRate = field(default_factory=SavingsRate)  # whole organisation


# --- Results ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contribution:
    factor: str
    points: float
    sentence: str


@dataclass(frozen=True, slots=True)
class SpendComparison:
    year: str
    line_name: str
    origin_thousands: float | None
    candidate_thousands: float | None
    similarity: float | None  # None when there is not enough data to compare
    newest: str = ""  # the newest year in the data held
    origin_lacks_newest: bool = False
    candidate_lacks_newest: bool = False
    # Not the body's own figure: "the combined figures of the 5 councils it replaced".
    origin_note: str = ""
    candidate_note: str = ""

    @property
    def combined_thousands(self) -> float | None:
        if self.origin_thousands is None or self.candidate_thousands is None:
            return None
        return self.origin_thousands + self.candidate_thousands


class _Shared:
    """What every suggestion of one ranking shares (kept once, not per candidate),
    including the ranking's feature columns, from which a suggestion's points are
    read when first asked for, and the scorer that fills a suggestion's details."""

    __slots__ = (
        "columns",
        "costs",
        "origin",
        "rate",
        "reference",
        "scorer",
        "service",
        "whole_rate",
    )

    def __init__(
        self,
        reference: Reference,
        origin: Body,
        service: ServiceInfo,
        context: Context,
        scorer: _Scorer,
    ) -> None:
        self.reference, self.origin, self.service = reference, origin, service
        self.rate, self.whole_rate, self.costs = (
            context.rate,
            context.whole_rate,
            context.service_costs,
        )
        self.scorer = scorer
        # (factor, weight, feature of every candidate in the ranking's order), FACTORS order
        self.columns: tuple[tuple[str, float, list[float | None]], ...] = ()

    def points_of(self, row: int) -> tuple[tuple[str, float], ...]:
        """(factor, points) of the ranking's `row`-th candidate, as `_Scorer.score` gives."""
        return tuple(
            (name, weight * value)
            for name, weight, values in self.columns
            if (value := values[row]) is not None
        )

    def spend_pair(self, body: Body) -> tuple[str, float | None, float | None]:
        """For "not enough data" sentences: the year and whatever figures exist."""
        line = self.service.ro_line
        return common_year(
            self.reference.spend_of(self.origin.gss_code, line),
            self.reference.spend_of(body.gss_code, line),
        )

    def spend_note(self, body: Body, year: str) -> str:
        return self.reference.spend_note(body.gss_code, self.service.ro_line, year)


@dataclass(frozen=True, slots=True)
class ListingDetail:
    """What the listing factor found: the complementary listing that stands for the rest."""

    listing: ListingRef | None
    same_service: bool
    count: int


@dataclass(frozen=True, slots=True)
class SpendDetail:
    """What the spend factor compared: the newest year both have, and their figures."""

    year: str | None
    origin: float | None
    candidate: float | None
    similarity: float | None
    origin_lacks_newest: bool = False
    candidate_lacks_newest: bool = False


class Suggestion:
    """One ranked candidate. The score is computed when ranking; the points per
    factor, what each factor found, sentences, the spend comparison and the savings
    estimate are worked out on first access (from the same numbers), so a ranking
    of 20,000 bodies, or a page showing 20 of 500, does not format every sentence.

    `points` lists (factor, points) in FACTORS order; `score` is their sum.
    """

    __slots__ = (
        "_cache",
        "_details",
        "_points",
        "_row",
        "_shared",
        "body",
        "distance_km",
        "listings",
        "score",
    )

    def __init__(
        self,
        body: Body,
        distance_km: float | None,
        points: tuple[tuple[str, float], ...] | None,
        score: float,
        listings: tuple[ListingRef, ...],
        details: dict[str, Any] | None,
        shared: _Shared,
        row: int = -1,
    ) -> None:
        """`points` and `details` None: read on first access from the ranking's
        columns (`row`) and by running the factors for this candidate alone."""
        self.body = body
        self.distance_km = distance_km
        self._points = points
        self.score = score
        self.listings = listings
        # What each factor found, by factor name (ListingDetail, SpendDetail, ...),
        # for the sentences and the spend comparison.
        self._details = details
        self._shared = shared
        self._row = row
        self._cache: dict[str, Any] | None = None

    @property
    def points(self) -> tuple[tuple[str, float], ...]:
        if self._points is None:
            self._points = self._shared.points_of(self._row)
        return self._points

    def _found(self) -> dict[str, Any]:
        """What each factor found for this candidate: the factors run again for it
        alone on first access (sentences are asked for a page's worth, not all)."""
        if self._details is None:
            details: dict[str, Any] = {}
            self._shared.scorer.features(self.body, self.distance_km, details)
            self._details = details
        return self._details

    def __repr__(self) -> str:
        return f"<Suggestion {self.body.gss_code} {self.score:.2f}>"

    def _cached(self) -> dict[str, Any]:
        if self._cache is None:
            self._cache = {}
        return self._cache

    @property
    def contributions(self) -> tuple[Contribution, ...]:
        cache = self._cached()
        if "contributions" not in cache:
            cache["contributions"] = tuple(
                Contribution(factor, points, self._sentence(factor))
                for factor, points in self.points
            )
        contributions: tuple[Contribution, ...] = cache["contributions"]
        return contributions

    @property
    def spend(self) -> SpendComparison:
        cache = self._cached()
        if "spend" not in cache:
            # Kept as a plain tuple while ranking (a dataclass per candidate costs more
            # than the rest of the factor); made a SpendDetail only when shown.
            d = SpendDetail(*self._found()["spend"])
            year, a, b, similarity = d.year, d.origin, d.candidate, d.similarity
            shared = self._shared
            common = year
            if year is None:  # no common figure: name the newest year either has
                year, a, b = shared.spend_pair(self.body)
            cache["spend"] = SpendComparison(
                year,
                shared.service.ro_line_name,
                a,
                b,
                similarity,
                newest=shared.reference.newest_year,
                origin_lacks_newest=d.origin_lacks_newest,
                candidate_lacks_newest=d.candidate_lacks_newest,
                origin_note=shared.spend_note(shared.origin, common) if common else "",
                candidate_note=shared.spend_note(self.body, common) if common else "",
            )
        spend: SpendComparison = cache["spend"]
        return spend

    @property
    def savings(self) -> SavingsEstimate:
        cache = self._cached()
        if "savings" not in cache:
            cache["savings"] = self._service_savings()
        savings: SavingsEstimate = cache["savings"]
        return savings

    def _service_savings(self) -> SavingsEstimate:
        """The service's own cost on each side where known, else its spend line."""
        spend, shared = self.spend, self._shared
        line = _lower(spend.line_name or "this service's spending line")

        def base(body: Body, thousands: float | None) -> Any:
            return cost_base(
                name=body.short_name,
                own=shared.costs.get(body.gss_code),
                line_thousands=thousands,
                line_name=spend.line_name,
                year=spend.year,
            )

        return estimate_service_savings(
            origin=base(shared.origin, spend.origin_thousands),
            candidate=base(self.body, spend.candidate_thousands),
            rate=shared.rate,
            year=spend.year,
            line_name=spend.line_name,
            missing=(
                "Not enough data to estimate savings: each organisation needs its own cost "
                f"of the service or a positive spend figure on {line} for the same year."
            ),
        )

    @property
    def whole_organisation(self) -> SavingsEstimate:
        """Sharing the whole back office: NLGN's rates of combined line 699."""
        cache = self._cached()
        if "whole" not in cache:
            shared = self._shared
            ref = shared.reference
            choice = comparison_year(
                ref.spend_of(shared.origin.gss_code, "699") or {},
                ref.spend_of(self.body.gss_code, "699") or {},
                ref.newest_year,
            )
            cache["whole"] = estimate_whole_organisation(
                origin_name=shared.origin.short_name,
                candidate_name=self.body.short_name,
                origin_total_thousands=choice.origin,
                candidate_total_thousands=choice.candidate,
                year=choice.year or "",
                rate=shared.whole_rate,
            )
        whole: SavingsEstimate = cache["whole"]
        return whole

    @property
    def scoring_contributions(self) -> list[Contribution]:
        """Contributions that added points, largest first (equal points keep factor order)."""
        scoring = [c for c in self.contributions if c.points > 0]
        scoring.sort(key=lambda c: -c.points)
        return scoring

    @property
    def reasons(self) -> list[str]:
        """The sentences of factors that added points, largest first."""
        return [c.sentence for c in self.scoring_contributions]

    @property
    def spend_sentence(self) -> str:
        return self._sentence("spend")

    @property
    def geography(self) -> str:
        """One line: "12 km away and shares a boundary"."""
        parts = [self._sentence("distance").rstrip(".")]
        if any(factor == "boundary" for factor, _p in self.points):
            parts.append("shares a boundary")
        return " and ".join(parts)

    def lacks(self, above: Suggestion) -> list[tuple[Contribution, float]]:
        """Why this candidate is not higher: the factors where `above` (the one ranked
        just before it) earns more, with how many more points, largest gap first."""
        mine = dict(self.points)
        gaps = [
            (c, c.points - mine.get(c.factor, 0.0))
            for c in above.contributions
            if c.points - mine.get(c.factor, 0.0) > 0.05
        ]
        gaps.sort(key=lambda t: -t[1])
        return gaps

    def detail(self, factor: str) -> Any:
        """What one factor found for this candidate (None if it recorded nothing)."""
        return self._found().get(factor)

    @property
    def shared(self) -> _Shared:
        return self._shared

    def _sentence(self, factor: str) -> str:
        try:
            return FACTOR_TABLE[factor].sentence(self)
        except KeyError:
            raise ValueError(f"Unknown factor {factor!r}") from None


@dataclass(frozen=True, slots=True)
class Exclusion:
    body: Body
    reason: str
    kind: str = "tier"  # abolished | tier | limit


@dataclass(frozen=True, slots=True)
class Ranking:
    origin: Body
    service: ServiceInfo
    suggestions: tuple[Suggestion, ...]
    excluded: tuple[Exclusion, ...]
    weights: Weights
    rate: SavingsRate
    # When the asker itself does not deliver the service: why, and the organisations
    # that deliver it for the asker's area (nothing is ranked then).
    asker_reason: str = ""
    deliverers: tuple[Body, ...] = ()

    @property
    def asker_eligible(self) -> bool:
        return not self.asker_reason

    @property
    def top_score(self) -> float:
        return self.suggestions[0].score if self.suggestions else 0.0

    @property
    def weight_rows(self) -> list[tuple[str, float]]:
        """(what earns it, points when the feature is 1) per factor, for the page."""
        return [
            (f.describe(self.weights), self.weights.weight(f.name)) for f in FACTOR_TABLE.values()
        ]


# --- Formatting (shared by sentences, pages and the CSV, so numbers agree) -------------


def format_km(km: float) -> str:
    if km < 1:
        return "under 1 km"
    return f"{round(km):,} km"


def format_thousands(thousands: float) -> str:
    return format_gbp(thousands * 1000)


def _service_phrase(service: ServiceInfo) -> str:
    name = service.name
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


def _and_list(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def delivers(body: Body, service: ServiceInfo) -> bool:
    """A council delivers a service by its tier; any other body by its kind."""
    if body.kind == COUNCIL:
        return body.tier in service.tiers
    return body.kind in service.kinds


def tier_reason(body: Body, service: ServiceInfo) -> str:
    """'Worthing is a district council; adult social care is delivered by county and
    single-tier councils.' A body that is not a council is told by its kind:
    'Kent Fire and Rescue Authority does not deliver libraries.'"""
    return _TierReasons(service).reason(body)


class _TierReasons:
    """tier_reason for one service: the part naming who delivers it is the same for
    every candidate, so a ranking with hundreds of exclusions builds it once."""

    __slots__ = ("service_name", "who")

    def __init__(self, service: ServiceInfo) -> None:
        self.service_name = _service_phrase(service)
        deliverers = [
            TIER_DELIVERERS[t] for t in (UPPER, LOWER, UNITARY, NI_DISTRICT) if t in service.tiers
        ]
        if not deliverers:
            bodies = [KIND_DELIVERERS[k] for k in KIND_DELIVERERS if k in service.kinds]
            none = "no council tier in our taxonomy"
            self.who = _and_list(bodies) + ", not councils" if bodies else none
        else:
            self.who = f"{_and_list(deliverers)} councils"

    def reason(self, body: Body) -> str:
        if body.kind != COUNCIL:
            return f"{body.short_name} does not deliver {self.service_name}."
        noun = TIER_NOUN.get(body.tier, "a council of another kind")
        return f"{body.short_name} is {noun}; {self.service_name} is delivered by {self.who}."


def _region_phrase(region: str) -> str:
    if region in NATIONS:
        return region
    if region == "London":
        return "London"
    return f"the {region} region"


# --- Factors (each a small pure function) ----------------------------------------------


def distance_feature(km: float, scale_km: float, max_km: float) -> float:
    """1 at 0 km, falling with log(1 + km / scale) to 0 at `max_km`: strictly
    decreasing over the whole UK, so it never stops telling distances apart."""
    if km >= max_km:
        return 0.0
    return 1.0 - math.log1p(km / scale_km) / math.log1p(max_km / scale_km)


def distance_rank_feature(rank: int, count: int) -> float:
    """1 for the nearest, falling with the log of the rank to 0 for the farthest of
    `count`: the same for the 3rd nearest in London as in the Highlands, where the
    kilometres mean different things."""
    if count < 2:
        return 1.0
    return 1.0 - math.log(rank) / math.log(count)


def boundary_feature(rank: int | None, count: int) -> float:
    """1 for the longest shared boundary, 0.5 for the shortest; 0.75 when the order
    is unknown (pairs mapped onto 2023 successors)."""
    if rank is None or count < 2 or rank > count:
        return 1.0 if count < 2 else 0.75
    return 1.0 - 0.5 * (rank - 1) / (count - 1)


def hub_feature(partners: int) -> float:
    """Grows with the log of the number of partners, 1 from HUB_FULL on."""
    return min(1.0, math.log1p(partners) / math.log1p(HUB_FULL))


def likeness_sentence(origin: Body, candidate: Body, n: Neighbour) -> str:
    """'Among the 15 councils most like Adur by size, density and spend (3rd);
    deprivation not compared (no figure on the same basis for both).' A group is
    missing when either side has no figure or, for deprivation, when the two are on
    different indices (a county's IoD2019 upper-tier figure against a district's
    IoD2025; one nation's index against another's), so the reason names both."""
    plural = KIND_PLURAL.get(origin.kind, "organisations")
    by = groups_phrase(n.compared)
    if n.rank <= 15:
        text = f"Among the 15 {plural} most like {origin.short_name} by {by} ({_ordinal(n.rank)})"
    else:
        text = (
            f"{round(n.likeness * 100)}% alike {origin.short_name} by {by} "
            f"({_ordinal(n.rank)} most alike)"
        )
    if n.missing:
        text += f"; {groups_phrase(n.missing)} not compared (no figure on the same basis for both)"
    return text + "."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def spend_similarity(
    origin_thousands: float,
    candidate_thousands: float,
    origin_pop: int | None,
    cand_pop: int | None,
) -> float:
    """How alike two positive spends are, in (0, 1]: the mean of smaller/larger in
    total and per head (total only when a population is missing)."""
    absolute = min(origin_thousands, candidate_thousands) / max(
        origin_thousands, candidate_thousands
    )
    if origin_pop and cand_pop:
        a, b = origin_thousands / origin_pop, candidate_thousands / cand_pop
        return (absolute + min(a, b) / max(a, b)) / 2
    return absolute


def common_year(
    origin: Mapping[str, float | None] | None, candidate: Mapping[str, float | None] | None
) -> tuple[str, float | None, float | None]:
    """The newest year in which both have a figure; else the newest year either has."""
    origin = origin or {}
    candidate = candidate or {}
    for year in sorted(origin, reverse=True):
        if origin[year] is not None and candidate.get(year) is not None:
            return year, origin[year], candidate[year]
    years = [y for y, v in [*origin.items(), *candidate.items()] if v is not None]
    year = max(years) if years else ""
    return year, origin.get(year), candidate.get(year)


def compare_spend(
    origin: Body,
    candidate: Body,
    service: ServiceInfo,
    origin_spend: Mapping[str, float | None] | None,
    candidate_spend: Mapping[str, float | None] | None,
) -> SpendComparison:
    """Both councils' spend on the service's line, for the newest common year."""
    year, a, b = common_year(origin_spend, candidate_spend)
    similarity = None
    if service.ro_line and a is not None and b is not None and a > 0 and b > 0:
        similarity = spend_similarity(a, b, origin.population, candidate.population)
    return SpendComparison(year, service.ro_line_name, a, b, similarity)


def spend_sentence(
    origin: Body, candidate: Body, service: ServiceInfo, spend: SpendComparison
) -> str:
    """Says which year was compared and why (the newest both report), whose figures
    they are (a successor's predecessors', combined), and, when nothing could be
    compared, that the factor counts as neutral rather than against the candidate."""
    line = _lower(spend.line_name or "this service's spending line")
    year, a, b = spend.year, spend.origin_thousands, spend.candidate_thousands
    if not service.ro_line:
        return f"Not enough data: {service.name} has no revenue outturn line to compare."
    lacking = [
        body.short_name
        for body, lacks in (
            (origin, spend.origin_lacks_newest),
            (candidate, spend.candidate_lacks_newest),
        )
        if lacks
    ]
    no_return = f"no {spend.newest} return from {' or '.join(lacking)}" if lacking else ""
    missing = [body.short_name for body, value in ((origin, a), (candidate, b)) if value is None]
    if missing:
        why = no_return or f"no spend figure for {' or '.join(missing)} on {line}"
        return (
            f"Spend not compared: {why}, and no earlier year both report; "
            "counted as neutral (half this factor's points), not against either."
        )
    if spend.similarity is None or a is None or b is None:
        return (
            f"Not enough data: net spend on {line} ({year}) is not positive for both "
            f"({origin.short_name} {format_thousands(a or 0)}, "
            f"{candidate.short_name} {format_thousands(b or 0)})."
        )
    per_head = bool(origin.population and candidate.population)

    def part(body: Body, thousands: float, note: str) -> str:
        text = f"{body.short_name} {format_thousands(thousands)}"
        if per_head and body.population:
            text += f" (£{thousands * 1000 / body.population:,.0f} a head)"
        return f"{text}, {note}" if note else text

    prefix = ""
    if no_return and year != spend.newest:
        prefix = f"No {no_return[3:]}: compared on {year}, the newest year both report. "
    return (
        f"{prefix}Spend on {line} ({year}): {part(origin, a, spend.origin_note)}; "
        f"{part(candidate, b, spend.candidate_note)}; "
        f"{round(spend.similarity * 100)}% alike in scale."
    )


def limit_reason(candidate: Body, km: float | None, limits: Limits) -> str | None:
    """Why a listing's own limits leave this candidate out, or None if they allow it."""
    if limits.scope == "radius" and limits.radius_km is not None:
        if km is None:
            return f"{candidate.short_name} has no recorded location to measure distance from."
        if km > limits.radius_km:
            return (
                f"{candidate.short_name} is {format_km(km)} away, beyond the listing's "
                f"limit of {limits.radius_km:g} km."
            )
    elif limits.scope == "region" and limits.region and candidate.region != limits.region:
        return (
            f"{candidate.short_name} is in {_region_phrase(candidate.region) or 'another area'}; "
            f"the listing looks for partners in {_region_phrase(limits.region)} only."
        )
    elif limits.scope == "named" and candidate.gss_code not in limits.named:
        return f"{candidate.short_name} is not one of the councils the listing names."
    return None


def pick_listing(
    service: ServiceInfo, listings: Sequence[ListingRef], kinds: frozenset[str]
) -> tuple[ListingRef | None, bool, int]:
    """(best complementary listing, is it for the same service, how many like it).

    A complementary listing for the same service beats one in the same family;
    the oldest (lowest id) stands for the others.
    """
    same = [x for x in listings if x.service_pk == service.pk and x.kind in kinds]
    if same:
        return min(same, key=lambda x: x.pk), True, len(same)
    family = [x for x in listings if x.family_pk == service.family_pk and x.kind in kinds]
    if family:
        return min(family, key=lambda x: x.pk), False, len(family)
    return None, False, 0


def listing_sentence(
    service: ServiceInfo, listing: ListingRef | None, same_service: bool, count: int
) -> str:
    if listing is None:
        return "No live listing for this service or its family."
    what = "an offer" if listing.kind == OFFER else "a need"
    if same_service:
        more = f" (and {count - 1} more)" if count > 1 else ""
        return f"Has published {what} for {_lower(service.name)}: “{listing.title}”{more}."
    return (
        f"Has published {what} for {_lower(listing.service_name)}, in the same family "
        f"({service.family_name}): “{listing.title}”."
    )


def _lower(name: str) -> str:
    return name if name[:2].isupper() else name[:1].lower() + name[1:]


# --- Precomputed reference data ---------------------------------------------------------


class Reference:
    """Everything that changes only when reference data is imported: bodies,
    boundaries, spend, and distances (rows computed once per origin, then kept).

    Build one per process and reuse it (matching.selectors caches it
    keyed on the reference-data generation, councils.changes).
    """

    def __init__(
        self,
        bodies: Iterable[Body],
        adjacency: Iterable[tuple[Any, ...]] = (),
        spend: Mapping[tuple[str, str], Mapping[str, float | None]] | None = None,
        version: str = "",
        spend_notes: Mapping[tuple[str, str, str], str] | None = None,
        *,
        areas: Mapping[str, Mapping[str, float]] | None = None,
        likeness: Likeness | None = None,
    ) -> None:
        """`adjacency`: (a, b) or (a, b, rank of b in a's list, rank of a in b's list),
        rank 1 the longest shared boundary (ONS). `areas`: for bodies that cover
        council areas, body GSS -> {council GSS: share} (public_body_areas.csv)."""
        self.bodies: tuple[Body, ...] = tuple(sorted(bodies, key=lambda b: b.gss_code))
        self.version = version
        self.by_gss: dict[str, Body] = {b.gss_code: b for b in self.bodies}
        self.index: dict[str, int] = {b.gss_code: i for i, b in enumerate(self.bodies)}
        self.by_pk: dict[int, Body] = {b.pk: b for b in self.bodies if b.pk is not None}
        neighbours: dict[str, set[str]] = {}
        ranks: dict[tuple[str, str], int] = {}
        for edge in adjacency:
            a, b = edge[0], edge[1]
            neighbours.setdefault(a, set()).add(b)
            neighbours.setdefault(b, set()).add(a)
            if len(edge) >= 4:
                if edge[2]:
                    ranks[(a, b)] = int(edge[2])
                if edge[3]:
                    ranks[(b, a)] = int(edge[3])
        self.footprints = _footprints(self.bodies, areas or {})
        _body_neighbours(self.bodies, self.footprints, neighbours, ranks)
        self.neighbours: dict[str, frozenset[str]] = {
            k: frozenset(v) for k, v in neighbours.items()
        }
        # (origin, candidate) -> rank of candidate among origin's neighbours, 1 = longest
        self.boundary_rank = ranks
        self.likeness = likeness
        self._population = {b.gss_code: float(b.population or 0) for b in self.bodies}
        self._footprint_pop = {gss: self._weighted(fp) for gss, fp in self.footprints.items()}
        self.spend: Mapping[tuple[str, str], Mapping[str, float | None]] = spend or {}
        # (GSS code, line, year) -> whose figure it is when not the body's own
        # (a successor's predecessors, combined; matching.selectors).
        self.spend_notes: Mapping[tuple[str, str, str], str] = spend_notes or {}
        self.newest_year = max((y for by_year in self.spend.values() for y in by_year), default="")
        self._lat = [
            math.radians(b.latitude) if b.latitude is not None else None for b in self.bodies
        ]
        self._lon = [
            math.radians(b.longitude) if b.longitude is not None else None for b in self.bodies
        ]
        self._cos = [math.cos(v) if v is not None else None for v in self._lat]
        self._rows: dict[str, list[float | None]] = {}
        self._nearer: dict[tuple[str, frozenset[str], frozenset[str]], list[float]] = {}
        self._spend_tables: dict[str, tuple[dict[str, int], np.ndarray]] = {}
        self._populations: np.ndarray | None = None

    def spend_table(self, line: str) -> tuple[dict[str, int], np.ndarray]:
        """Every body's figures on one line as a matrix (bodies in reference order x
        years, NaN where none), with each year's column: what the spend factor reads
        for a whole ranking at once. Built on first use per line and kept."""
        found = self._spend_tables.get(line)
        if found is None:
            years = sorted(
                {y for (_gss, ln), by_year in self.spend.items() if ln == line for y in by_year}
            )
            column = {y: j for j, y in enumerate(years)}
            table = np.full((len(self.bodies), len(years)), np.nan)
            for i, b in enumerate(self.bodies):
                for y, value in (self.spend.get((b.gss_code, line)) or {}).items():
                    if value is not None:
                        table[i, column[y]] = value
            found = self._spend_tables[line] = (column, table)
        return found

    def populations(self) -> np.ndarray:
        """Every body's population in reference order, 0 where unknown."""
        if self._populations is None:
            self._populations = np.array([float(b.population or 0) for b in self.bodies])
        return self._populations

    def eligible_distances(self, origin: str, service: ServiceInfo) -> list[float]:
        """Sorted km from `origin` to every current organisation, itself excepted, that
        delivers `service` (those with no location left out): what the distance-rank
        factor counts against. Computed once per (origin, who delivers) and kept, like
        distance rows; independent of a listing's limits or the kind asked for, so a
        candidate's rank is the same wherever it is scored."""
        key = (origin, service.tiers, service.kinds)
        found = self._nearer.get(key)
        if found is None:
            row = self.distances_from(origin)
            found = sorted(
                km
                for b, km in zip(self.bodies, row, strict=True)
                if km is not None and b.gss_code != origin and b.is_current and delivers(b, service)
            )
            self._nearer[key] = found
        return found

    def distances_from(self, gss_code: str) -> list[float | None]:
        """Great-circle km from one body to every body (same formula as core.geo)."""
        row = self._rows.get(gss_code)
        if row is not None:
            return row
        i = self.index[gss_code]
        lat1, lon1, cos1 = self._lat[i], self._lon[i], self._cos[i]
        if lat1 is None or lon1 is None or cos1 is None:
            row = [None] * len(self.bodies)
        else:
            row = []
            append = row.append
            sin, sqrt, asin = math.sin, math.sqrt, math.asin
            diameter = 2 * EARTH_RADIUS_KM
            for lat2, lon2, cos2 in zip(self._lat, self._lon, self._cos, strict=True):
                if lat2 is None or lon2 is None or cos2 is None:
                    append(None)
                    continue
                h = sin((lat2 - lat1) / 2) ** 2 + cos1 * cos2 * sin((lon2 - lon1) / 2) ** 2
                append(diameter * asin(min(1.0, sqrt(h))))
        self._rows[gss_code] = row
        return row

    def _weighted(self, footprint: Mapping[str, float]) -> float:
        # Weighted by population where known, else by count (a district of 0 still counts).
        return sum((self._population.get(d) or 1.0) * w for d, w in footprint.items())

    def overlap(self, a: str, b: str) -> tuple[float, float, float] | None:
        """How much two organisations' areas overlap, by population of the council
        areas both cover: (share of the smaller, share of a's, share of b's), or
        None when either has no known area. A county and its district: (1, 1, x)."""
        fa, fb = self.footprints.get(a), self.footprints.get(b)
        if not fa or not fb:
            return None
        if len(fb) < len(fa):
            small, large = fb, fa
        else:
            small, large = fa, fb
        common = 0.0
        for d, w in small.items():
            other = large.get(d)
            if other is not None:
                common += (self._population.get(d) or 1.0) * min(w, other)
        if common == 0:
            return (0.0, 0.0, 0.0)
        of_a = min(1.0, common / self._footprint_pop[a])
        of_b = min(1.0, common / self._footprint_pop[b])
        return (max(of_a, of_b), of_a, of_b)

    def distance_km(self, a: str, b: str) -> float | None:
        """Great-circle km between two bodies of the reference (None without a location)."""
        if a not in self.index or b not in self.index:
            return None
        return self.distances_from(a)[self.index[b]]

    def spend_of(self, gss_code: str, line: str) -> Mapping[str, float | None] | None:
        return self.spend.get((gss_code, line)) if line else None

    def spend_note(self, gss_code: str, line: str, year: str) -> str:
        return self.spend_notes.get((gss_code, line, year), "")


def _footprints(
    bodies: Sequence[Body], areas: Mapping[str, Mapping[str, float]]
) -> dict[str, dict[str, float]]:
    """Every organisation's area as {district or unitary GSS: share}: a district or
    unitary is itself, a county its districts, a body the areas it covers (a county
    among them expanded to its districts), a combined authority or the GLA also its
    members. Shares below 1 only for districts split between bodies (ICBs)."""
    districts: dict[str, list[str]] = {}
    members: dict[str, list[str]] = {}
    for b in bodies:
        if b.county:
            districts.setdefault(b.county, []).append(b.gss_code)
        if b.combined_authority:
            members.setdefault(b.combined_authority, []).append(b.gss_code)
    out: dict[str, dict[str, float]] = {}
    for b in bodies:
        fp: dict[str, float] = {}
        if b.is_council:
            own = districts.get(b.gss_code, ()) if b.tier == UPPER else (b.gss_code,)
            fp.update((d, 1.0) for d in own)
        covered = [*(areas.get(b.gss_code) or {}).items()]
        covered += [(code, 1.0) for code in members.get(b.gss_code, ())]
        for code, share in covered:
            for d in districts.get(code, ()) or (code,):
                fp[d] = max(fp.get(d, 0.0), share)
        if fp:
            out[b.gss_code] = fp
    return out


def _touching(
    gss: str,
    own: Mapping[str, float],
    owner: Mapping[str, list[str]],
    district_neighbours: Mapping[str, set[str]],
) -> dict[str, int]:
    """Other bodies of the same kind whose areas border `own` (not overlap it), with
    the number of district pairs that touch."""
    touching: dict[str, int] = {}
    overlapping = {o for d in own for o in owner.get(d, ())}
    for d in own:
        for e in district_neighbours.get(d, ()):
            if e in own:
                continue
            for other in owner.get(e, ()):
                if other not in overlapping:
                    touching[other] = touching.get(other, 0) + 1
    return touching


def _body_neighbours(
    bodies: Sequence[Body],
    footprints: Mapping[str, Mapping[str, float]],
    neighbours: dict[str, set[str]],
    ranks: dict[tuple[str, str], int],
) -> None:
    """Bodies of one kind that border each other (two fire authorities): their areas
    do not overlap and a district of one borders a district of the other. Ranked by
    how many such district pairs touch (most first), as the ONS orders boundaries."""
    by_kind: dict[str, list[Body]] = {}
    for b in bodies:
        if not b.is_council and b.gss_code in footprints:
            by_kind.setdefault(b.kind, []).append(b)
    district_neighbours = {k: set(v) for k, v in neighbours.items()}
    for members in by_kind.values():
        owner: dict[str, list[str]] = {}
        for b in members:
            for d in footprints[b.gss_code]:
                owner.setdefault(d, []).append(b.gss_code)
        for b in members:
            touching = _touching(b.gss_code, footprints[b.gss_code], owner, district_neighbours)
            order = sorted(touching, key=lambda g: (-touching[g], g))
            for rank, other in enumerate(order, start=1):
                neighbours.setdefault(b.gss_code, set()).add(other)
                ranks[(b.gss_code, other)] = rank


# --- Scoring ------------------------------------------------------------------------------


class _Scorer:
    """Scores candidates against one origin and service. What is the same for every
    candidate (the origin's neighbours and spend, the listings, the weights) is
    looked up once; each factor in FACTOR_TABLE then gives its feature, and the
    score is the sum of weight x feature."""

    __slots__ = (
        "_nearer",
        "distance_shape",
        "factors",
        "hub",
        "kinds",
        "likeness",
        "listings",
        "neighbour_count",
        "neighbours",
        "newest_year",
        "origin",
        "origin_known",
        "origin_lacks_newest",
        "origin_spend",
        "origin_years",
        "reference",
        "service",
        "shared",
        "shares_with_asker",
        "spend",
        "weighted",
        "weights",
    )

    def __init__(
        self, reference: Reference, origin: Body, service: ServiceInfo, context: Context
    ) -> None:
        self.weights = context.weights
        self.shared = _Shared(reference, origin, service, context, self)
        self.origin = origin
        self.service = service
        self.reference = reference
        self.neighbours = reference.neighbours.get(origin.gss_code, frozenset())
        self.neighbour_count = len(self.neighbours)
        scale = self.weights.param("distance_scale_km")
        most = self.weights.param("distance_max_km")
        self.distance_shape = (scale, most, math.log1p(most / scale))
        self._nearer: list[float] | None = None  # nearer_km(), on first use
        self.likeness = (
            reference.likeness.row(origin.gss_code) if reference.likeness is not None else {}
        )
        self.spend = reference.spend
        self.origin_spend = reference.spend_of(origin.gss_code, service.ro_line) or {}
        self.origin_years = sorted(self.origin_spend, reverse=True)
        # The years the asker reports, newest first: the same walk as
        # councils.spend.comparison_year, done once here rather than per candidate.
        self.origin_known = tuple(y for y in self.origin_years if self.origin_spend[y] is not None)
        self.origin_lacks_newest = (
            bool(reference.newest_year) and self.origin_spend.get(reference.newest_year) is None
        )
        self.newest_year = reference.newest_year
        self.listings = context.listings
        self.kinds = context.complementary_kinds
        self.hub = context.hub
        self.shares_with_asker = context.shares_with_asker
        self.factors = tuple(FACTOR_TABLE.values())
        # Factors that can apply to this asker at all: the others would say None for
        # every candidate (no county, no listings...), so the loop skips them. A factor
        # the weights in use give 0 adds 0 to every score, so it is skipped too (its
        # feature is still computed by `features`, for fitting and evaluation).
        self.weighted = tuple(
            (f, self.weights.weight(f.name))
            for f in self.factors
            if self.weights.weight(f.name) and f.applies(self)
        )

    def nearer_km(self) -> list[float]:
        """Sorted km to everyone who delivers the service, for the distance rank:
        worked out when a factor first asks, so weights that give the rank 0 never
        pay for it."""
        if self._nearer is None:
            reference, origin = self.reference, self.origin.gss_code
            self._nearer = (
                reference.eligible_distances(origin, self.service)
                if origin in reference.index
                else []
            )
        return self._nearer

    def features(
        self, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> list[tuple[str, float | None]]:
        """(factor, feature in [0, 1] or None when it does not apply), in FACTORS order."""
        return [(f.name, f.feature(self, candidate, km, details)) for f in self.factors]

    def score(self, candidate: Body, km: float | None) -> Suggestion:
        """One candidate: the sum of weight x feature over the weighted factors, in order."""
        points: list[tuple[str, float]] = []
        details: dict[str, Any] = {}
        total = 0.0
        for factor, weight in self.weighted:
            feature = factor.feature(self, candidate, km, details)
            if feature is not None:
                got = weight * feature
                points.append((factor.name, got))
                total += got
        own = self.listings.get(candidate.gss_code)
        return Suggestion(
            candidate, km, tuple(points), total, tuple(own) if own else (), details, self.shared
        )

    def rank(self, pool: Sequence[tuple[Body, float | None]]) -> list[Suggestion]:
        """Every candidate of `pool` scored as `score` would, factor by factor rather
        than candidate by candidate: each factor gives its feature for the whole pool
        at once (`Factor.column`), and each total adds weight x feature in the same
        order, so the scores are the same floats. Points and details are left to
        each suggestion's first access; one ranking uses these columns once."""
        scratch: defaultdict[int, dict[str, Any]] = defaultdict(dict)  # made when used
        columns = []
        total = [0.0] * len(pool)
        for factor, weight in self.weighted:
            values = factor.column(self, pool, scratch)
            columns.append((factor.name, weight, values))
            total = [t if v is None else t + weight * v for t, v in zip(total, values, strict=True)]
        self.shared.columns = tuple(columns)
        listings, shared = self.listings, self.shared
        out = []
        for row, ((candidate, km), score) in enumerate(zip(pool, total, strict=True)):
            own = listings.get(candidate.gss_code)
            out.append(
                Suggestion(candidate, km, None, score, tuple(own) if own else (), None, shared, row)
            )
        return out


# --- Factors ------------------------------------------------------------------------------
# One class per factor: its feature (a number in [0, 1] from the pair alone) and the
# sentence that explains it. The points are weight x feature, the weight read from
# the weights file (load_weights). Adding a factor means a class here, its place in
# FACTOR_TABLE and its weight in a new weights file; nothing else changes (pages,
# CSV, digests and the evaluation read the table).


class Factor(ABC):
    """A reason a candidate scores. `feature` returns None when the factor does not
    apply and is left out of the explanation (a shared boundary), or a number in
    [0, 1], 0 included, when it is always shown (distance, spend)."""

    name = ""
    label = ""  # the row in "How the ranking works"
    params: tuple[str, ...] = ()  # weight-file parameters the feature reads

    @abstractmethod
    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None: ...

    @abstractmethod
    def sentence(self, suggestion: Suggestion) -> str: ...

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        """`feature` for every (candidate, km) of a ranking's pool, in order. A factor
        may give a faster form that must agree with `feature` (tests compare them on
        the real data); `scratch` holds a details dict per candidate (by position in
        the pool), shared by the factors that use this default, so what one finds the
        next can reuse."""
        feature = self.feature
        return [feature(s, c, km, scratch[row]) for row, (c, km) in enumerate(pool)]

    def describe(self, weights: Weights) -> str:
        """The label with any parameter spelt out, for the page's table of weights."""
        return self.label

    def applies(self, s: _Scorer) -> bool:
        """False when `feature` would be None for every candidate of this asker
        (a speed-up only: skipping it changes no score)."""
        return True


class DistanceFactor(Factor):
    """Nearer is better, all the way out: the feature falls with the log of distance
    and reaches 0 only at `distance_max_km` (about the length of the UK), so no
    distance saturates and the far tail stays in distance order."""

    name = "distance"
    label = "Distance between centres"
    params = ("distance_scale_km", "distance_max_km")

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        if km is None:
            return None  # unknown: said on the page, never a silent 0 points
        # distance_feature, with the weights' parameters read once per ranking
        # (s.distance_shape) rather than per candidate.
        scale, most, denominator = s.distance_shape
        if km >= most:
            return 0.0
        return 1.0 - math.log1p(km / scale) / denominator

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        scale, most, denominator = s.distance_shape
        log1p = math.log1p
        return [
            None if km is None else 0.0 if km >= most else 1.0 - log1p(km / scale) / denominator
            for _c, km in pool
        ]

    def sentence(self, suggestion: Suggestion) -> str:
        if suggestion.distance_km is None:
            return "Distance unknown (no location recorded)."
        return f"{format_km(suggestion.distance_km)} away"

    def describe(self, weights: Weights) -> str:
        return (
            f"{self.label} (falls with the log of distance, to 0 at "
            f"{weights.param('distance_max_km'):g} km)"
        )


class DistanceRankFactor(Factor):
    """How near the candidate is compared with everyone else who could partner: its
    rank by distance among the organisations that deliver the service, on a log
    scale (`distance_rank_feature`). Kilometres mean different things in London and
    in the Highlands; "the 3rd nearest" means the same everywhere, which is what the
    "neighbours, then the nearest" way councils partner relies on."""

    name = "distance_rank"
    label = "Among the nearest of those who deliver the service"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.nearer_km())

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        if km is None:
            return None
        nearer = s.nearer_km()
        rank = bisect.bisect_left(nearer, km) + 1
        details["distance_rank"] = rank
        return distance_rank_feature(rank, len(nearer))

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        nearer = s.nearer_km()
        count, bisect_left = len(nearer), bisect.bisect_left
        return [
            None if km is None else distance_rank_feature(bisect_left(nearer, km) + 1, count)
            for _c, km in pool
        ]

    def sentence(self, suggestion: Suggestion) -> str:
        rank: int = suggestion.detail("distance_rank")
        shared = suggestion.shared
        count = len(shared.reference.eligible_distances(shared.origin.gss_code, shared.service))
        which = "The nearest" if rank == 1 else f"The {_ordinal(rank)} nearest"
        return (
            f"{which} of the {count:,} organisations that deliver "
            f"{_service_phrase(shared.service)}."
        )


class BoundaryFactor(Factor):
    """A shared boundary, weighed by its length: 1 for the asker's longest (ONS
    neighbour order), down to 0.5 for its shortest."""

    name = "boundary"
    label = "Shares a boundary (longer counts more)"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.neighbours)

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        if candidate.gss_code not in s.neighbours:
            return None
        rank = s.reference.boundary_rank.get((s.origin.gss_code, candidate.gss_code))
        details["boundary"] = rank
        return boundary_feature(rank, s.neighbour_count)

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        neighbours, count, origin = s.neighbours, s.neighbour_count, s.origin.gss_code
        ranks = s.reference.boundary_rank
        return [
            boundary_feature(ranks.get((origin, c.gss_code)), count)
            if c.gss_code in neighbours
            else None
            for c, _km in pool
        ]

    def sentence(self, suggestion: Suggestion) -> str:
        rank: int | None = suggestion.detail("boundary")
        origin = suggestion.shared.origin
        n = len(suggestion.shared.reference.neighbours.get(origin.gss_code, ()))
        if rank is None or n < 2 or rank > n:
            return "Shares a boundary"
        which = "the longest" if rank == 1 else f"the {_ordinal(rank)} longest"
        return f"Shares a boundary: {which} of {origin.short_name}'s {n}"


class TwoTierFactor(Factor):
    """A county council and one of its own districts: the same residents, the
    services split between them (no boundary between them: different layers)."""

    name = "two_tier"
    label = "A county and one of its own districts"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.origin.county) or (s.origin.is_council and s.origin.tier == UPPER)

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        o = s.origin
        if o.county and o.county == candidate.gss_code:
            return 1.0
        if candidate.county and candidate.county == o.gss_code:
            return 1.0
        return None

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        county, own = s.origin.county, s.origin.gss_code
        return [
            1.0 if (county and county == c.gss_code) or (c.county and c.county == own) else None
            for c, _km in pool
        ]

    def sentence(self, suggestion: Suggestion) -> str:
        o, c = suggestion.shared.origin, suggestion.body
        if o.county == c.gss_code:
            return (
                f"{c.short_name} is {o.short_name}'s county council: the same residents, two tiers."
            )
        return (
            f"{c.short_name} is one of {o.short_name}'s districts: the same residents, two tiers."
        )


def _overlap(
    s: _Scorer, candidate: Body, details: dict[str, Any]
) -> tuple[float, float, float] | None:
    """The pair's area overlap, worked out once for the factors that read it."""
    if "overlap" not in details:
        details["overlap"] = s.reference.overlap(s.origin.gss_code, candidate.gss_code)
    found: tuple[float, float, float] | None = details["overlap"]
    return found


class OverlapFactor(Factor):
    """Areas that overlap where at least one side is not a council (fire and police
    areas, ICBs, combined authorities): the share of the smaller area, by
    population, that the other covers. Council pairs are the two-tier factor."""

    name = "overlap"
    label = "Areas overlap (a body and a council, or two bodies)"

    def applies(self, s: _Scorer) -> bool:
        return s.origin.gss_code in s.reference.footprints

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        if s.origin.is_council and candidate.is_council:
            return None
        share = _overlap(s, candidate, details)
        if share is None or share[0] <= 0:
            return None
        return share[0]

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        if not s.origin.is_council:
            return super().column(s, pool, scratch)
        feature = self.feature  # a council asking: only bodies other than councils overlap it
        return [
            None if c.is_council else feature(s, c, km, scratch[row])
            for row, (c, km) in enumerate(pool)
        ]

    def sentence(self, suggestion: Suggestion) -> str:
        _most, of_origin, of_candidate = suggestion.detail("overlap")
        o, c = suggestion.shared.origin, suggestion.body
        if o.combined_authority == c.gss_code:
            return f"{o.short_name} is a member of {c.short_name}."
        if c.combined_authority == o.gss_code:
            return f"{c.short_name} is a member of {o.short_name}."
        if of_origin >= 0.99 and of_candidate >= 0.99:
            return f"Covers the same area as {o.short_name}."
        if of_candidate >= 0.99:
            return f"Its area lies within {o.short_name}'s."
        if of_origin >= 0.99:
            return f"Covers all of {o.short_name}'s area."
        return (
            f"Covers {round(of_origin * 100)}% of {o.short_name}'s area by population "
            "(the council areas both cover)."
        )


class _SameAreaFactor(Factor):
    """1 when the candidate's `attribute` (a county, combined authority or region)
    is the asker's, when the asker has one."""

    attribute: ClassVar[str]

    def applies(self, s: _Scorer) -> bool:
        return bool(getattr(s.origin, self.attribute))

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        area = getattr(s.origin, self.attribute)
        return 1.0 if area and area == getattr(candidate, self.attribute) else None

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        area, of = getattr(s.origin, self.attribute), attrgetter(self.attribute)
        return [1.0 if area and area == of(c) else None for c, _km in pool]


class CountyFactor(_SameAreaFactor):
    name = "county"
    label = "Same county council area"
    attribute = "county"

    def sentence(self, suggestion: Suggestion) -> str:
        return f"Both in the {suggestion.shared.origin.county_name or 'same county council'} area."


class CombinedAuthorityFactor(_SameAreaFactor):
    name = "combined_authority"
    label = "Same combined authority"
    attribute = "combined_authority"

    def sentence(self, suggestion: Suggestion) -> str:
        name = suggestion.shared.origin.combined_authority_name
        return f"Both in {name or 'the same combined authority'}."


class RegionFactor(_SameAreaFactor):
    name = "region"
    label = "Same region or nation"
    attribute = "region"

    def sentence(self, suggestion: Suggestion) -> str:
        return f"Both in {_region_phrase(suggestion.shared.origin.region)}."


class EmergencyDutyFactor(Factor):
    """Two emergency services (fire, police) that border or overlap: the law asks
    them to consider collaborating."""

    name = "emergency_duty"
    label = "Police and fire: statutory duty to consider collaboration"

    def applies(self, s: _Scorer) -> bool:
        return s.origin.kind in EMERGENCY_KINDS

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        if s.origin.kind not in EMERGENCY_KINDS or candidate.kind not in EMERGENCY_KINDS:
            return None
        if candidate.gss_code in s.neighbours:
            return 1.0
        share = _overlap(s, candidate, details)
        return 1.0 if share is not None and share[0] > 0 else None

    def sentence(self, suggestion: Suggestion) -> str:
        return (
            "Police, fire and ambulance services have a statutory duty to consider "
            "collaborating (Policing and Crime Act 2017)."
        )


class LikenessFactor(Factor):
    """Statistical neighbours (matching.likeness): 1 for the most alike organisation
    of the same kind, 0 for the least, from size, area, density, type, spend per
    head, deprivation and rurality."""

    name = "likeness"
    label = "Alike in size, density, spend, deprivation and rurality (statistical neighbours)"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.likeness)

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        found = s.likeness.get(candidate.gss_code)
        if found is None:
            return None
        details["likeness"] = found
        return found.likeness

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        row = s.likeness
        return [n.likeness if (n := row.get(c.gss_code)) is not None else None for c, _km in pool]

    def sentence(self, suggestion: Suggestion) -> str:
        n: Neighbour = suggestion.detail("likeness")
        return likeness_sentence(suggestion.shared.origin, suggestion.body, n)


def _listing_detail(s: _Scorer, candidate: Body, details: dict[str, Any]) -> ListingDetail:
    """The complementary listing the two listing factors share (found once per pair)."""
    found: ListingDetail | None = details.get("listing")
    if found is None:
        own = s.listings.get(candidate.gss_code)
        if not own:
            found = ListingDetail(None, False, 0)
        else:
            found = ListingDetail(*pick_listing(s.service, own, s.kinds))
        details["listing"] = found
    return found


class ListingServiceFactor(Factor):
    """A live listing for this very service that complements the asker's."""

    name = "listing_service"
    label = "Live listing for this service"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.listings)

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        found = _listing_detail(s, candidate, details)
        return 1.0 if found.listing is not None and found.same_service else None

    def sentence(self, suggestion: Suggestion) -> str:
        d: ListingDetail = suggestion.detail("listing")
        return listing_sentence(suggestion.shared.service, d.listing, d.same_service, d.count)


class ListingFamilyFactor(Factor):
    """Otherwise, a complementary live listing for a service in the same family."""

    name = "listing_family"
    label = "Live listing in the same family of services"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.listings)

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        found = _listing_detail(s, candidate, details)
        return 1.0 if found.listing is not None and not found.same_service else None

    def sentence(self, suggestion: Suggestion) -> str:
        d: ListingDetail = suggestion.detail("listing")
        return listing_sentence(suggestion.shared.service, d.listing, d.same_service, d.count)


class SharesWithAskerFactor(Factor):
    """Already shares another service with the asker (the register of arrangements):
    trust, governance and a working relationship already exist."""

    name = "shares_with_asker"
    label = "Already shares another service with you"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.shares_with_asker)

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        what = s.shares_with_asker.get(candidate.gss_code)
        if not what:
            return None
        details["shares_with_asker"] = tuple(what)
        return 1.0

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        shares = s.shares_with_asker
        return [1.0 if shares.get(c.gss_code) else None for c, _km in pool]

    def sentence(self, suggestion: Suggestion) -> str:
        what: tuple[str, ...] = suggestion.detail("shares_with_asker")
        return (
            f"Already shares {'; '.join(sorted(set(what)))} with "
            f"{suggestion.shared.origin.short_name}."
        )


HUB_FULL = 8  # partners at which the hub feature reaches 1


class HubFactor(Factor):
    """Runs or belongs to arrangements for this service with N other organisations
    (the asker's own arrangements left out): a hub that others already join,
    which lets a partner beyond the neighbours rise (audit, legal, revenues)."""

    name = "hub"
    label = f"Already shares this service with others (full at {HUB_FULL} partners)"

    def applies(self, s: _Scorer) -> bool:
        return bool(s.hub)

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        found = s.hub.get(candidate.gss_code)
        if not found or found[0] <= 0:
            return None
        details["hub"] = found
        return hub_feature(found[0])

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        hub = s.hub
        return [
            hub_feature(f[0]) if (f := hub.get(c.gss_code)) and f[0] > 0 else None
            for c, _km in pool
        ]

    def sentence(self, suggestion: Suggestion) -> str:
        count, names = suggestion.detail("hub")
        service = _lower(suggestion.shared.service.name)
        who = "organisation" if count == 1 else "organisations"
        return f"Already shares {service} with {count} {who} ({'; '.join(sorted(set(names)))})."


class SpendFactor(Factor):
    """Likeness of spend on the service's revenue outturn line, in total and per
    head, in the newest year both report (councils.spend.comparison_year). A
    successor's years before it existed carry its predecessors' combined figures
    (matching.selectors). With no year to compare, the feature is neutral, not 0:
    a council created since 2019, or one whose return was not received, is not
    pushed down for a gap in MHCLG's files."""

    name = "spend"
    label = "Alike in spend, in total and per head"

    def feature(
        self, s: _Scorer, candidate: Body, km: float | None, details: dict[str, Any]
    ) -> float | None:
        line = s.service.ro_line
        theirs = (s.spend.get((candidate.gss_code, line)) if line else None) or {}
        # councils.spend.comparison_year, inlined (this runs once per candidate): the
        # newest year both report, and whether either lacks the newest year held.
        year = a = b = similarity = None
        for y in s.origin_known:
            b = theirs.get(y)
            if b is not None:
                year, a = y, s.origin_spend[y]
                break
        else:
            b = None
        if a is not None and b is not None and a > 0 and b > 0:
            similarity = spend_similarity(a, b, s.origin.population, candidate.population)
        newest = s.newest_year
        details["spend"] = (  # SpendDetail's fields, in order
            year,
            a,
            b,
            similarity,
            s.origin_lacks_newest,
            bool(newest) and theirs.get(newest) is None,
        )
        if not line:
            return 0.0
        if year is None:
            return NEUTRAL_SPEND_FEATURE
        return 0.0 if similarity is None else similarity

    def column(
        self,
        s: _Scorer,
        pool: Sequence[tuple[Body, float | None]],
        scratch: defaultdict[int, dict[str, Any]],
    ) -> list[float | None]:
        line, known, index = s.service.ro_line, s.origin_known, s.reference.index
        if not line:
            return [0.0] * len(pool)
        if not known:  # the asker reports no year: neutral for everyone
            return [NEUTRAL_SPEND_FEATURE] * len(pool)
        positions = [index.get(c.gss_code) for c, _km in pool]
        if None in positions:  # candidates from outside the reference
            return super().column(s, pool, scratch)
        # `feature` for the whole pool in NumPy: per candidate, the first of the asker's
        # years (newest first) it has a figure for; then spend_similarity's arithmetic,
        # the same operations in the same order, so the same floats.
        columns, table = s.reference.spend_table(line)
        rows = np.array(positions, dtype=np.intp)
        years = np.array([columns[y] for y in known], dtype=np.intp)
        theirs = table[np.ix_(rows, years)]  # pool x the asker's years
        has = ~np.isnan(theirs)
        compared = has.any(axis=1)
        first = has.argmax(axis=1)
        b = theirs[np.arange(len(rows)), first]
        a = np.array([s.origin_spend[y] for y in known], dtype=float)[first]
        with np.errstate(divide="ignore", invalid="ignore"):  # lanes masked out below
            similarity = np.minimum(a, b) / np.maximum(a, b)
            own, their = s.origin.population, s.reference.populations()[rows]
            if own:
                per_a, per_b = a / own, b / their
                per_head = (similarity + np.minimum(per_a, per_b) / np.maximum(per_a, per_b)) / 2
                similarity = np.where(their > 0, per_head, similarity)
        feature = np.where((a > 0) & (b > 0), similarity, 0.0)  # NaN > 0 is False
        out: list[float | None] = np.where(compared, feature, NEUTRAL_SPEND_FEATURE).tolist()
        return out

    def sentence(self, suggestion: Suggestion) -> str:
        shared = suggestion.shared
        return spend_sentence(shared.origin, suggestion.body, shared.service, suggestion.spend)


# No year both report: half the factor, the middle of its range, so a missing
# return neither helps nor hurts (issue 14: missing spend is neutral and said).
NEUTRAL_SPEND_FEATURE = 0.5


FACTOR_TABLE: dict[str, Factor] = {
    factor.name: factor
    for factor in (
        DistanceFactor(),
        DistanceRankFactor(),
        BoundaryFactor(),
        TwoTierFactor(),
        OverlapFactor(),
        CountyFactor(),
        CombinedAuthorityFactor(),
        RegionFactor(),
        EmergencyDutyFactor(),
        LikenessFactor(),
        ListingServiceFactor(),
        ListingFamilyFactor(),
        SharesWithAskerFactor(),
        HubFactor(),
        SpendFactor(),
    )
}
# Every factor, in the order contributions are added (and shown in the CSV).
FACTORS = tuple(FACTOR_TABLE)


def feature_vector(
    reference: Reference,
    origin: Body,
    candidate: Body,
    service: ServiceInfo,
    context: Context | None = None,
) -> dict[str, float]:
    """Every factor's feature in [0, 1] for one (asker, candidate, service), in FACTORS
    order; a factor that does not apply is 0. The score is
    sum(weights.weight(f) * features[f]), which is what a fit of the weights needs."""
    context = context or Context()
    km = reference.distance_km(origin.gss_code, candidate.gss_code)
    scorer = _Scorer(reference, origin, service, context)
    return {f: (v or 0.0) for f, v in scorer.features(candidate, km, {})}


def feature_rows(
    reference: Reference, origin: Body, service: ServiceInfo, context: Context | None = None
) -> list[tuple[Body, float | None, dict[str, float]]]:
    """(candidate, km, features) for every candidate `rank_partners` would rank, in
    reference order: one origin's whole feature table for the evaluation and a fit."""
    context = context or Context()
    ranking_pool = _eligible(reference, origin, service, context)
    scorer = _Scorer(reference, origin, service, context)
    return [
        (candidate, km, {f: (v or 0.0) for f, v in scorer.features(candidate, km, {})})
        for candidate, km in ranking_pool
    ]


def score_features(features: Mapping[str, float], weights: Weights) -> float:
    """The score a feature vector earns under `weights` (what rank_partners sums)."""
    return sum(weights.weight(f) * features.get(f, 0.0) for f in FACTORS)


def score_candidate(
    reference: Reference,
    origin: Body,
    candidate: Body,
    service: ServiceInfo,
    context: Context,
    km: float | None,
) -> Suggestion:
    """Score one eligible candidate: the sum of weight x feature over FACTORS, in order."""
    return _Scorer(reference, origin, service, context).score(candidate, km)


def sort_key(suggestion: Suggestion) -> tuple[float, float, str]:
    """Score (high first), then distance (near first, unknown last), then GSS code."""
    km = suggestion.distance_km
    return (-suggestion.score, km if km is not None else math.inf, suggestion.body.gss_code)


def eligibility_reason(origin: Body, candidate: Body, service: ServiceInfo) -> str | None:
    """Why a candidate can never partner on this service, or None if it can."""
    if not candidate.is_current:
        return _abolished_reason(candidate)
    if not delivers(candidate, service):
        return tier_reason(candidate, service)
    return None


def _abolished_reason(body: Body) -> str:
    return f"{body.short_name} has been abolished."


def asker_reason(origin: Body, service: ServiceInfo) -> str:
    """Why the asker itself cannot share the service ('' if it can)."""
    if delivers(origin, service):
        return ""
    return tier_reason(origin, service)


def deliverers_for(reference: Reference, origin: Body, service: ServiceInfo) -> list[Body]:
    """Current organisations that deliver the service for the asker's area: its county,
    the combined authority, the integrated care board... (area overlap), most
    overlap first, then councils before other bodies, then name."""
    found = []
    for body in reference.bodies:
        if body.gss_code == origin.gss_code or not body.is_current:
            continue
        if not delivers(body, service):
            continue
        share = reference.overlap(origin.gss_code, body.gss_code)
        if share is not None and share[0] > 0:
            found.append((-share[0], not body.is_council, body.short_name, body))
    found.sort(key=lambda t: t[:3])
    return [t[3] for t in found]


def _sift(
    reference: Reference,
    origin: Body,
    service: ServiceInfo,
    context: Context,
    candidates: Iterable[Body] | None = None,
) -> tuple[list[tuple[Body, float | None]], list[Exclusion]]:
    """Split the pool into (candidate, km) to rank and exclusions with their reasons."""
    row = reference.distances_from(origin.gss_code) if origin.gss_code in reference.index else None
    index = reference.index
    keep: list[tuple[Body, float | None]] = []
    excluded: list[Exclusion] = []
    pool = reference.bodies if candidates is None else candidates
    limits = context.limits
    only = context.only_kinds
    tier_reasons = _TierReasons(service)
    for candidate in pool:
        if candidate.gss_code == origin.gss_code or (only and candidate.kind not in only):
            continue
        if not candidate.is_current:  # eligibility_reason's two reasons, in its order
            excluded.append(Exclusion(candidate, _abolished_reason(candidate), "abolished"))
            continue
        if not delivers(candidate, service):
            excluded.append(Exclusion(candidate, tier_reasons.reason(candidate), "tier"))
            continue
        i = index.get(candidate.gss_code)  # the distance only for those who could partner
        km = row[i] if row is not None and i is not None else None
        if limits.scope != "any":
            limited = limit_reason(candidate, km, limits)
            if limited is not None:
                excluded.append(Exclusion(candidate, limited, "limit"))
                continue
        keep.append((candidate, km))
    return keep, excluded


def _eligible(
    reference: Reference, origin: Body, service: ServiceInfo, context: Context
) -> list[tuple[Body, float | None]]:
    return _sift(reference, origin, service, context)[0]


def rank_partners(
    reference: Reference,
    origin: Body,
    service: ServiceInfo,
    context: Context | None = None,
    *,
    candidates: Iterable[Body] | None = None,
) -> Ranking:
    """Every body in `reference` (or `candidates`) scored and ordered, with exclusions.

    The origin itself is neither ranked nor listed as excluded.
    """
    context = context or Context()
    reason = asker_reason(origin, service)
    if reason:  # rank nothing: point to who does deliver it here instead
        return Ranking(
            origin,
            service,
            (),
            (),
            context.weights,
            context.rate,
            asker_reason=reason,
            deliverers=tuple(deliverers_for(reference, origin, service)),
        )
    keep, excluded = _sift(reference, origin, service, context, candidates)
    suggestions = _Scorer(reference, origin, service, context).rank(keep)
    suggestions.sort(key=sort_key)
    excluded.sort(key=lambda e: (e.body.short_name, e.body.gss_code))
    return Ranking(
        origin, service, tuple(suggestions), tuple(excluded), context.weights, context.rate
    )


def rank_by_distance(reference: Reference, origin: Body, service: ServiceInfo) -> list[Body]:
    """Baseline for the evaluation: eligible candidates, nearest first (GSS code breaks ties)."""
    row = reference.distances_from(origin.gss_code)
    eligible = [
        (row[i] if row[i] is not None else math.inf, b.gss_code, b)
        for i, b in enumerate(reference.bodies)
        if b.gss_code != origin.gss_code and eligibility_reason(origin, b, service) is None
    ]
    eligible.sort(key=lambda t: (t[0], t[1]))
    return [b for _km, _gss, b in eligible]
