"""The public register: filters, CSV, queries; the Partnered prompt; profiles."""

import csv
import io
from typing import cast

import pytest

from arrangements.models import SharedArrangement
from offers.models import Interest, Listing
from tests.factories import UserFactory, officer_of
from tests.offers.factories import InterestFactory, ListingFactory

from .factories import ADUR, ARUN, HARTLEPOOL, WORTHING, recorded, seeded

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    """Three public arrangements: a running district one, an ended unitary one, and a police one."""
    return {
        "adur": seeded(),
        "ended": seeded(
            "Hartlepool and Arun legal (ended)",
            services=["legal-services"],
            members=[HARTLEPOOL, ARUN],
            delivery_model="contract",
            is_active=False,
            ended_year=2020,
            started_year=2015,
        ),
        "police": seeded(
            "Sussex and Surrey police procurement",
            services=["procurement"],
            members=["E23000033", "E23000031"],
            delivery_model="joint_committee",
        ),
    }


def _names(client, query: str = "") -> set[str]:
    html = client.get(f"/arrangements/?{query}").content.decode()
    return {a.name for a in SharedArrangement.objects.all() if a.name in html}


def test_register_filters_by_family_model_kind_region_and_state(client, register):
    assert _names(client) == {a.name for a in register.values()}
    assert _names(client, "family=legal-and-democratic-services") == {register["ended"].name}
    assert _names(client, "delivery_model=shared_team") == {register["adur"].name}
    assert _names(client, "kind=police") == {register["police"].name}
    assert _names(client, "region=North+East") == {register["ended"].name}
    assert _names(client, "state=ended") == {register["ended"].name}
    # Sussex police, like Adur and Worthing, is in the South East; Arun is too but ended.
    assert _names(client, "state=active&region=South+East") == {
        register["adur"].name,
        register["police"].name,
    }


def test_an_unknown_filter_value_shows_an_error_not_a_guess(client, register):
    response = client.get("/arrangements/?family=astrology")
    assert response.status_code == 200
    assert "Select a service family from the list" in response.content.decode()


def test_csv_download_follows_the_filters_and_has_no_contacts(client, register):
    response = client.get("/arrangements/download.csv?state=ended")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["name"] for r in rows] == [register["ended"].name]
    assert set(rows[0]["partner_gss_codes"].split("; ")) == {ARUN, HARTLEPOOL}
    assert rows[0]["ended"] == "2020" and rows[0]["state"] == "ended"
    assert "contact" not in ",".join(rows[0].keys())


def test_register_queries_do_not_grow_with_rows(
    client, django_assert_max_num_queries, steady_generations
):
    for n in range(30):
        seeded(f"Arrangement {n}")
    client.get("/arrangements/")  # warm the generation cache
    with django_assert_max_num_queries(12):
        response = client.get("/arrangements/")
    assert response.status_code == 200
    assert response.content.decode().count('class="govuk-summary-card__title"') == 25


def test_profile_lists_the_organisations_public_arrangements(client, register):
    private = recorded(
        by=officer_of(ARUN), own=ARUN, partners=(ADUR,), name="Private Arun-Adur deal"
    )
    html = client.get(f"/councils/{ADUR}/").content.decode()
    assert register["adur"].name in html
    assert private.name not in html
    assert register["ended"].name not in html


def test_partnered_interest_prompts_both_sides_to_record_it_prefilled(client):
    listing = ListingFactory(status=Listing.Status.PUBLISHED)  # Adur's building control offer
    interest = cast(Interest, InterestFactory(listing=listing, status=Interest.Status.PARTNERED))
    for side, other in ((ADUR, ARUN), (ARUN, ADUR)):
        user = officer_of(side)
        if side == ARUN:
            interest.sender = user
            interest.save()
        client.force_login(user)
        page = client.get(f"/listings/interests/{interest.pk}/").content.decode()
        assert f"/arrangements/record/?interest={interest.pk}" in page, side
        form = client.get(f"/arrangements/record/?interest={interest.pk}").context["form"]
        assert form.initial["partner_1"] == other
        assert form.initial["service_1"] == "building-control"


def test_no_prompt_or_prefill_before_partnered_or_for_outsiders(client):
    interest = cast(Interest, InterestFactory(status=Interest.Status.IN_DISCUSSION))
    client.force_login(officer_of(ADUR))
    page = client.get(f"/listings/interests/{interest.pk}/").content.decode()
    assert "/arrangements/record/?interest=" not in page
    assert client.get(f"/arrangements/record/?interest={interest.pk}").context["form"].initial == {}
    interest.status = Interest.Status.PARTNERED
    interest.save()
    client.force_login(officer_of(HARTLEPOOL))  # neither side
    assert client.get(f"/arrangements/record/?interest={interest.pk}").context["form"].initial == {}


