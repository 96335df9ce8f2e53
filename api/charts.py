"""Chart geometry for /market/: plain numbers the templates draw as SVG.

Pure (no ORM, no settings), so the geometry is tested without a database.

Why percentages and no viewBox: a chart scaled down by a viewBox shrinks its
text with it, and at 320 px a label would be unreadable. Here every horizontal
position is a percentage of the chart's own width and every vertical one is in
pixels, so the chart is as wide as its column, the bars stretch or shrink, and
the text stays at the stylesheet's size. Labels too long for a phone's width
are wrapped here into lines, because SVG text does not wrap. Colours come from
the stylesheet's classes (the CSP refuses style attributes); each chart's
table is its accessible alternative and the `summary` is read out in place of
the drawing.
"""

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

LABEL_CHARS = 30  # a line of 16 px text in a 290 px column (320 px less the margins)
LABEL_LINE = 20  # px between label lines
BAR_HEIGHT = 16
BAR_STEP = 22  # px from one bar's top to the next in a row
ROW_GAP = 12
BAR_MAX = 60.0  # % of the width the longest bar fills: the rest holds its figure

COLUMN_PLOT = 150  # px of a column chart's plot area
COLUMN_TOP = 44  # px above the plot: the legend and the top figure
COLUMN_BOTTOM = 28  # px below the plot: the first and last labels
COLUMN_FILL = 0.8  # share of a slot its bars fill
MIN_SLOTS = 12


@dataclass(frozen=True)
class Series:
    """One measure a chart draws: its CSS modifier and how a figure of it reads."""

    key: str
    label: str  # for the legend: "Offers"
    one: str  # "offer"
    many: str  # "offers"
    money: bool = False

    def reads(self, value: float) -> str:
        """The figure beside a bar: "12 offers", "£1.2 million a year"."""
        if self.money:
            return f"{pounds(value)} {self.many}".rstrip()
        return f"{value:,.0f} {self.one if value == 1 else self.many}".rstrip()


@dataclass(frozen=True)
class Bar:
    series: str
    top: int  # px
    width: float  # % of the chart's width
    text: str
    text_y: int  # px, the baseline of the figure beside the bar


