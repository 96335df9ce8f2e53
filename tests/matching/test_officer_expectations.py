"""Where an officer would expect three kinds of partner to rank, with the weights in use,
against the real imported organisations: a county's own districts, a successor council
among its neighbours, and a council that already runs the service for others."""

import pytest

from councils.models import Authority
from matching.models import SharedArrangement
from matching.scoring import Ranking
from matching.selectors import partner_ranking
from offers.models import Service
from tests.offers.factories import ADUR, ARUN, WEST_SUSSEX

pytestmark = pytest.mark.django_db
WEST_SUSSEX_DISTRICTS = {
    ADUR,
    ARUN,
    "E07000225",  # Chichester
    "E07000226",  # Crawley
    "E07000227",  # Horsham
    "E07000228",  # Mid Sussex
    "E07000229",  # Worthing
}
DORSET, NORTH_SOMERSET, SOMERSET = "E06000059", "E06000024", "E06000066"


def _ranking(gss: str, slug: str) -> Ranking:
    return partner_ranking(
        authority=Authority.objects.get(gss_code=gss),
        service=Service.objects.select_related("family").get(slug=slug),
    )


def _codes(ranking: Ranking) -> list[str]:
    return [s.body.gss_code for s in ranking.suggestions]


def test_a_county_ranks_its_own_districts_in_its_top_ten_with_the_two_tier_sentence() -> None:
    ranking = _ranking(WEST_SUSSEX, "payroll")  # every tier runs payroll
    top = ranking.suggestions[:10]
    assert {s.body.gss_code for s in top} >= WEST_SUSSEX_DISTRICTS
    horsham = next(s for s in top if s.body.gss_code == "E07000227")
    assert (
        "Horsham is one of West Sussex's districts: the same residents, two tiers."
        in horsham.reasons
    )


@pytest.mark.parametrize(
    "asker",
    [
        DORSET,
        pytest.param(
            NORTH_SOMERSET,
            marks=pytest.mark.xfail(
                strict=True,
                reason=(
                    "Under the fitted v3 weights Somerset ranks 4th for North Somerset "
                    "(71.8 points), 0.7 behind South Gloucestershire (72.5), 2 km nearer and "
                    "not a neighbour: v3 gives a boundary at most 7.8 points and Somerset's "
                    "is the shortest of North Somerset's boundaries (3.9). Reported, not "
                    "fixed by bending the weights (issue 14)."
                ),
            ),
        ),
    ],
)
def test_a_successor_council_ranks_among_the_first_three_for_its_neighbours(asker: str) -> None:
    """Somerset Council (2023, from five councils) has no spend return of its own for
    the older years: it must still rank with the neighbours it borders."""
    ranking = _ranking(asker, "building-control")
    assert SOMERSET in _codes(ranking)[:3]
    somerset = next(s for s in ranking.suggestions if s.body.gss_code == SOMERSET)
    assert "boundary" in dict(somerset.points)


def test_a_council_that_runs_the_service_for_others_rises_past_nearer_ones() -> None:
    service = Service.objects.select_related("family").get(slug="building-control")
    before = _codes(_ranking(ADUR, "building-control"))
    hub_code = before[14]  # a council an officer would not look at first
    others = before[30:36]
    hub = SharedArrangement.objects.create(
        name="Test Building Control Hub", service=service, source_url="https://example.org/"
    )
    hub.members.set(Authority.objects.filter(gss_code__in=[hub_code, *others]))
    after = _ranking(ADUR, "building-control")
    assert _codes(after).index(hub_code) < 14 - 3  # past at least three nearer councils
    found = next(s for s in after.suggestions if s.body.gss_code == hub_code)
    assert (
        "Already shares building control with 6 organisations (Test Building Control Hub)."
        in found.reasons
    )
