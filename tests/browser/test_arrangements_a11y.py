"""The register of shared arrangements in headless Chromium with axe (WCAG 2.2 AA):
the register (with the map), a seeded arrangement, a partner's private page with
its answer form, and the record form with errors; no CSP violation on any."""

import re

import pytest
from playwright.sync_api import Page, expect

from offers.models import Listing
from tests.arrangements.factories import ADUR, WORTHING, recorded, seeded
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_listing_journeys import sign_in
from tests.factories import officer_of
from tests.offers.factories import ListingFactory

pytestmark = pytest.mark.browser


def test_register_and_arrangement_pages_have_no_axe_violations(page: Page) -> None:
    arrangement = seeded()
    seeded(
        "Hartlepool and Arun legal (ended)",
        services=["legal-services"],
        members=["E06000001", "E07000224"],
        is_active=False,
        ended_year=2020,
        started_year=2015,
    )
    page.goto("/arrangements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of shared arrangements")
    expect(page.locator("#result-count")).to_have_text("2 arrangements")
    expect(page.locator("#partner-map svg")).to_be_visible()  # matching's map, drawn
    assert_no_axe_violations(page)

    page.get_by_label("Running or ended").select_option("ended")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#result-count")).to_have_text("1 arrangement")
    assert_no_axe_violations(page)

    page.goto("/arrangements/?family=astrology")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_no_axe_violations(page)

    page.goto(arrangement.get_absolute_url())
    label = "From public sources, not yet confirmed by the partners"
    expect(page.get_by_text(label)).to_be_visible()
    assert_no_axe_violations(page)


def test_partner_answer_and_record_form_have_no_axe_violations(page: Page) -> None:
    arrangement = recorded(by=officer_of(ADUR), partners=(WORTHING,))
    sign_in(page, officer_of(WORTHING, email="wyn@worthing.example.gov.uk"))
    page.goto(arrangement.get_absolute_url())
    expect(page.get_by_role("heading", name="Your organisation's answer")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Decline: we are not part of this").check()
    page.get_by_role("button", name="Send answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why")
    assert_no_axe_violations(page)

    page.goto("/arrangements/record/")
    page.get_by_role("button", name="Record arrangement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the name")
    assert_no_axe_violations(page)


def test_market_overview_has_no_axe_violations(page: Page) -> None:
    seeded()
    ListingFactory(status=Listing.Status.PUBLISHED)
    ListingFactory(status=Listing.Status.PUBLISHED, kind=Listing.Kind.NEED)
    page.goto("/market/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Market overview")
    expect(page.locator("#computed-at")).to_contain_text("Figures computed at")
    assert_no_axe_violations(page)
