"""Savings an officer can defend, against the real data: the rates seeded from
the evidence, the base of an estimate on Find a partner, the evidence page, and
recording a service's own cost on an organisation's profile."""

from typing import cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEntry
from councils.models import Authority, User
from matching.models import SavingsAssumption, SavingsEvidence, ServiceCost
from matching.selectors import partner_ranking
from offers.models import Listing, Service, ServiceFamily
from tests.factories import UserFactory, officer_of
from tests.offers.factories import ADUR, make_listing
from tests.queries import counted_queries

pytestmark = pytest.mark.django_db
WORTHING = "E07000229"
COSTS_URL = f"/listings/partners/costs/{ADUR}/"


def test_rates_are_seeded_one_per_family_and_one_for_the_whole_organisation():
    assert SavingsEvidence.objects.count() >= 20
    assert not SavingsEvidence.objects.filter(source_url="").exists()
    families = ServiceFamily.objects.count()
    assert SavingsAssumption.objects.filter(scope="family").count() == families
    whole = SavingsAssumption.objects.get(scope="whole")
    assert (float(whole.low_percent), float(whole.high_percent)) == (1.8, 3.6)
    ict = SavingsAssumption.objects.get(family__name="ICT and digital")
    assert (float(ict.low_percent), float(ict.high_percent)) == (10.0, 16.0)
    assert ict.family_evidence
    assert {"camden-islington-ict", "leicestershire-districts-ict"} <= set(
        ict.evidence.values_list("key", flat=True)
    )
    housing = SavingsAssumption.objects.get(family__name="Housing")
    assert not housing.family_evidence  # no saving cited for housing: the general range
    assert (float(housing.low_percent), float(housing.high_percent)) == (10.0, 20.0)
    assert housing.evidence.filter(used_for_rate=True).count() == 4
    # Printed after "Rates:" and inside a sentence's parentheses (matching 0005).
    assert housing.source == (
        "no saving cited for housing yet, so the range of the 4 savings cited as a "
        "share of a service's cost in other families"
    )


def _adur_payroll(**kwargs):
    return partner_ranking(
        authority=Authority.objects.get(gss_code=ADUR),
        service=Service.objects.select_related("family").get(slug="payroll"),
        **kwargs,
    )


def test_without_own_costs_the_estimate_is_an_upper_bound_from_the_line():
    worthing = next(s for s in _adur_payroll().suggestions if s.body.gss_code == WORTHING)
    assert worthing.savings.upper_bound
    assert "Adur's whole central services line" in worthing.savings.sentence
    rate = worthing.savings.rate
    assert rate.family == "HR and payroll" and not rate.family_evidence
    assert "Rates: no saving cited for HR and payroll yet, so the range of the 4 " in (
        worthing.savings.sentence
    )


def test_a_listings_value_and_a_recorded_cost_are_the_base():
    adur, worthing = (Authority.objects.get(gss_code=c) for c in (ADUR, WORTHING))
    payroll = Service.objects.get(slug="payroll")
    make_listing(
        authority=adur,
        service=payroll,
        status=Listing.Status.PUBLISHED,
        annual_value_gbp=180_000,
        title="Adur payroll",
    )
    ServiceCost.objects.create(
        authority=worthing, service=payroll, annual_cost_gbp=150_000, financial_year="2025-26"
    )
    s = next(s for s in _adur_payroll().suggestions if s.body.gss_code == WORTHING)
    assert not s.savings.upper_bound
    rate = s.savings.rate
    assert s.savings.low_gbp == pytest.approx(330_000 * rate.low_percent / 100)
    assert s.savings.high_gbp == pytest.approx(330_000 * rate.high_percent / 100)
    assert "Adur's listing “Adur payroll” (stated annual value)" in s.savings.sentence
    assert "Worthing's own figure for the service (2025-26)" in s.savings.sentence


def test_find_a_partner_shows_both_ranges_with_the_evidence_linked(client: Client):
    response = client.get("/listings/partners/", {"council": ADUR, "service": "payroll"})
    html = response.content.decode()
    assert 'href="/listings/partners/savings-evidence/"' in html
    family = Service.objects.get(slug="payroll").family_id
    assert f'href="/listings/partners/savings-evidence/#rate-{family}"' in html
    assert 'href="/listings/partners/savings-evidence/#rate-whole"' in html
    assert "up to £" in html
    assert "shared their whole back office (shared management, one workforce)" in html
    assert "1.8% to 3.6% of their combined total service expenditure" in html


def test_evidence_page_lists_every_rate_and_saving_in_few_queries(
    client: Client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):  # assumptions, their evidence, the evidence list
        response = client.get("/listings/partners/savings-evidence/")
    html = response.content.decode()
    assert response.status_code == 200
    for evidence in SavingsEvidence.objects.all():
        assert f'id="evidence-{evidence.key}"' in html
        assert evidence.source_url.replace("&", "&amp;") in html
    assert "Whole organisation (shared management, one workforce)" in html
    assert 'id="rate-whole"' in html
    for family in ServiceFamily.objects.all():
        assert f'id="rate-{family.pk}"' in html


