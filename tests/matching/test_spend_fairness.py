"""Spend that is fair, on the real imported data (issue 14, point 4): the newest
year both report, a successor's predecessors' combined figures for the years
before it existed, a split county never summed, and missing spend neutral."""

import pytest

from councils.models import Authority, SpendRecord
from matching import scoring as matching
from matching.selectors import matching_weights, partner_ranking
from offers.models import Service

pytestmark = pytest.mark.django_db

BIRMINGHAM, SOMERSET, CUMBERLAND = "E08000025", "E06000066", "E06000063"


def _suggestion(origin: str, candidate: str, service_slug: str) -> matching.Suggestion:
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code=origin),
        service=Service.objects.select_related("family").get(slug=service_slug),
    )
    return next(s for s in ranking.suggestions if s.body.gss_code == candidate)


def _figure(gss: str, line: str, year: str) -> float:
    value = SpendRecord.objects.get(
        authority__gss_code=gss, line__code=line, year=year
    ).net_expenditure_thousands
    assert value is not None
    return float(value)


def test_both_reporting_compare_the_newest_year() -> None:
    s = _suggestion("E07000223", "E07000229", "legal-services")  # Adur and Worthing
    assert s.spend.year == "2024-25"
    assert s.spend.origin_thousands == _figure("E07000223", "690", "2024-25")
    assert s.spend_sentence.startswith("Spend on central services (2024-25)")


def test_a_successor_uses_its_predecessors_combined_figures_before_it_existed() -> None:
    # Birmingham's newest return is 2021-22; Somerset Council began in April 2023.
    s = _suggestion(BIRMINGHAM, SOMERSET, "legal-services")
    assert s.spend.year == "2021-22"
    somerset = Authority.objects.get(gss_code=SOMERSET)
    predecessors = SpendRecord.objects.filter(
        authority__in=somerset.predecessors.all(), line__code="690", year="2021-22"
    )
    assert predecessors.count() == 5  # the county and four districts
    combined = sum(float(r.net_expenditure_thousands or 0) for r in predecessors)
    assert s.spend.candidate_thousands == pytest.approx(combined)
    assert s.spend_sentence.startswith(
        "No 2024-25 return from Birmingham: compared on 2021-22, the newest year both report."
    )
    assert "the combined figures of Somerset's 5 predecessors" in s.spend_sentence
    assert dict(s.points)["spend"] > 0


def test_a_split_county_is_never_summed_and_missing_spend_is_neutral() -> None:
    # Cumberland sent no 2024-25 return; for 2021-22 and 2022-23 its predecessors
    # include Cumbria, split with Westmorland and Furness, so there is no sum.
    s = _suggestion(BIRMINGHAM, CUMBERLAND, "legal-services")
    # Birmingham reports 2017-18 and 2021-22 only; Cumberland's figures for those
    # years would need Cumbria's: no year both report.
    assert s.spend.similarity is None
    neutral = matching_weights().weight("spend") * matching.NEUTRAL_SPEND_FEATURE
    assert dict(s.points)["spend"] == pytest.approx(neutral)
    assert neutral > 0
    assert s.spend_sentence == (
        "Spend not compared: no 2024-25 return from Birmingham or Cumberland, and no "
        "earlier year both report; counted as neutral (half this factor's points), "
        "not against either."
    )
