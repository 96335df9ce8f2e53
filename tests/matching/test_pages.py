"""Find a partner page, CSV export, suggested partners and the selector's cache,
against the real imported councils (the evaluation: test_evaluation.py)."""

import csv
import io
import re

import pytest
from django.test import Client

from councils.models import Authority
from matching.models import SavingsAssumption, SharedArrangement
from matching.scoring import FACTORS
from matching.selectors import (
    matching_reference,
    partner_ranking,
    rank_listings_for_authority,
)
from offers.models import Listing, Service
from tests.factories import officer_of
from tests.offers.factories import ADUR, ARUN, WEST_SUSSEX, make_listing

pytestmark = pytest.mark.django_db
WORTHING = "E07000229"
URL = "/listings/partners/"


def test_adur_building_control_ranks_worthing_first_with_reasons(client: Client) -> None:
    response = client.get(URL, {"council": ADUR, "service": "building-control"})
    assert response.status_code == 200
    html = response.content.decode()
    first = html.index('id="partner-')
    assert html[first : first + 30].startswith(f'id="partner-{WORTHING}"')
    assert "shares a boundary" in html
    assert "Estimate" in html and "Shared Necessities" in html
    # West Sussex is a county council: listed as not suggested, with the reason.
    assert "West Sussex is a county council; building control is delivered by district" in html
    assert 'id="partner-map-data"' in html


def test_page_defaults_to_the_officers_council(client: Client) -> None:
    client.force_login(officer_of(ARUN))
    response = client.get(URL)
    assert response.status_code == 200
    assert f'<option value="{ARUN}" selected>' in response.content.decode()


def test_unknown_service_shows_an_error_not_a_ranking(client: Client) -> None:
    response = client.get(URL, {"council": ADUR, "service": "no-such-service"})
    assert response.status_code == 200
    assert "Select a service from the list" in response.content.decode()
    assert response.context["result"] is None


def test_find_partner_queries_do_not_grow_with_listings(
    client: Client, django_assert_max_num_queries: object, steady_generations: None
) -> None:
    for gss in (ARUN, WORTHING, "E07000227", "E07000228"):
        make_listing(authority=Authority.objects.get(gss_code=gss), status=Listing.Status.PUBLISHED)
    client.get(URL, {"council": ADUR, "service": "building-control"})  # warm the process cache
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = client.get(URL, {"council": ADUR, "service": "building-control", "all": "1"})
    assert response.status_code == 200
    assert response.content.decode().count("Live listing</strong>") == 4


def test_csv_export_has_every_eligible_council_with_matching_numbers(client: Client) -> None:
    response = client.get(URL + "export.csv", {"council": ADUR, "service": "building-control"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code=ADUR),
        service=Service.objects.select_related("family").get(slug="building-control"),
    )
    assert len(rows) == len(ranking.suggestions) > 300
    assert [r["gss_code"] for r in rows[:5]] == [s.body.gss_code for s in ranking.suggestions[:5]]
    top = rows[0]
    assert top["gss_code"] == WORTHING and top["shares_boundary"] == "yes"
    points = sum(float(top[f"points_{f}"]) for f in FACTORS)
    assert points == pytest.approx(float(top["score"]), abs=0.05)
    combined = int(top["spend_your_council_gbp"]) + int(top["spend_partner_gbp"])
    low = ranking.rate.low_percent / 100 * combined  # the family's rate of the spend line
    assert int(top["savings_estimate_low_gbp"]) == pytest.approx(low, abs=2)
    assert top["savings_base"].endswith("(upper bound)")
    assert int(top["whole_organisation_low_gbp"]) > 0
    scottish = next(r for r in rows if r["gss_code"].startswith("S"))
    assert scottish["savings_estimate_low_gbp"] == ""