def test_an_officer_records_a_service_cost(client: Client):
    client.force_login(officer_of(ADUR))
    assert client.get(COSTS_URL).status_code == 200
    post = {"service": "payroll", "annual_cost_gbp": "180000", "financial_year": "2025-26"}
    response = client.post(COSTS_URL, post)
    assert response.status_code == 302
    cost = ServiceCost.objects.get(authority__gss_code=ADUR, service__slug="payroll")
    assert (cost.annual_cost_gbp, cost.financial_year) == (180_000, "2025-26")
    client.post(COSTS_URL, {**post, "annual_cost_gbp": "175000"})  # again: replaced
    assert ServiceCost.objects.get(pk=cost.pk).annual_cost_gbp == 175_000
    assert ServiceCost.objects.count() == 1
    assert "£175,000" in client.get(COSTS_URL).content.decode()


def test_a_cost_recorded_after_a_ranking_is_the_base_of_the_next_one(client: Client):
    """Recorded costs live in the matching snapshot: recording one must move the
    reference-data generation on, or rankings would keep the old base."""
    before = next(s for s in _adur_payroll().suggestions if s.body.gss_code == WORTHING)
    assert "Adur's own figure" not in before.savings.sentence
    client.force_login(officer_of(ADUR))
    post = {"service": "payroll", "annual_cost_gbp": "180000", "financial_year": "2025-26"}
    assert client.post(COSTS_URL, post).status_code == 302
    after = next(s for s in _adur_payroll().suggestions if s.body.gss_code == WORTHING)
    assert "Adur's own figure for the service (2025-26)" in after.savings.sentence
    client.post(COSTS_URL, {**post, "annual_cost_gbp": "175000"})
    again = next(s for s in _adur_payroll().suggestions if s.body.gss_code == WORTHING)
    assert again.savings.bases[0].pounds == 175_000


def test_a_bad_cost_is_refused_with_an_error_summary(client: Client):
    client.force_login(officer_of(ADUR))
    response = client.post(
        COSTS_URL, {"service": "payroll", "annual_cost_gbp": "lots", "financial_year": "2025-27"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Enter the cost as a whole number of pounds, like 180000" in html
    assert "Enter a financial year whose years follow, like 2025-26" in html
    assert not ServiceCost.objects.exists()


def test_only_the_organisations_officers_record_its_costs(client: Client):
    post = {"service": "payroll", "annual_cost_gbp": "1", "financial_year": "2025-26"}
    response = client.post(COSTS_URL, post)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(officer_of(WORTHING))
    assert client.post(COSTS_URL, post).status_code == 403
    assert client.get(COSTS_URL).status_code == 403
    assert not ServiceCost.objects.exists()


def test_staff_recording_a_cost_is_audited(client: Client):
    staff = cast(User, UserFactory(is_staff=True, verified=True))
    client.force_login(staff)
    post = {"service": "payroll", "annual_cost_gbp": "99000", "financial_year": "2025-26"}
    client.post(COSTS_URL, post)
    entry = AuditEntry.objects.get(action="service_cost.record")
    assert entry.actor_id == staff.pk


def test_one_ranking_reads_the_familys_listings_once_and_the_oldest_value_is_the_base():
    """The asker's listings give its cost base but are never its own candidates; a
    ranking reads the listings of the family once (the recorded costs are in the snapshot)."""
    adur, worthing = (Authority.objects.get(gss_code=c) for c in (ADUR, WORTHING))
    payroll = Service.objects.select_related("family").get(slug="payroll")
    for value, title in ((180_000, "Adur payroll"), (90_000, "Adur payroll, second")):
        make_listing(
            authority=adur,
            service=payroll,
            status=Listing.Status.PUBLISHED,
            annual_value_gbp=value,
            title=title,
        )
    make_listing(authority=worthing, service=payroll, status=Listing.Status.PUBLISHED)
    partner_ranking(authority=adur, service=payroll)  # the snapshot, built once per process
    with CaptureQueriesContext(connection) as ctx:
        ranking = partner_ranking(authority=adur, service=payroll)
    tables = [
        "matching_servicecost" if "matching_servicecost" in q["sql"] else "offers_listing"
        for q in counted_queries(ctx)
    ]
    assert tables == ["offers_listing"]
    s = next(s for s in ranking.suggestions if s.body.gss_code == WORTHING)
    assert "Adur's listing “Adur payroll” (stated annual value)" in s.savings.sentence
    assert [x.title for x in s.listings] == [
        x.title for x in Listing.objects.filter(authority=worthing)
    ]
    assert ADUR not in {x.body.gss_code for x in ranking.suggestions}
