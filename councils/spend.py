"""Spend over time, as pure functions: no ORM, no settings.

Three questions the profile page and matching both ask, answered once here:

* Which financial years lie between the first and the last file we hold, so a
  year with no file (2018-19 to 2020-21) is shown as a gap, never filled in.
* What a successor's predecessors reported for a year before it existed, and
  whether those figures may be added up: a predecessor whose area was split
  between successors (Cumbria, Northamptonshire) cannot be divided, so any year
  it is part of has no total, and one not received leaves the total unknown.
* Which year two organisations can be compared on: the newest both report.

Figures are £ thousands; `None` means a return that was not received.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

N = TypeVar("N", Decimal, float)


def financial_years(years: Iterable[str]) -> list[str]:
    """Every financial year from the oldest to the newest given, oldest first:
    ["2017-18", "2018-19", ..., "2024-25"] from {"2017-18", "2024-25"}."""
    starts = [int(y[:4]) for y in years]
    if not starts:
        return []
    return [f"{y}-{(y + 1) % 100:02d}" for y in range(min(starts), max(starts) + 1)]


@dataclass(frozen=True)
class Part(Generic[N]):
    """One predecessor's figure for one year and line."""

    gss_code: str
    name: str
    split: bool  # its area went to more than one successor
    value: N | None


@dataclass(frozen=True)
class Combined(Generic[N]):
    """Predecessors' figures for a year; `total` only when they may be added up."""

    parts: tuple[Part[N], ...]
    total: N | None
    reason: str  # why there is no total ("" when there is one)

    @property
    def split_parts(self) -> tuple[Part[N], ...]:
        return tuple(p for p in self.parts if p.split)


def combine(parts: Sequence[Part[N]]) -> Combined[N]:
    """Add up the predecessors' figures for one year, unless a split predecessor
    is among them (never summed into either successor) or one sent no return."""
    ordered = tuple(sorted(parts, key=lambda p: (p.name, p.gss_code)))
    split = [p.name for p in ordered if p.split]
    if split:
        return Combined(
            ordered,
            None,
            f"{_and(split)} covered more than this council's area, so "
            f"{'its figures are' if len(split) == 1 else 'their figures are'} not added in",
        )
    missing = [p.name for p in ordered if p.value is None]
    if missing:
        return Combined(ordered, None, f"no return from {_and(missing)}")
    values = [p.value for p in ordered if p.value is not None]
    if not values:
        return Combined(ordered, None, "no figures")
    total = values[0]
    for value in values[1:]:
        total += value
    return Combined(ordered, total, "")


@dataclass(frozen=True)
class YearChoice(Generic[N]):
    """The year two organisations are compared on, and who lacks the newest year."""

    year: str | None  # None: no year in which both report
    origin: N | None
    candidate: N | None
    newest: str  # the newest year in the data we hold
    origin_lacks_newest: bool
    candidate_lacks_newest: bool


def comparison_year(
    origin: Mapping[str, N | None], candidate: Mapping[str, N | None], newest: str
) -> YearChoice[N]:
    """The newest year in which both report a figure (a missing return is skipped,
    so an older year is compared rather than none); and whether either lacks
    `newest`, so the sentence can say "no 2024-25 return"."""
    year = next(
        (
            y
            for y in sorted(origin, reverse=True)
            if origin[y] is not None and candidate.get(y) is not None
        ),
        None,
    )
    return YearChoice(
        year=year,
        origin=origin[year] if year else None,
        candidate=candidate[year] if year else None,
        newest=newest,
        origin_lacks_newest=bool(newest) and origin.get(newest) is None,
        candidate_lacks_newest=bool(newest) and candidate.get(newest) is None,
    )


def _and(names: Sequence[str]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


# --- Chart geometry --------------------------------------------------------------------
# The trend chart is an SVG drawn by the template (templates/councils/_spend_trend.html)
# from these numbers: attributes, not style attributes, which the CSP refuses.

TREND_SLOT = 24  # px per financial year
TREND_HEIGHT = 40
TREND_BAR = 16  # bar width inside its slot


@dataclass(frozen=True)
class Bar:
    x: int
    y: float
    width: int
    height: float


def trend_geometry(values: Sequence[Decimal | None]) -> tuple[float, list[Bar | None]]:
    """(y of the zero line, one bar or None per slot), scaled so the largest
    magnitude fills the chart; negative figures hang below the zero line. A
    missing value gets no bar: nothing is interpolated."""
    known = [v for v in values if v is not None]
    top = max([v for v in known if v > 0], default=Decimal(0))
    bottom = min([v for v in known if v < 0], default=Decimal(0))
    span = top - bottom
    if span == 0:
        return float(TREND_HEIGHT), [None for _ in values]
    scale = TREND_HEIGHT / float(span)
    zero = float(top) * scale
    bars: list[Bar | None] = []
    for i, value in enumerate(values):
        x = i * TREND_SLOT + (TREND_SLOT - TREND_BAR) // 2
        if value is None or value == 0:
            bars.append(None)
            continue
        height = max(abs(float(value)) * scale, 1.0)  # a tiny figure still shows
        y = zero - height if value > 0 else zero
        bars.append(Bar(x, round(y, 2), TREND_BAR, round(height, 2)))
    return round(zero, 2), bars