def test_csv_neutralises_formulas_in_listing_titles(client: Client) -> None:
    make_listing(
        authority=Authority.objects.get(gss_code=WORTHING),
        status=Listing.Status.PUBLISHED,
        title="=HYPERLINK(1)",
    )
    response = client.get(URL + "export.csv", {"council": ADUR, "service": "building-control"})
    assert "'=HYPERLINK(1)" in response.content.decode()


def test_csv_without_a_choice_is_not_found(client: Client) -> None:
    assert client.get(URL + "export.csv").status_code == 404


def test_boundaries_are_served_locally(client: Client) -> None:
    response = client.get(URL + "boundaries.json")
    assert response.status_code == 200
    assert b'"ltla"' in response.content[:100_000] or b"ltla" in response.content


def test_listing_limits_apply_to_its_suggested_partners(client: Client) -> None:
    listing = make_listing(
        status=Listing.Status.PUBLISHED,
        partner_scope=Listing.PartnerScope.RADIUS,
        partner_radius_km=15,
    )
    ranking = partner_ranking(authority=listing.authority, service=listing.service, listing=listing)
    assert ranking.suggestions
    assert all(s.distance_km is not None and s.distance_km <= 15 for s in ranking.suggestions)
    assert any("beyond the listing's limit of 15 km" in e.reason for e in ranking.excluded)
    html = client.get(listing.get_absolute_url()).content.decode()
    assert "Suggested partners" in html and "Worthing Borough Council" in html


def test_council_page_suggests_partners_for_services_it_lists(client: Client) -> None:
    make_listing(status=Listing.Status.PUBLISHED)  # Adur, building control
    html = client.get(f"/councils/{ADUR}/").content.decode()
    assert "Suggested partners" in html and "For building control" in html


def test_recorded_arrangements_make_a_hub_and_a_partner_that_already_shares() -> None:
    service = Service.objects.select_related("family").get(slug="building-control")
    ict = Service.objects.get(slug="ict-infrastructure-and-support")
    hub = SharedArrangement.objects.create(
        name="Test Building Control Partnership", service=service, source_url="https://example.org/"
    )
    hub.members.set(Authority.objects.filter(gss_code__in=[ARUN, "E07000225", "E07000229"]))
    together = SharedArrangement.objects.create(
        name="Test ICT Partnership", service=ict, source_url="https://example.org/"
    )
    together.members.set(Authority.objects.filter(gss_code__in=[ADUR, "E07000227"]))
    ranking = partner_ranking(authority=Authority.objects.get(gss_code=ADUR), service=service)
    arun = next(s for s in ranking.suggestions if s.body.gss_code == ARUN)
    assert dict(arun.points)["hub"] > 0
    assert (
        "Already shares building control with 2 organisations "
        "(Test Building Control Partnership)." in arun.reasons
    )
    horsham = next(s for s in ranking.suggestions if s.body.gss_code == "E07000227")
    assert dict(horsham.points)["shares_with_asker"] > 0
    assert "Already shares ICT infrastructure and support (Test ICT Partnership) with Adur." in (
        horsham.reasons
    )
    assert "experienced" not in dict(horsham.points)  # the old "anywhere" signal is gone


def test_adur_asking_for_adult_social_care_names_west_sussex_and_ranks_nothing(
    client: Client,
) -> None:
    slug = "adult-social-care-assessment-and-care-management"
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code=ADUR),
        service=Service.objects.select_related("family").get(slug=slug),
    )
    assert ranking.suggestions == () and ranking.excluded == ()
    assert ranking.asker_reason.startswith("Adur is a district council;")
    assert [d.gss_code for d in ranking.deliverers] == [WEST_SUSSEX]
    html = client.get(URL, {"council": ADUR, "service": slug}).content.decode()
    assert "West Sussex County Council" in html
    assert f"?council={WEST_SUSSEX}&amp;service={slug}#results" in html
    assert 'class="app-partner"' not in html and "partner-map-data" not in html
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(URL + "export.csv", {"council": ADUR, "service": slug}).content.decode()
            )
        )
    )
    assert [(r["gss_code"], r["rank"], r["score"]) for r in rows] == [(WEST_SUSSEX, "", "")]
    assert "West Sussex delivers it for Adur's area" in rows[0]["reasons"]


