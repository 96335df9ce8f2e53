"""matching/savings.py without a database: the base of an estimate (the service's
own cost, or its spend line as an upper bound), the whole-organisation estimate,
and the property that no estimate exceeds the cost it is a share of."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.savings import (
    CostBase,
    SavingsRate,
    cost_base,
    estimate_service_savings,
    estimate_whole_organisation,
)

RATE = SavingsRate(10.0, 20.0, "2 cited savings", family="ICT and digital")


def _base(name: str, own: float | None, line: float | None) -> CostBase | None:
    return cost_base(
        name=name,
        own=(own, "own figure for the service (2025-26)") if own is not None else None,
        line_thousands=line,
        line_name="Central services",
        year="2024-25",
    )


def _estimate(a: CostBase | None, b: CostBase | None, rate: SavingsRate = RATE):
    return estimate_service_savings(
        origin=a, candidate=b, rate=rate, year="2024-25", line_name="Central services", missing="x"
    )


def test_the_services_own_cost_is_the_base_when_both_know_it():
    estimate = _estimate(_base("Adur", 180_000, 3_900), _base("Worthing", 150_000, 3_600))
    assert (estimate.low_gbp, estimate.high_gbp) == (pytest.approx(33_000), pytest.approx(66_000))
    assert not estimate.upper_bound
    assert estimate.display == "£33,000 to £66,000 a year"
    assert "Adur's own figure for the service (2025-26)" in estimate.sentence
    assert "upper bound" not in estimate.sentence


def test_a_spend_line_base_is_an_upper_bound_and_named():
    estimate = _estimate(_base("Adur", 180_000, 3_900), _base("Worthing", None, 3_600))
    assert estimate.upper_bound
    assert estimate.low_gbp == pytest.approx((180_000 + 3_600_000) * 0.10)
    assert estimate.display.startswith("up to ")
    assert "Worthing's whole central services line (2024-25)" in estimate.sentence
    assert "It is an upper bound" in estimate.sentence


def test_no_cost_and_no_positive_line_is_not_enough_data():
    assert _base("Fife", None, None) is None
    assert _base("Adur", None, -20.0) is None
    estimate = _estimate(_base("Adur", 180_000, None), None)
    assert not estimate.enough_data
    assert estimate.display == "Not enough data"


def test_whole_organisation_is_nlgn_rates_of_combined_total_service_expenditure():
    whole = estimate_whole_organisation(
        origin_name="Adur",
        candidate_name="Worthing",
        origin_total_thousands=12_000,
        candidate_total_thousands=18_000,
        year="2024-25",
        rate=SavingsRate(),
    )
    assert (whole.low_gbp, whole.high_gbp) == (pytest.approx(540_000), pytest.approx(1_080_000))
    assert "1.8% to 3.6% of their combined total service expenditure" in whole.sentence
    assert "(revenue outturn line 699, 2024-25)" in whole.sentence
    missing = estimate_whole_organisation(
        origin_name="Adur",
        candidate_name="Fife",
        origin_total_thousands=12_000,
        candidate_total_thousands=None,
        year="",
        rate=SavingsRate(),
    )
    assert not missing.enough_data


costs = st.one_of(st.none(), st.floats(min_value=-1e9, max_value=1e11, allow_nan=False))
rates = st.floats(min_value=0, max_value=1000, allow_nan=False)  # staff may mistype a rate


@given(costs, costs, costs, costs, rates, rates)
def test_an_estimate_never_exceeds_the_combined_cost_of_the_service(
    own_a, line_a, own_b, line_b, low, high
):
    low, high = sorted((low, high))
    a, b = _base("A", own_a, line_a), _base("B", own_b, line_b)
    estimate = _estimate(a, b, SavingsRate(low, high, "test"))
    if a is None or b is None:
        assert not estimate.enough_data
        return
    combined = a.pounds + b.pounds
    assert estimate.low_gbp is not None and estimate.high_gbp is not None
    assert 0 <= estimate.low_gbp <= estimate.high_gbp <= combined


@given(costs, costs, rates)
def test_whole_organisation_never_exceeds_combined_expenditure(a, b, high):
    whole = estimate_whole_organisation(
        origin_name="A",
        candidate_name="B",
        origin_total_thousands=a,
        candidate_total_thousands=b,
        year="2024-25",
        rate=SavingsRate(0.0, high, "test"),
    )
    if whole.enough_data:
        assert whole.high_gbp is not None and a is not None and b is not None
        assert whole.high_gbp <= (a + b) * 1000