def test_recording_through_the_form(client):
    client.force_login(officer_of(ADUR))
    response = client.post(
        "/arrangements/record/",
        {
            "name": "Adur and Worthing payroll",
            "service_1": "payroll",
            "partner_1": WORTHING,
            "lead": ADUR,
            "delivery_model": "lead_authority",
            "started_year": "2021",
            "annual_savings_gbp": "50000",
            "savings_source_url": "",
            "description": "Adur runs payroll for Worthing.",
            "contact_name": "Pat Payroll",
            "contact_email": "pat@adur-worthing.example.gov.uk",
        },
    )
    assert response.status_code == 200  # the savings figure needs its source
    assert "Enter where the savings figure is published" in response.content.decode()
    response = client.post(
        "/arrangements/record/",
        {
            "name": "Adur and Worthing payroll",
            "service_1": "payroll",
            "partner_1": WORTHING,
            "lead": ADUR,
            "delivery_model": "lead_authority",
            "started_year": "2021",
            "description": "Adur runs payroll for Worthing.",
            "contact_name": "Pat Payroll",
            "contact_email": "pat@adur-worthing.example.gov.uk",
        },
    )
    assert response.status_code == 302
    arrangement = SharedArrangement.objects.get(name="Adur and Worthing payroll")
    assert arrangement.lead is not None and arrangement.lead.gss_code == ADUR
    assert {p.authority.gss_code: p.state for p in arrangement.partners.all()} == {
        ADUR: "confirmed",
        WORTHING: "pending",
    }


def test_recording_needs_a_membership(client):
    client.force_login(UserFactory())
    assert client.get("/arrangements/record/").status_code == 403


def _record_from(client, interest: Interest, *, partner: str, name: str):
    return client.post(
        f"/arrangements/record/?interest={interest.pk}",
        {
            "name": name,
            "service_1": "building-control",
            "partner_1": partner,
            "delivery_model": "lead_authority",
            "description": "One building control team.",
            "contact_name": "Pat Builder",
            "contact_email": "pat@adur.example.gov.uk",
        },
    )


def test_an_arrangement_recorded_from_a_partnered_interest_remembers_it(client):
    listing = ListingFactory(status=Listing.Status.PUBLISHED)  # Adur's offer
    interest = cast(Interest, InterestFactory(listing=listing, status=Interest.Status.PARTNERED))
    adur = officer_of(ADUR)
    client.force_login(adur)
    assert _record_from(client, interest, partner=ARUN, name="Adur and Arun").status_code == 302
    arrangement = SharedArrangement.objects.get(name="Adur and Arun")
    assert arrangement.interest == interest

    # The other side is sent to that arrangement to confirm it, not to record it again.
    arun = officer_of(ARUN)
    interest.sender = arun
    interest.save()
    client.force_login(arun)
    page = client.get(f"/listings/interests/{interest.pk}/").content.decode()
    assert "Recorded in the register" in page and arrangement.get_absolute_url() in page
    response = client.get(f"/arrangements/record/?interest={interest.pk}")
    assert response.status_code == 302 and response["Location"] == arrangement.get_absolute_url()
    assert SharedArrangement.objects.filter(interest=interest).count() == 1


def test_an_interest_is_only_linked_by_one_of_its_sides_once_partnered(client):
    interest = cast(Interest, InterestFactory(status=Interest.Status.IN_DISCUSSION))
    client.force_login(officer_of(ADUR))
    _record_from(client, interest, partner=ARUN, name="Not yet partnered")
    assert SharedArrangement.objects.get(name="Not yet partnered").interest is None
    interest.status = Interest.Status.PARTNERED
    interest.save()
    client.force_login(officer_of(HARTLEPOOL))  # neither side
    _record_from(client, interest, partner=ARUN, name="An outsider's")
    assert SharedArrangement.objects.get(name="An outsider's").interest is None


def test_every_map_link_leads_to_arrangements_that_exist(client, register):
    """The map links each council to its profile's arrangements: an anchor that is
    there, listing the arrangements the map counted (the register has no anchor per
    council, so a `#partner-<code>` link into it led nowhere)."""
    response = client.get("/arrangements/")
    data = response.context["map_data"]
    assert data["mode"] == "register"
    codes = [row[0] for row in data["ranked"]]
    assert set(codes) == {ADUR, WORTHING, HARTLEPOOL, ARUN}  # councils only, not police
    for gss, _name, count, _rank in data["ranked"]:
        target = data["link"].replace("X00000000", gss)
        path, anchor = target.split("#")
        page = client.get(path)
        assert page.status_code == 200, target
        html = page.content.decode()
        assert f'id="{anchor}"' in html
        listed = list(SharedArrangement.objects.filter(members__gss_code=gss))
        assert len(listed) == count
        assert all(a.name in html for a in listed)
