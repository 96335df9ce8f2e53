"""Statistical neighbours: which organisations are most like one another, from open data.

Pure computation (no ORM, no settings), in the way CIPFA's nearest-neighbour
model works but published and explained: each organisation is a vector of
standardised features, two organisations are as far apart as the Euclidean
distance between their vectors, and an organisation's distances to the others
of its kind are rebased to 0-1 (0 the most alike, 1 the least), so
"likeness" = 1 - rebased distance.

Feature groups (each weighs the same, whatever the number of columns in it):
  size          log population
  area          log area in km²
  density       log people per km²
  tier          the council type (county, district, unitary, ...), as 0/1 columns
  spend         net spend per head on each revenue outturn line, newest year
  deprivation   extent (the share of people in the most deprived areas), compared
                only between two organisations measured on the same index
                (IoD2025, IoD2019, WIMD, SIMD, NIMDM are not comparable)
  rurality      the ONS rural-urban class 2021, as an ordinal (urban 1 .. rural 8)

Organisations are compared only with others of the same kind (councils with
councils, fire with fire). Standardisation (mean 0, standard deviation 1) is
within a kind, and for deprivation within one index. A group missing for
either side is left out of that pair's distance and named in the sentence
(`Likeness.missing`); the distance is the root mean square over the groups
both have, so a pair compared on fewer groups is not made to look closer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

GROUPS = ("size", "area", "density", "tier", "spend", "deprivation", "rurality")
GROUP_NOUNS = {
    "size": "size",
    "area": "area",
    "density": "density",
    "tier": "type",
    "spend": "spend",
    "deprivation": "deprivation",
    "rurality": "rurality",
}
# ONS RUC 2021 classes from most urban to most rural (rural_urban_la.csv README).
RUC_ORDER = ("UUN", "UUF", "UIN", "UIF", "RIN", "RIF", "RMN", "RMF")
NEAREST = 15  # the size of the published "most like" list, as CIPFA's


@dataclass(frozen=True, slots=True)
class Profile:
    """What is known about one organisation, before standardising."""

    gss_code: str
    kind: str
    population: float | None = None
    area_km2: float | None = None
    tier: str = ""  # the council type code, blank for bodies
    spend_per_head: Mapping[str, float] = field(default_factory=dict)  # line -> £ a head
    deprivation_index: str = ""  # e.g. IoD2025
    deprivation_extent: float | None = None
    ruc_code: str = ""


@dataclass(frozen=True, slots=True)
class Neighbour:
    gss_code: str
    likeness: float  # 1 - rebased distance, in [0, 1]
    rank: int  # 1 = most alike of its kind
    compared: tuple[str, ...]  # groups used for this pair
    missing: tuple[str, ...]  # groups left out (missing for either side)


def _log(value: float | None) -> float | None:
    return math.log(value) if value is not None and value > 0 else None


def _standardise(values: Mapping[str, float]) -> dict[str, float]:
    """z-scores; a column with no spread carries no information and is dropped."""
    if len(values) < 2:
        return {}
    mean = sum(values.values()) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values.values()) / len(values))
    if sd == 0:
        return {}
    return {k: (v - mean) / sd for k, v in values.items()}


def _raw(p: Profile, tiers: Iterable[str]) -> Iterable[tuple[str, str, float]]:
    """(group, column, value before standardising) for one profile."""
    pop, area = _log(p.population), _log(p.area_km2)
    if pop is not None:
        yield "size", "population", pop
    if area is not None:
        yield "area", "area", area
    if pop is not None and area is not None:
        yield "density", "density", pop - area
    if p.tier:
        for t in tiers:
            yield "tier", t, 1.0 if p.tier == t else 0.0
    for line, per_head in p.spend_per_head.items():
        yield "spend", line, math.copysign(math.log1p(abs(per_head)), per_head)
    if p.deprivation_index and p.deprivation_extent is not None:
        # One column per index, so two indices are never compared.
        yield "deprivation", p.deprivation_index, p.deprivation_extent
    if p.ruc_code in RUC_ORDER:
        yield "rurality", "ruc", float(RUC_ORDER.index(p.ruc_code))


def _columns(members: Sequence[Profile]) -> dict[str, dict[str, dict[str, float]]]:
    """group -> column -> gss -> standardised value, for one kind."""
    tiers = sorted({m.tier for m in members if m.tier})
    raw: dict[tuple[str, str], dict[str, float]] = {}
    for p in members:
        for group, column, value in _raw(p, tiers):
            raw.setdefault((group, column), {})[p.gss_code] = value
    out: dict[str, dict[str, dict[str, float]]] = {g: {} for g in GROUPS}
    for (group, column), values in raw.items():
        z = _standardise(values)
        if z:
            out[group][column] = z
    return out


class Likeness:
    """Standardised profiles of every organisation, grouped by kind; rows of
    likeness per organisation are computed on first use and kept (one row is
    a few hundred pairs), like matching.scoring.Reference's distance rows.

    Each kind's standardised values are held as one NumPy matrix per feature
    group (members x columns, NaN where a member has no value), so a row is a
    handful of array operations rather than a Python loop over every pair of
    columns: Find a partner asks for one row per request and a row of 382
    councils in pure Python cost more than the rest of the ranking.
    """

    def __init__(self, profiles: Iterable[Profile]) -> None:
        by_kind: dict[str, list[Profile]] = {}
        for p in profiles:
            by_kind.setdefault(p.kind, []).append(p)
        self.kind_of: dict[str, str] = {}
        self.members: dict[str, tuple[str, ...]] = {}
        self._position: dict[str, int] = {}  # gss -> row of its kind's matrices
        # kind -> [(group, members x columns matrix, NaN = no value)], GROUPS order
        self._matrices: dict[str, list[tuple[str, np.ndarray]]] = {}
        for kind, members in by_kind.items():
            members.sort(key=lambda p: p.gss_code)
            codes = tuple(p.gss_code for p in members)
            self.members[kind] = codes
            for position, code in enumerate(codes):
                self.kind_of[code] = kind
                self._position[code] = position
            matrices: list[tuple[str, np.ndarray]] = []
            for group, cols in _columns(members).items():
                if not cols:
                    continue
                matrix = np.full((len(codes), len(cols)), np.nan)
                for j, z in enumerate(cols.values()):
                    for code, value in z.items():
                        matrix[self._position[code], j] = value
                matrices.append((group, matrix))
            self._matrices[kind] = matrices
        self._rows: dict[str, dict[str, Neighbour]] = {}

    def row(self, gss_code: str) -> dict[str, Neighbour]:
        """Every other organisation of the same kind that can be compared, by GSS code."""
        cached = self._rows.get(gss_code)
        if cached is not None:
            return cached
        kind = self.kind_of.get(gss_code)
        row: dict[str, Neighbour] = {}
        if kind is not None:
            row = self._compute_row(kind, self._position[gss_code])
        self._rows[gss_code] = row
        return row

    def _compute_row(self, kind: str, i: int) -> dict[str, Neighbour]:
        """One organisation against every other of its kind. Per group: the mean
        squared difference over the columns both have; the distance is the root
        mean square over the groups both have; a group either side lacks is
        named as missing (unless neither has it)."""
        codes = self.members[kind]
        n = len(codes)
        total = np.zeros(n)
        used_count = np.zeros(n, dtype=np.int64)
        used_bits = np.zeros(n, dtype=np.int64)
        missing_bits = np.zeros(n, dtype=np.int64)
        for group, matrix in self._matrices[kind]:
            bit = 1 << GROUPS.index(group)
            diff = matrix - matrix[i]
            common = ~np.isnan(diff)
            count = common.sum(axis=1)
            have = count > 0
            squares = np.where(common, diff * diff, 0.0).sum(axis=1)
            total[have] += squares[have] / count[have]
            used_count += have
            used_bits[have] |= bit
            either = (~np.isnan(matrix)).any(axis=1) | bool((~np.isnan(matrix[i])).any())
            missing_bits[either & ~have] |= bit
        comparable = used_count > 0
        comparable[i] = False
        others = np.flatnonzero(comparable)
        if not others.size:
            return {}
        distance = np.sqrt(total[others] / used_count[others])
        order = others[np.argsort(distance, kind="stable")]  # ties by GSS code (members sorted)
        distance_of = np.zeros(n)
        distance_of[others] = distance
        furthest = float(distance_of[order[-1]])
        names: dict[int, tuple[str, ...]] = {}

        def groups_of(bits: int) -> tuple[str, ...]:
            if bits not in names:
                names[bits] = tuple(g for k, g in enumerate(GROUPS) if bits & (1 << k))
            return names[bits]

        # Plain lists for the loop: indexing a NumPy array one element at a time is slow.
        distances, used, missing = distance_of.tolist(), used_bits.tolist(), missing_bits.tolist()
        row: dict[str, Neighbour] = {}
        for rank, j in enumerate(order.tolist(), start=1):
            likeness = 1.0 - distances[j] / furthest if furthest > 0 else 1.0
            row[codes[j]] = Neighbour(
                codes[j], likeness, rank, groups_of(used[j]), groups_of(missing[j])
            )
        return row

    def nearest(self, gss_code: str, n: int = NEAREST) -> list[Neighbour]:
        """The n most alike, most alike first."""
        return sorted(self.row(gss_code).values(), key=lambda x: x.rank)[:n]


def groups_phrase(groups: Sequence[str]) -> str:
    """("size", "density", "spend") -> "size, density and spend"."""
    nouns = [GROUP_NOUNS[g] for g in groups]
    if not nouns:
        return ""
    if len(nouns) == 1:
        return nouns[0]
    return f"{', '.join(nouns[:-1])} and {nouns[-1]}"