@dataclass(frozen=True)
class BarRow:
    lines: list[tuple[str, int]]  # (a line of the label, its baseline in px)
    bars: list[Bar]


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one row per category, one bar per series in a row."""

    rows: list[BarRow]
    height: int
    summary: str
    kind: str = "bars"


@dataclass(frozen=True)
class Column:
    series: str
    x: float  # %
    width: float  # %
    top: float  # px
    height: float  # px


@dataclass(frozen=True)
class ColumnChart:
    """Columns along a time axis, every period between the first and last drawn
    (a period with nothing gets no column, so a gap shows as a gap)."""

    columns: list[Column]
    legend: list[tuple[str, str, int]]  # (series key, label, x in px)
    first: str
    last: str
    last_x: float  # %, where the last label ends
    top_figure: str
    plot_top: int
    plot_bottom: int
    height: int
    summary: str
    kind: str = "columns"


def pounds(value: float) -> str:
    """£950, £12,000, £1.2 million."""
    if value >= 1_000_000:
        return f"£{value / 1_000_000:,.1f} million".replace(".0 million", " million")
    return f"£{value:,.0f}"


def _and(parts: Sequence[str]) -> str:
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
    skip_empty: bool = False,
) -> BarChart:
    """`values[i][j]`: category i's figure for series j. Bars share one scale, the
    largest figure filling BAR_MAX per cent of the width. `skip_empty` leaves out
    the rows that are all zero (the table still lists them; the label says so)."""
    everything = len(categories)
    if skip_empty:
        kept = [i for i, row in enumerate(values) if any(row)]
        categories = [categories[i] for i in kept]
        values = [values[i] for i in kept]
    top = max((v for row in values for v in row), default=0) or 1
    rows: list[BarRow] = []
    y = 0
    for category, figures in zip(categories, values, strict=True):
        wrapped = textwrap.wrap(category, LABEL_CHARS) or [""]
        lines = [(line, y + 16 + i * LABEL_LINE) for i, line in enumerate(wrapped)]
        y += 6 + len(wrapped) * LABEL_LINE
        bars = []
        for s, value in zip(series, figures, strict=True):
            bars.append(Bar(s.key, y, round(value / top * BAR_MAX, 2), s.reads(value), y + 13))
            y += BAR_STEP
        rows.append(BarRow(lines, bars))
        y += ROW_GAP
    summary = _bar_summary(title, categories, series, values)
    if len(categories) < everything:
        summary = summary.replace(
            " The table below",
            f" {everything - len(categories)} rows with none are not drawn; the table below",
        )
    return BarChart(rows, max(y, 1), summary)


def _bar_summary(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
) -> str:
    if not categories:
        return f"{title}: nothing to show yet."
    if len(series) == 1:
        # One measure: read every figure out (these charts have a few rows).
        s = series[0]
        parts = [f"{c}: {s.reads(row[0])}" for c, row in zip(categories, values, strict=True)]
        return f"Bar chart. {title}. {'; '.join(parts)}. The table below gives every figure."
    parts = []
    for j, s in enumerate(series):
        if not sum(row[j] for row in values):
            parts.append(f"no {s.many}")
            continue
        best = max(range(len(categories)), key=lambda i: values[i][j])
        parts.append(f"most {s.many} in {categories[best]} ({s.reads(values[best][j])})")
    return (
        f"Bar chart. {title}, {len(categories)} rows: {_and(parts)}. "
        "The table below gives every figure."
    )


def column_chart(
    *,
    title: str,
    periods: Sequence[str],
    series: Sequence[Series],
    values: Sequence[Sequence[float]],
) -> ColumnChart:
    """`periods` in order, every one between the first and the last (see
    `months_between` and `years_between`); `values[i][j]` as in bar_chart."""
    n = len(periods)
    top = max((v for row in values for v in row), default=0)
    scale = COLUMN_PLOT / top if top else 0
    # At least MIN_SLOTS wide slots' worth of width is shared out, so two months are
    # two columns of a sensible width, not two halves of the chart.
    slot = 100 / max(n, MIN_SLOTS)
    width = slot * COLUMN_FILL / max(len(series), 1)
    columns = []
    bottom = COLUMN_TOP + COLUMN_PLOT
    for i, figures in enumerate(values):
        for j, (s, value) in enumerate(zip(series, figures, strict=True)):
            if not value:
                continue
            height = max(value * scale, 1.0)  # a single listing still shows
            x = i * slot + slot * (1 - COLUMN_FILL) / 2 + j * width
            columns.append(Column(s.key, round(x, 3), round(width, 3), bottom - height, height))
    legend = [(s.key, s.label, j * 100) for j, s in enumerate(series)] if len(series) > 1 else []
    totals = [sum(row[j] for row in values) for j in range(len(series))]
    if n and top:
        busiest = max(range(n), key=lambda i: sum(values[i]))
        summary = (
            f"Column chart. {title}, from {periods[0]} to {periods[-1]}: "
            f"{_and([s.reads(t) for s, t in zip(series, totals, strict=True)])} in all; "
            f"the most in one period was {sum(values[busiest]):,.0f}, in {periods[busiest]}. "
            "The table below gives every figure."
        )
    else:
        summary = f"{title}: nothing to show yet."
    return ColumnChart(
        columns=columns,
        legend=legend,
        first=periods[0] if periods else "",
        last=periods[-1] if n > 1 else "",
        last_x=round(max(n * slot, 50.0), 3),
        top_figure=f"{top:,.0f}",
        plot_top=COLUMN_TOP,
        plot_bottom=bottom,
        height=bottom + COLUMN_BOTTOM,
        summary=summary,
    )


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` inclusive, as "YYYY-MM"."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def years_between(first: int, last: int) -> list[int]:
    return list(range(first, last + 1))
