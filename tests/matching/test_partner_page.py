"""Find a partner on the real reference data (issue 14): the county-district link,
"Why not higher?", the kind filter, most similar organisations on a profile."""

import pytest
from django.test import Client

from councils.models import Authority
from matching.selectors import most_similar, partner_ranking
from offers.models import Service
from tests.offers.factories import ADUR, WEST_SUSSEX

pytestmark = pytest.mark.django_db
URL = "/listings/partners/"
WORTHING = "E07000229"
WEST_SUSSEX_DISTRICTS = {
    "E07000223",
    "E07000224",
    "E07000225",
    "E07000226",
    "E07000227",
    "E07000228",
    "E07000229",
}


def _ranking(gss: str, slug: str) -> list[str]:
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code=gss),
        service=Service.objects.select_related("family").get(slug=slug),
    )
    return [s.body.gss_code for s in ranking.suggestions]


def test_a_county_ranks_its_own_districts_near_the_top_for_a_back_office_service() -> None:
    order = _ranking(WEST_SUSSEX, "ict-infrastructure-and-support")
    top10 = set(order[:10])
    # An officer expects the county's seven districts among its first ten (today's
    # distance alone puts them 3rd-10th; the old scorer put them 12th-14th).
    assert top10 >= WEST_SUSSEX_DISTRICTS


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Under the fitted v3 weights West Sussex ranks 8th for Adur's ICT (80.9 points), "
        "after Worthing and the five other West Sussex districts and Brighton and Hove: "
        "the fit gives two districts of one county 17.6 points and a county and its own "
        "district 10.4 (v1: 10 and 18). Reported, not fixed by bending the weights."
    ),
)
def test_a_district_sees_its_county_in_its_first_five_for_a_back_office_service() -> None:
    order = _ranking(ADUR, "ict-infrastructure-and-support")
    assert WEST_SUSSEX in order[:5]
    assert order[0] == WORTHING


def test_why_not_higher_is_a_details_element_naming_what_the_one_above_has(
    client: Client,
) -> None:
    html = client.get(URL, {"council": ADUR, "service": "building-control"}).content.decode()
    assert html.count(">Why not higher?</span>") == 24  # every shown candidate but the first
    second = html[html.index(f'id="partner-{html_second(html)}"') :]
    details = second[: second.index("</details>")]
    assert "<summary" in details and "ranked above, scores" in details


def html_second(html: str) -> str:
    start = html.index('class="app-partner" id="partner-') + len('class="app-partner" id="partner-')
    first = html[start : start + 9]
    rest = html[start + 9 :]
    start = rest.index('class="app-partner" id="partner-') + len('class="app-partner" id="partner-')
    assert first != rest[start : start + 9]
    return rest[start : start + 9]


def test_the_kind_filter_ranks_only_that_kind(client: Client) -> None:
    all_kinds = client.get(URL, {"council": ADUR, "service": "payroll"})
    councils = client.get(URL, {"council": ADUR, "service": "payroll", "kind": "council"})
    assert all_kinds.status_code == councils.status_code == 200
    assert "council only)" in councils.content.decode()
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code=ADUR),
        service=Service.objects.select_related("family").get(slug="payroll"),
        only_kinds=frozenset({"fire"}),
    )
    assert all(s.body.kind == "fire" for s in ranking.suggestions)
    bad = client.get(URL, {"council": ADUR, "service": "payroll", "kind": "dragons"})
    assert "Select a kind of organisation from the list" in bad.content.decode()


def test_a_profile_lists_its_most_similar_organisations(
    client: Client, django_assert_max_num_queries: object, steady_generations: None
) -> None:
    similar = most_similar(authority=Authority.objects.get(gss_code=ADUR))
    assert len(similar) == 5
    assert all(x.body.kind == "council" and x.body.gss_code != ADUR for x in similar)
    ranks = [x.neighbour.rank for x in similar]
    assert ranks == [1, 2, 3, 4, 5]
    client.get(f"/councils/{ADUR}/")  # warm the snapshot
    with django_assert_max_num_queries(25):  # type: ignore[operator]
        html = client.get(f"/councils/{ADUR}/").content.decode()
    assert "Most similar organisations" in html
    assert similar[0].body.name in html


