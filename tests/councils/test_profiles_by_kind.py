"""A profile for every kind of organisation, rendered from the real imported data:
its kind, the council areas it covers (shares for split ICBs), who runs a fire
area that has no authority of its own, a successor's predecessors' listings and
arrangements; each with a fixed number of queries."""

import re
from html import unescape
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils.models import Authority, Membership
from matching.models import SharedArrangement
from offers.models import Listing, Service
from tests.factories import MembershipFactory
from tests.offers.factories import ListingFactory
from tests.queries import counted_queries

pytestmark = pytest.mark.django_db

KENT_FIRE, SURREY_FIRE, KENT_POLICE = "E31000022", "E31000035", "E23000032"
LANCASHIRE_ICB, GMCA, GLA = "E54000048", "E47000001", "E61000001"
DARTMOOR, NORTH_LONDON_WASTE, LEE_VALLEY = "E26000001", "E50000002", "E6803"
SURREY_CC, ADUR, BUCKINGHAMSHIRE, AYLESBURY_VALE = (
    "E10000030",
    "E07000223",
    "E06000060",
    "E07000004",
)


def text_of(client, code: str) -> str:
    response = client.get(f"/councils/{code}/")
    assert response.status_code == 200
    body = response.content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", main)))


def queries(client, code: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/councils/{code}/").status_code == 200
    return len(counted_queries(ctx))


@pytest.mark.parametrize(
    ("code", "caption", "name"),
    [
        (KENT_FIRE, "Fire and rescue authority", "Kent Combined Fire and Rescue Authority"),
        (
            KENT_POLICE,
            "Police force area",
            "Kent Police and Crime Commissioner and Chief Constable",
        ),
        (
            LANCASHIRE_ICB,
            "Integrated care board",
            "NHS Lancashire and South Cumbria Integrated Care Board",
        ),
        (GMCA, "Combined authority", "Greater Manchester Combined Authority"),
        (GLA, "Greater London Authority", "Greater London Authority"),
        (DARTMOOR, "National park authority", "Dartmoor National Park Authority"),
        (NORTH_LONDON_WASTE, "Waste disposal authority", "North London Waste Authority"),
        (LEE_VALLEY, "Regional park authority", "Lee Valley Regional Park Authority"),
    ],
)
def test_a_profile_for_every_kind(client, code, caption, name):
    text = text_of(client, code)
    assert f"{caption} {name} Key facts" in text
    assert f"Type {caption}" in text
    assert "Tier" not in text  # councils have tiers; bodies have kinds
    assert "Neighbouring councils" not in text
    assert "About this organisation" in text
    # Officers and listings as for a council; a fixed number of queries whatever it holds.
    # At most 11 (a combined authority or the GLA: its members and the fire areas it
    # runs); the first request of the test built the matching snapshot, so it is not
    # the one counted.
    assert queries(client, code) <= 11
    body = Authority.objects.get(gss_code=code)
    payroll = Service.objects.get(slug="payroll")
    ListingFactory(authority=body, status=Listing.Status.PUBLISHED, service=payroll)
    with_one = queries(client, code)  # + its listings and the partners suggested for them
    MembershipFactory.create_batch(5, authority=body)
    ListingFactory.create_batch(2, authority=body, status=Listing.Status.PUBLISHED, service=payroll)
    assert queries(client, code) <= with_one
    response = client.get(f"/councils/{code}/")
    assert "5 registered officers" in response.content.decode()
    assert "has 3 published listings" in response.content.decode()


def test_a_fire_authority_lists_the_council_areas_it_covers(client):
    text = text_of(client, KENT_FIRE)
    assert "Council areas" in text
    for council in ("Ashford Borough Council", "Medway Council", "Dover District Council"):
        assert council in text
    assert "Part:" not in text  # fire areas are whole districts
    html = client.get(f"/councils/{KENT_FIRE}/").content.decode()
    assert 'href="/councils/E06000035/"' in html  # Medway, linked


def test_a_split_icb_shows_its_shares(client):
    text = text_of(client, LANCASHIRE_ICB)
    assert (
        "Westmorland and Furness Council Part: 74.6% of its small areas (106/142 LSOAs)" in (text)
        or "Westmorland and Furness Council Part: 74.7% of its small areas (106/142 LSOAs)" in text
    )
    assert "Blackpool Borough Council All of it" in text
    assert "counts small areas (2021 LSOAs" in text
    assert "NHS ODS code QE1" in text


def test_a_fire_area_run_by_a_council_says_who_runs_it(client):
    text = text_of(client, SURREY_FIRE)
    assert "Surrey — fire and rescue area" in text
    assert (
        "Run by Surrey County Council runs fire and rescue for this area: there is no separate "
        "fire and rescue authority." in text
    )
    assert "Also runs Fire and rescue for Surrey — fire and rescue area" in text_of(
        client, SURREY_CC
    )
    assert "Also runs Fire and rescue for Greater Manchester — fire and rescue area" in text_of(
        client, GMCA
    )


def test_a_combined_authority_lists_its_members(client):
    text = text_of(client, GMCA)
    assert "Members" in text and "Bolton" in text and "Wigan" in text
    assert "Region North West" in text


def test_a_body_with_no_areas_says_so(client):
    text = text_of(client, DARTMOOR)
    assert "does not say which council areas Dartmoor National Park Authority covers" in text
    assert "Population Not recorded" in text


def test_a_council_lists_the_bodies_covering_it(client):
    text = text_of(client, ADUR)
    assert "Public bodies covering Adur" in text
    assert "West Sussex — fire and rescue area (Fire and rescue authority)" in text
    assert "Sussex Police and Crime Commissioner and Chief Constable (Police force area)" in text
    assert "Member of No combined authority" in text
    east_suffolk = text_of(client, "E07000244")
    assert (
        "NHS Norfolk and Waveney Integrated Care Board (Integrated care board; part of the area)"
        in (east_suffolk)
    )


def test_a_council_member_of_a_combined_authority_links_it(client):
    html = client.get("/councils/E08000003/").content.decode()  # Manchester
    assert re.search(
        r'Member of</dt>\s*<dd[^>]*><a class="govuk-link" href="/councils/E47000001/">', html
    )


# Successors show their predecessors' listings and arrangements ------------------------


def test_a_successor_shows_its_predecessors_listings_and_arrangements_saying_whose(client):
    aylesbury = Authority.objects.get(gss_code=AYLESBURY_VALE)
    bucks = Authority.objects.get(gss_code=BUCKINGHAMSHIRE)
    member = cast(Membership, MembershipFactory(authority=aylesbury))
    listing = cast(
        Listing,
        ListingFactory(
            authority=aylesbury,
            status=Listing.Status.PUBLISHED,
            title="Shared building control team",
            service=Service.objects.get(slug="building-control"),
        ),
    )
    arrangement = SharedArrangement.objects.create(
        name="Aylesbury and Wycombe legal",
        service=Service.objects.get(slug="legal-services"),
        source_url="https://example.org/arrangement",
    )
    arrangement.members.add(aylesbury, Authority.objects.get(gss_code="E07000007"))

    text = text_of(client, BUCKINGHAMSHIRE)

    assert "History: the organisations Buckinghamshire replaced" in text
    assert "Buckinghamshire Council replaced Aylesbury Vale" in text
    assert "Nothing was moved: their officers still belong to them" in text
    assert "Shared building control team" in text
    assert "Council: Aylesbury Vale" in text  # under its own name
    assert "Aylesbury and Wycombe legal (legal services): Aylesbury Vale, Wycombe." in text
    # Nothing moved: the listing and the member stay with the predecessor.
    listing.refresh_from_db()
    member.refresh_from_db()
    assert listing.authority == aylesbury and member.authority == aylesbury
    assert not bucks.memberships.exists()


def test_a_successor_with_quiet_predecessors_says_so(client):
    text = text_of(client, "E06000066")  # Somerset Council
    assert "None of them has a published offer or need." in text
    assert "No shared arrangement is recorded for them." in text
