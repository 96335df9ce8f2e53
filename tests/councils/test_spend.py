"""councils/spend.py: years, predecessors' sums and the comparison year, without a database."""

from decimal import Decimal

from councils.spend import (
    TREND_HEIGHT,
    Part,
    combine,
    comparison_year,
    financial_years,
    trend_geometry,
)


def test_financial_years_fill_the_years_between_files():
    assert financial_years({"2024-25", "2017-18", "2021-22"}) == [
        "2017-18",
        "2018-19",
        "2019-20",
        "2020-21",
        "2021-22",
        "2022-23",
        "2023-24",
        "2024-25",
    ]
    assert financial_years(["1999-00"]) == ["1999-00"]
    assert financial_years([]) == []


def test_whole_predecessors_are_summed():
    combined = combine(
        [
            Part("E07000187", "Mendip", False, Decimal("10.5")),
            Part("E10000027", "Somerset", False, Decimal("100")),
        ]
    )
    assert combined.total == Decimal("110.5")
    assert combined.reason == ""
    assert [p.name for p in combined.parts] == ["Mendip", "Somerset"]


def test_a_split_predecessor_is_never_summed():
    combined = combine(
        [
            Part("E07000028", "Carlisle", False, 5.0),
            Part("E10000006", "Cumbria", True, 500.0),
        ]
    )
    assert combined.total is None
    assert combined.reason == (
        "Cumbria covered more than this council's area, so its figures are not added in"
    )
    assert [p.name for p in combined.split_parts] == ["Cumbria"]


def test_a_predecessor_without_a_return_leaves_no_total():
    combined = combine(
        [Part("a", "Copeland", False, None), Part("b", "Eden", False, Decimal("3.0"))]
    )
    assert combined.total is None
    assert combined.reason == "no return from Copeland"


def test_comparison_year_is_the_newest_both_report():
    origin = {"2024-25": 1.0, "2023-24": 2.0, "2021-22": 3.0}
    candidate = {"2024-25": None, "2023-24": 5.0, "2021-22": 6.0}
    choice = comparison_year(origin, candidate, "2024-25")
    assert (choice.year, choice.origin, choice.candidate) == ("2023-24", 2.0, 5.0)
    assert choice.candidate_lacks_newest and not choice.origin_lacks_newest


def test_comparison_year_is_none_when_no_year_is_shared():
    choice = comparison_year({"2024-25": 1.0}, {"2017-18": 2.0}, "2024-25")
    assert choice.year is None
    assert choice.origin is None and choice.candidate is None
    assert choice.candidate_lacks_newest


def test_trend_geometry_draws_no_bar_for_a_missing_year_and_hangs_negatives():
    zero, bars = trend_geometry([Decimal(30), None, Decimal(-10), Decimal(0)])
    assert zero == TREND_HEIGHT * 30 / 40
    assert bars[1] is None and bars[3] is None  # not received, and zero
    up, down = bars[0], bars[2]
    assert up is not None and down is not None
    assert up.y + up.height == zero  # rises to the zero line
    assert down.y == zero and down.height == TREND_HEIGHT * 10 / 40
    assert trend_geometry([None, None]) == (TREND_HEIGHT, [None, None])