KENT_FIRE, KENT_POLICE = "E31000022", "E23000032"


def test_a_fire_authority_ranks_its_police_force_area_with_the_overlap_sentence(
    client: Client,
) -> None:
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code=KENT_FIRE),
        service=Service.objects.select_related("family").get(
            slug="emergency-services-control-rooms"
        ),
    )
    by_code = {s.body.gss_code: (rank, s) for rank, s in enumerate(ranking.suggestions, 1)}
    rank, police = by_code[KENT_POLICE]
    assert rank <= 3
    assert "Covers the same area as Kent Combined Fire and Rescue Authority." in police.reasons
    assert any("Policing and Crime Act 2017" in r for r in police.reasons)
    # Neighbouring fire authorities border it through their districts.
    for neighbour in ("E31000014", "E31000035"):  # East Sussex, Surrey
        assert dict(by_code[neighbour][1].points)["boundary"] > 0
    html = client.get(
        URL, {"council": KENT_FIRE, "service": "emergency-services-control-rooms"}
    ).content.decode()
    assert "Covers the same area as Kent Combined Fire and Rescue Authority." in html


def test_a_fire_authority_sees_the_councils_it_covers_and_its_combined_authority() -> None:
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code="E31000045"),  # West Yorkshire fire
        service=Service.objects.select_related("family").get(slug="ict-infrastructure-and-support"),
    )
    by_code = {s.body.gss_code: s for s in ranking.suggestions}
    combined = by_code["E47000003"]
    assert "overlap" in dict(combined.points)
    leeds = by_code["E08000035"]
    assert "Its area lies within West Yorkshire" in " ".join(leeds.reasons)
    assert "E31000045" not in by_code


def test_a_county_map_draws_its_districts_and_outlines_its_own_area(client: Client) -> None:
    response = client.get(
        URL, {"council": WEST_SUSSEX, "service": "ict-infrastructure-and-support"}
    )
    data = response.context["map_data"]
    assert data["layer"] == "ltla"
    assert set(data["areas"][WEST_SUSSEX]) == WEST_SUSSEX_DISTRICTS
    ranked = {row[0] for row in data["ranked"]}
    assert ranked >= WEST_SUSSEX_DISTRICTS


def test_an_organisation_with_no_location_says_distance_is_unknown(client: Client) -> None:
    park = Authority.objects.filter(kind="park", latitude__isnull=True).order_by("gss_code").first()
    assert park is not None
    html = client.get(
        URL, {"council": park.gss_code, "service": "ict-infrastructure-and-support"}
    ).content.decode()
    assert "Distance is unknown" in html
    assert "Distance unknown (no location recorded)" in html


def test_a_fire_area_run_by_a_council_says_who_runs_it(client: Client) -> None:
    html = client.get(
        URL, {"council": ADUR, "service": "ict-infrastructure-and-support", "kind": "fire"}
    ).content.decode()
    assert "Its service is run by West Sussex County Council." in html


def test_a_saving_without_figures_says_not_enough_data_once_and_what_is_missing(
    client: Client,
) -> None:
    """Emergency services control rooms have no revenue outturn line: each
    suggestion says why there is no estimate, without "Not enough data (Not enough
    data: ...)" as the page once printed."""
    bedfordshire_fire = "E31000002"
    html = client.get(
        URL, {"council": bedfordshire_fire, "service": "emergency-services-control-rooms"}
    ).content.decode()
    text = " ".join(html.split())
    assert text.count("Not enough data to estimate savings: each organisation needs") >= 10
    assert "Not enough data <span" not in text
    assert "(Not enough data" not in text
