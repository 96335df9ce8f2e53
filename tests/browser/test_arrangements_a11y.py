"""The register of shared arrangements in headless Chromium with axe (WCAG 2.2 AA):
the register (with the map), a seeded arrangement, a partner's private page with
its answer form, and the record form with errors; no CSP violation on any."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

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
    # Each area links to the arrangements on that council's profile, which are there.
    adur = page.locator(f'#partner-map a[data-gss="{ADUR}"]')
    expect(adur).to_have_attribute("aria-label", "Adur, 1 arrangement")
    expect(adur).to_have_attribute("href", f"/councils/{ADUR}/#arrangements")
    page.goto(adur.get_attribute("href") or "")
    expect(page.locator("#arrangements")).to_be_visible()
    expect(page.get_by_role("heading", name=arrangement.name)).to_be_visible()
    page.goto("/arrangements/")

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


def test_market_overview_charts_and_map_have_no_axe_violations(page: Page) -> None:
    seeded()
    ListingFactory(status=Listing.Status.PUBLISHED)
    ListingFactory(status=Listing.Status.PUBLISHED, kind=Listing.Kind.NEED)
    for gss in (ADUR, WORTHING, "E10000032"):  # two districts and their county
        officer_of(gss)
    page.goto("/market/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Market overview")
    expect(page.locator("#computed-at")).to_contain_text("Figures computed at")
    charts = page.locator("svg.app-chart[role=img]")
    # Offers and needs by family and by region, listings by month, arrangements by
    # start year (no interest yet, and the seeded one has no savings figure).
    expect(charts).to_have_count(4)
    for label in charts.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"):
        assert label.endswith("figure.") and "chart." in label, label
    # The coverage map, drawn by partner-map.js; Adur's area links to its profile.
    expect(page.locator("#partner-map svg")).to_be_visible()
    adur = page.locator(f"#partner-map a[data-gss='{ADUR}']")
    expect(adur).to_have_attribute("href", f"/councils/{ADUR}/")
    expect(adur).to_have_attribute("aria-label", "Adur, 2 registered organisations")
    page.locator("#partner-map a[tabindex='0']").focus()
    expect(page.locator(".app-map__tip")).to_contain_text("registered organisation")
    assert_no_axe_violations(page)

    # At 320 px nothing is wider than the screen, and the charts' text keeps its size.
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    expect(page.locator("#partner-map svg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    size = page.locator("svg.app-chart .app-chart__label").first.evaluate(
        "el => el.getBoundingClientRect().height"
    )
    assert size >= 14, f"chart labels shrank to {size} px"
    assert_no_axe_violations(page)


def test_market_overview_works_without_javascript(browser: Browser, base_url: str) -> None:
    """Without JavaScript the map stays hidden and its table is the content."""
    officer_of(ADUR)
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/market/")
        expect(page.locator("#partner-map")).to_be_hidden()
        page.get_by_text("Show the 1 council area and").click()
        table = page.get_by_role(
            "region", name="Table: Council areas covered by registered organisations"
        )
        expect(table.get_by_role("row", name="Adur South East 1")).to_be_visible()
    finally:
        context.close()


def test_correction_form_and_corrected_label_have_no_axe_violations(page: Page) -> None:
    arrangement = seeded()
    sign_in(page, officer_of(ADUR, email="ada@adur.example.gov.uk"))
    page.goto(arrangement.get_absolute_url())
    page.get_by_role("link", name="Correct this arrangement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Correct")
    assert_no_axe_violations(page)
    page.get_by_label("What was wrong").fill("")
    page.get_by_role("button", name="Send correction").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say what was wrong")
    assert_no_axe_violations(page)
    page.get_by_label("Year it started").fill("2009")
    page.get_by_label("What was wrong").fill("It started in 2009.")
    page.get_by_role("button", name="Send correction").click()
    expect(page.get_by_text("Correction sent")).to_be_visible()
    expect(page.get_by_text("Corrected by Adur, confirmed by 1 of 2 partners")).to_be_visible()
    assert_no_axe_violations(page)
