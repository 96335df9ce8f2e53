"""Chart geometry for /market/ (api.charts): pure, no database."""

from api.charts import (
    BAR_MAX,
    COLUMN_PLOT,
    Series,
    bar_chart,
    column_chart,
    months_between,
    pounds,
)

OFFERS = Series("offer", "Offers", "offer", "offers")
NEEDS = Series("need", "Needs", "need", "needs")


def test_bars_share_one_scale_and_say_their_figures_in_words():
    chart = bar_chart(
        title="Offers and needs",
        categories=["Waste", "Planning"],
        series=[OFFERS, NEEDS],
        values=[[4, 1], [2, 0]],
    )
    waste, planning = chart.rows
    assert [b.width for b in waste.bars] == [BAR_MAX, BAR_MAX / 4]
    assert [b.width for b in planning.bars] == [BAR_MAX / 2, 0]
    assert [b.text for b in waste.bars] == ["4 offers", "1 need"]
    assert planning.bars[1].text == "0 needs"
    # Rows stack downwards without overlapping, and the chart is tall enough for them.
    assert planning.lines[0][1] > waste.bars[-1].top
    assert chart.height > planning.bars[-1].top
    assert chart.summary.startswith("Bar chart. Offers and needs, 2 rows: most offers in Waste")
    assert "most needs in Waste (1 need)" in chart.summary


def test_long_labels_wrap_to_fit_a_phone():
    chart = bar_chart(
        title="t",
        categories=["Environmental health, trading standards and licensing"],
        series=[OFFERS],
        values=[[1]],
    )
    lines = chart.rows[0].lines
    assert len(lines) == 2 and all(len(text) <= 30 for text, _y in lines)
    assert lines[1][1] > lines[0][1] and chart.rows[0].bars[0].top > lines[1][1]


def test_an_empty_chart_says_so():
    assert bar_chart(title="Savings", categories=[], series=[OFFERS], values=[]).summary == (
        "Savings: nothing to show yet."
    )
    empty = column_chart(title="Listings", periods=[], series=[OFFERS], values=[])
    assert empty.columns == [] and empty.summary == "Listings: nothing to show yet."


def test_columns_leave_a_gap_for_an_empty_period_and_the_tallest_fills_the_plot():
    months = months_between("2025-11", "2026-02")
    assert months == ["2025-11", "2025-12", "2026-01", "2026-02"]
    chart = column_chart(
        title="Listings",
        periods=months,
        series=[OFFERS, NEEDS],
        values=[[2, 1], [0, 0], [4, 0], [1, 1]],
    )
    assert len(chart.columns) == 5  # no column for a zero
    tallest = max(chart.columns, key=lambda c: c.height)
    assert tallest.height == COLUMN_PLOT and tallest.top == chart.plot_top
    assert all(c.x >= 0 and c.x + c.width <= 100 for c in chart.columns)
    slot = 100 / 12  # four months take a third of the width, not all of it
    assert not any(slot <= c.x < 2 * slot for c in chart.columns)  # December is empty
    assert max(c.x + c.width for c in chart.columns) < 4 * slot
    assert (chart.first, chart.last, chart.top_figure) == ("2025-11", "2026-02", "4")
    assert "9 offers and needs" not in chart.summary
    assert "7 offers and 2 needs in all" in chart.summary
    assert "the most in one period was 4, in 2026-01" in chart.summary


def test_pounds_reads_like_a_person_would():
    assert pounds(950) == "£950"
    assert pounds(120000) == "£120,000"
    assert pounds(1_240_000) == "£1.2 million"
    assert pounds(2_000_000) == "£2 million"