def test_an_arrangement_not_yet_confirmed_by_its_partners_gives_no_experience() -> None:
    service = Service.objects.select_related("family").get(slug="building-control")
    arrangement = SharedArrangement.objects.create(
        name="Private Building Control Partnership",
        service=service,
        status=SharedArrangement.Status.AWAITING_PARTNERS,
    )
    arrangement.members.set(Authority.objects.filter(gss_code__in=[ARUN, "E07000225"]))
    ranking = partner_ranking(authority=Authority.objects.get(gss_code=ADUR), service=service)
    arun = next(s for s in ranking.suggestions if s.body.gss_code == ARUN)
    assert not dict(arun.points).get("hub")
    assert not any("Private Building Control Partnership" in r for r in arun.reasons)


def test_admin_edited_savings_rate_is_used() -> None:
    rate = SavingsAssumption.objects.get(family__name="Planning and building control")
    rate.low_percent, rate.high_percent = 1, 2
    rate.save()  # as the admin does: the save moves the cached rates on
    ranking = partner_ranking(
        authority=Authority.objects.get(gss_code=ADUR),
        service=Service.objects.select_related("family").get(slug="building-control"),
    )
    assert (ranking.rate.low_percent, ranking.rate.high_percent) == (1.0, 2.0)
    top = ranking.suggestions[0]
    assert top.savings.low_gbp == pytest.approx((top.spend.combined_thousands or 0) * 10)


def test_reference_cache_is_reused_and_rebuilt_after_an_edit() -> None:
    first = matching_reference()
    assert matching_reference() is first
    worthing = Authority.objects.get(gss_code=WORTHING)
    worthing.short_name = "Worthing (renamed)"
    worthing.save()
    rebuilt = matching_reference()
    assert rebuilt is not first
    assert rebuilt.by_gss[WORTHING].short_name == "Worthing (renamed)"


def test_rank_listings_for_authority_orders_by_partner_fit(
    django_assert_max_num_queries: object, steady_generations: None
) -> None:
    west_sussex = Authority.objects.get(gss_code=WEST_SUSSEX)
    far = Authority.objects.get(gss_code="E07000244")  # East Suffolk
    near_listing = make_listing(
        authority=Authority.objects.get(gss_code=WORTHING), status=Listing.Status.PUBLISHED
    )
    far_listing = make_listing(authority=far, status=Listing.Status.PUBLISHED)
    county_listing = make_listing(
        authority=west_sussex,
        status=Listing.Status.PUBLISHED,
        service=Service.objects.get(slug="payroll"),
    )
    own = make_listing(status=Listing.Status.PUBLISHED)
    listings = list(
        Listing.objects.filter(
            pk__in=[x.pk for x in (near_listing, far_listing, county_listing, own)]
        ).select_related("service__family")
    )
    matching_reference()
    adur = Authority.objects.get(gss_code=ADUR)
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        scored = rank_listings_for_authority(authority=adur, listings=listings)
    got = [s.listing.pk for s in scored]
    assert own.pk not in got
    assert got[0] == near_listing.pk
    assert got.index(near_listing.pk) < got.index(far_listing.pk)
    assert county_listing.pk in got  # payroll: every tier delivers it
    assert all(s.reasons for s in scored)


def test_headings_keep_the_acronym_in_a_service_name(client: Client) -> None:
    """Not "Partners for ict infrastructure and support" (problem 9)."""
    response = client.get(URL, {"council": ADUR, "service": "ict-infrastructure-and-support"})

    html = response.content.decode()
    assert response.status_code == 200
    heading = re.search(r'<h2[^>]*id="results">(.*?)</h2>', html, flags=re.S)
    assert heading and "Partners for ICT infrastructure and support" in heading.group(1)
    assert "<title>Partners for ICT infrastructure and support with Adur" in html
    assert "ict infrastructure" not in html
