"""The issue 15 widgets with JavaScript on: the council picker (GOV.UK's
accessible-autocomplete over the multiple select) and "Show filters" on a phone.
axe on each state; CSP violations fail (tests/browser/conftest.py)."""

import pytest
from playwright.sync_api import Page, expect

from councils.models import Authority
from offers.models import Listing
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import officer_of
from tests.offers.factories import ADUR, ARUN, make_listing

pytestmark = pytest.mark.browser

WORTHING = "E07000229"
PASSWORD = "correct-horse-battery"


def choose_council(page: Page, typed: str, name: str) -> None:
    box = page.get_by_role("combobox", name="Councils you want to partner with")
    box.fill(typed)
    expect(page.get_by_role("option", name=name)).to_be_visible()
    box.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator(".app-council-picker__chosen")).to_contain_text(name)
    expect(box).to_have_value("")


def test_council_picker_adds_lists_and_removes_councils(page: Page) -> None:
    officer = officer_of(ADUR, email="ann@adur.example.gov.uk")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(officer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/listings/new/offer/")
    select = page.locator('select[name="named_partners"]')
    expect(select).to_be_hidden()  # replaced by the autocomplete, still in the form
    expect(page.get_by_text("No councils chosen yet")).to_be_visible()
    choose_council(page, "Arun", "Arun District Council")
    choose_council(page, "Worthing", "Worthing Borough Council")
    expect(page.get_by_text("Councils chosen (2)")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Remove Arun District Council").click()
    expect(page.get_by_text("Councils chosen (1)")).to_be_visible()
    expect(
        page.get_by_role("status").filter(has_text="Arun District Council removed")
    ).to_have_count(1)

    page.get_by_label("Service", exact=True).select_option(label="Building control")
    page.get_by_label("Title", exact=True).fill("Shared building control")
    page.get_by_label("Summary", exact=True).fill("Surveyors for a neighbour.")
    page.get_by_label("Lead authority").check()
    page.get_by_label("Named councils").check()
    page.get_by_label("Anyone").check()
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Draft saved")).to_be_visible()
    listing = Listing.objects.get(title="Shared building control")
    assert [a.gss_code for a in listing.named_partners.all()] == [WORTHING]
    assert not Authority.objects.get(gss_code=ARUN).named_in_listings.exists()


def test_filters_wait_behind_show_filters_on_a_phone(page: Page) -> None:
    make_listing(status=Listing.Status.PUBLISHED, title="Shared building control")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/listings/")
    toggle = page.get_by_role("button", name="Show filters")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("group", name="Offers or needs")).to_be_hidden()
    assert_no_axe_violations(page)
    toggle.click()
    expect(page.get_by_role("button", name="Hide filters")).to_have_attribute(
        "aria-expanded", "true"
    )
    expect(page.get_by_role("group", name="Offers or needs")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_no_axe_violations(page)
