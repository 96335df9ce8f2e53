"""A suggested consortium's map in headless Chromium (issue 17): the Find a partner
map component (static/js/partner-map.js) draws the viewer outlined, the other
members and the organisation whose offer could serve them all, each linking to
its row; keyboard operable, axe-clean, no CSP violation; without JavaScript the
member table and the offers list are the content."""

from __future__ import annotations

import re
from typing import cast

import pytest
from playwright.sync_api import Browser, Page, expect

from councils.models import Authority, User
from groups.models import Suggestion
from offers import services as offers_services
from offers.models import Listing, Service
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_listing_journeys import sign_in
from tests.factories import UserFactory, officer_of
from tests.offers.factories import make_listing

pytestmark = pytest.mark.browser

ADUR, ARUN, CHICHESTER, WORTHING, HORSHAM = (
    "E07000223",
    "E07000224",
    "E07000225",
    "E07000229",
    "E07000227",
)


def _publish(gss: str, kind: str, **fields) -> Listing:
    listing = make_listing(
        authority=Authority.objects.get(gss_code=gss),
        service=Service.objects.get(slug="payroll"),
        kind=kind,
        status=Listing.Status.SUBMITTED,
        created_by=officer_of(gss, email=f"officer@{gss.lower()}.example.gov.uk"),
        title=f"{kind} payroll {gss}",
        **fields,
    )
    staff = cast(User, UserFactory(is_staff=True))
    return offers_services.listing_publish(listing=listing, by=staff)


def _west_sussex() -> tuple[Suggestion, User]:
    _publish(HORSHAM, Listing.Kind.OFFER, partner_scope="radius", partner_radius_km=40)
    needs = [
        _publish(gss, Listing.Kind.NEED, partner_scope="radius", partner_radius_km=50)
        for gss in (ADUR, ARUN, CHICHESTER, WORTHING)
    ]
    owner = needs[0].created_by
    assert owner is not None
    return Suggestion.objects.get(kind=Suggestion.Kind.CONSORTIUM), owner


def test_consortium_map_shows_members_and_the_serving_offer_and_is_keyboard_operable(
    page: Page,
) -> None:
    suggestion, adur_officer = _west_sussex()
    sign_in(page, adur_officer)
    page.goto(f"/groups/suggestions/{suggestion.key}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("with 3 other organisations")
    map_region = page.locator("#partner-map")
    expect(map_region).to_be_visible()
    links = map_region.locator("svg a.app-map__link")
    expect(links).to_have_count(4)  # Arun, Chichester, Worthing and Horsham
    labels = links.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert sum("(member), score" in label for label in labels) == 3
    assert sum("Horsham (offers payroll), score" in label for label in labels) == 1
    assert map_region.locator("svg path.app-map__origin").count() == 1  # Adur, outlined
    assert_no_axe_violations(page)

    first = map_region.locator('svg a[tabindex="0"]')
    expect(first).to_have_count(1)
    expect(first).to_have_attribute("aria-label", re.compile(r"^1\. "))
    first.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("2. ")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#partner-E0700022[2-9]$"))
    target = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{target}")).to_be_attached()  # a member's row or the offer


def test_without_javascript_the_member_table_and_offers_are_the_content(
    browser: Browser, base_url: str
) -> None:
    suggestion, adur_officer = _west_sussex()
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, adur_officer)
    page.goto(f"/groups/suggestions/{suggestion.key}/")
    expect(page.locator("#partner-map")).to_be_hidden()
    rows = page.locator("table.govuk-table tbody tr")
    expect(rows).to_have_count(4)
    for gss in (ADUR, ARUN, CHICHESTER, WORTHING):
        expect(page.locator(f"#partner-{gss}")).to_be_attached()
    expect(page.locator(f"#partner-{HORSHAM}")).to_contain_text("Horsham offers payroll")
    context.close()
