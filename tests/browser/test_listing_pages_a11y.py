"""Accessibility of the listing pages the main journey does not reach, and the
search page driven by keyboard alone.

axe (WCAG 2.0/2.1/2.2 A and AA) runs on each page in the states that change
its markup: empty, invalid filters, many pages, flagged and edited listings,
open reports, every dashboard group. State is set up through offers' services
so each listing has the history a real one would.
"""

import re
from typing import Any, cast

import pytest
from playwright.sync_api import Locator, Page, expect

from councils.models import User
from councils.selectors import membership_current
from offers import services
from offers.interest import services as interest_services
from offers.models import Listing, Service
from offers.moderation import services as moderation_services
from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_listing_journeys import WORTHING, sign_in
from tests.factories import UserFactory, officer_of
from tests.offers.factories import ADUR, make_listing

pytestmark = pytest.mark.browser

GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"


def make_user(**fields: Any) -> User:
    return cast(User, UserFactory(**fields))


def create_listing(owner: User, *, title: str, **fields: object) -> Listing:
    values: dict[str, object] = {
        "kind": Listing.Kind.OFFER,
        "service": Service.objects.get(slug="building-control"),
        "summary": f"{title}: a summary shown in search results.",
        "description": "Eight surveyors and a shared case management system.",
        "contact_name": owner.full_name,
        "contact_email": owner.email,
        **fields,
    }
    membership = membership_current(user=owner)
    assert membership is not None
    return services.listing_create(
        authority=membership.authority,
        by=owner,
        title=title,
        **values,  # type: ignore[arg-type]
    )


def publish(listing: Listing, owner: User, moderator: User) -> Listing:
    listing = services.listing_submit(listing=listing, by=owner)
    return services.listing_publish(listing=listing, by=moderator)


def switch_user(page: Page, user: User) -> None:
    page.context.clear_cookies()  # sign out: the sign-in page redirects a signed-in user
    sign_in(page, user)


def focus_by_tab(page: Page, target: Locator, *, limit: int = 300) -> int:
    """Press Tab until `target` has focus; returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"Tab never reached {target} in {limit} presses")


def expect_govuk_focus_style(page: Page) -> None:
    """GOV.UK's focus state: yellow behind text, or a yellow outline around controls."""
    style = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.backgroundColor, s.outlineColor, s.outlineStyle, s.boxShadow].join(' | '); }"
    )
    assert GOVUK_FOCUS_YELLOW in style or "255, 221, 0" in style, style


# -- Search page: keyboard only -------------------------------------------------


def test_search_filters_work_by_keyboard_and_the_count_is_announced(page: Page) -> None:
    owner = officer_of(ADUR, full_name="Alice Adur")
    moderator = make_user(is_staff=True)
    publish(create_listing(owner, title="Building control for two districts"), owner, moderator)
    publish(
        create_listing(owner, title="Building control partner wanted", kind=Listing.Kind.NEED),
        owner,
        moderator,
    )
    publish(
        create_listing(owner, title="Shared payroll", service=Service.objects.get(slug="payroll")),
        owner,
        moderator,
    )

    page.goto("/listings/")
    count = page.locator("#result-count")
    # The live region is in the page from the start, so a change is announced.
    expect(count).to_have_attribute("aria-live", "polite")
    expect(count).to_have_attribute("role", "status")
    expect(count).to_have_text(re.compile(r"^\s*3 listings found\s*$"))

    # Search box: reached with Tab, typed into, focus clearly shown.
    focus_by_tab(page, page.get_by_role("searchbox", name="Search"))
    expect_govuk_focus_style(page)
    page.keyboard.type("building")

    # A checkbox: the next Tab stop, ticked with Space.
    page.keyboard.press("Tab")
    # Its name ends with the count of results beside it: "Offer (3 listings)".
    offers_box = page.get_by_role("checkbox", name=re.compile(r"^Offer \("))
    expect(offers_box).to_be_focused()
    page.keyboard.press("Space")
    expect(offers_box).to_be_checked()

    # A service inside a collapsed family: open the <details> with Enter, tick with Space.
    family = page.locator("summary").filter(has_text="Planning and building control")
    focus_by_tab(page, family)
    expect_govuk_focus_style(page)
    page.keyboard.press("Enter")
    building_control = page.get_by_role("checkbox", name=re.compile(r"^Building control \("))
    expect(building_control).to_be_visible()
    focus_by_tab(page, building_control, limit=10)
    page.keyboard.press("Space")
    expect(building_control).to_be_checked()

    # The rest of the form is reachable without a trap, up to the submit button.
    apply = page.get_by_role("button", name="Apply filters")
    focus_by_tab(page, apply)
    expect_govuk_focus_style(page)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"[?&]q=building\b"))
    expect(page).to_have_url(re.compile(r"[?&]kind=offer\b"))
    expect(page).to_have_url(re.compile(r"[?&]service=building-control\b"))
    expect(count).to_have_text(re.compile(r"^\s*1 listing found\s*$"))
    expect(page.locator(".app-result-list")).to_contain_text("Building control for two districts")
    assert_no_axe_violations(page)

    # A filter tag is a link: reached with Tab, removed with Enter.
    tag = page.get_by_role("link", name=re.compile(r"^Remove filter Offers or needs: Offer"))
    focus_by_tab(page, tag)
    expect_govuk_focus_style(page)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"kind=offer"))
    expect(count).to_have_text(re.compile(r"^\s*2 listings found\s*$"))

    # Sorting by keyboard: choose with the arrow keys, submit with the Sort button.
    sort = page.get_by_label("Sort by")
    focus_by_tab(page, sort)
    page.keyboard.press("ArrowDown")
    expect(sort).to_have_value("newest")
    focus_by_tab(page, page.get_by_role("button", name="Sort"), limit=3)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]sort=newest\b"))
    expect(count).to_have_text(re.compile(r"^\s*2 listings found\s*$"))
    assert_no_axe_violations(page)


# -- Search page: states ----------------------------------------------------------


def test_search_page_states_have_no_axe_violations(page: Page) -> None:
    page.goto("/listings/")
    expect(page.get_by_role("status")).to_contain_text("0 listings found")
    expect(page.get_by_text("No listings match your search.")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto("/listings/?kind=bogus&within=abc&q=" + "x" * 250)
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Offers or needs: choose only from the options shown")
    expect(summary).to_contain_text("Search must be 200 characters or fewer")
    expect(page.get_by_role("status")).to_contain_text("correct the filter")
    assert_no_axe_violations(page)

    owner = officer_of(ADUR)
    for n in range(25):
        make_listing(title=f"Waste collection round {n}", status=Listing.Status.PUBLISHED)
    page.goto("/listings/?page=99")
    expect(page.get_by_text("There is no page 99.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Pages of listings")).to_be_visible()
    assert_no_axe_violations(page)

    # A signed-in-only listing is shown to the officer with its tag.
    make_listing(
        title="Signed-in only listing",
        status=Listing.Status.PUBLISHED,
        visibility=Listing.Visibility.SIGNED_IN,
    )
    sign_in(page, owner)
    page.goto("/listings/?q=signed")
    expect(page.get_by_role("link", name="Signed-in only listing")).to_be_visible()
    assert_no_axe_violations(page)


# -- Listing page, report and interest ---------------------------------------------


def test_listing_report_and_interest_pages_have_no_axe_violations(page: Page) -> None:
    owner = officer_of(ADUR, full_name="Alice Adur")
    visitor = officer_of(WORTHING, full_name="Bob Worthing")
    moderator = make_user(is_staff=True)
    listing = publish(
        create_listing(owner, title="Building control for two districts", annual_value_gbp=450_000),
        owner,
        moderator,
    )

    page.goto(listing.get_absolute_url())  # not signed in
    expect(page.get_by_role("heading", level=1)).to_have_text(listing.title)
    expect(page.get_by_role("link", name="Sign in")).to_have_count(2)  # header and panel
    assert_no_axe_violations(page)

    sign_in(page, visitor)
    page.goto(listing.get_absolute_url())
    page.get_by_role("link", name="Report this listing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report this listing")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you are reporting this listing"
    )
    assert_no_axe_violations(page)
    page.get_by_label("Why are you reporting this listing?").fill("Looks like an advert.")
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(re.compile(r"/report/sent/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Report sent")
    assert_no_axe_violations(page)

    interest, _created = interest_services.interest_register(
        listing=listing, by=visitor, message="Could we talk?\n\nWorthing"
    )
    page.goto(interest.get_absolute_url())  # the sender's view
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your interest")
    assert_no_axe_violations(page)

    switch_user(page, owner)
    page.goto(interest.get_absolute_url())  # the owner's view, with the status form
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Interest from Worthing Borough Council"
    )
    page.get_by_label("In discussion").check()
    page.get_by_role("button", name="Save status").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your council's listings")
    expect(page.get_by_role("row").filter(has_text="Worthing")).to_contain_text("In discussion")
    assert_no_axe_violations(page)


# -- Owner's pages ---------------------------------------------------------------------


def test_owner_pages_in_every_state_have_no_axe_violations(page: Page) -> None:
    owner = officer_of(ADUR, full_name="Alice Adur")
    moderator = make_user(is_staff=True)
    published = publish(create_listing(owner, title="Published offer"), owner, moderator)
    create_listing(owner, title="Draft need", kind=Listing.Kind.NEED)
    sent_back = services.listing_submit(
        listing=create_listing(owner, title="Listing sent back"), by=owner
    )
    moderation_services.listing_moderate(
        listing=sent_back, by=moderator, decision="request_changes", reason="Add the scale."
    )

    sign_in(page, owner)
    page.goto("/listings/dashboard/")
    for group in ["Published", "Draft", "Changes requested"]:
        expect(page.get_by_role("table", name=f"{group} listings")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Listing sent back", exact=True).click()
    expect(page.get_by_text("A moderator asked for changes: Add the scale.")).to_be_visible()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(f"/listings/{published.pk}/edit/")
    expect(page.get_by_text("This listing is published.")).to_be_visible()
    page.get_by_label("Title", exact=True).fill("")
    page.get_by_label("Annual value, in pounds").fill("lots")
    page.get_by_role("button", name="Save changes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a title")
    expect(summary).to_contain_text("Annual value must be a whole number of pounds")
    expect(page.get_by_label("Annual value, in pounds")).to_have_value("lots")  # kept
    assert_no_axe_violations(page)

    for action in ["withdraw", "renew"]:
        page.goto(f"/listings/{published.pk}/{action}/")
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            re.compile(action, re.IGNORECASE)
        )
        expect(page.get_by_role("button", name=f"{action.title()} listing")).to_be_visible()
        assert_no_axe_violations(page)

    switch_user(page, make_user())
    page.goto("/listings/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your council's listings")
    assert_no_axe_violations(page)


# -- Moderator's pages ---------------------------------------------------------------


def test_moderation_pages_with_flags_diffs_and_reports_have_no_axe_violations(
    page: Page,
) -> None:
    owner = officer_of(ADUR, full_name="Alice Adur")
    reporter = officer_of(WORTHING)
    moderator = make_user(is_staff=True, email="mo@example.org")
    edited = publish(
        create_listing(owner, title="Offer edited after publication"), owner, moderator
    )
    edited = services.listing_update(
        listing=edited,
        by=owner,
        version=edited.version,
        changes={
            "summary": "Now with a link: see https://example.com/offer or email sales@example.com",
        },
    )
    # The edit of a live listing added a link and an address, so it is held for review
    # while the approved text stays up (issue 15).
    assert edited.status == Listing.Status.PUBLISHED and edited.held_values is not None
    reported = publish(create_listing(owner, title="Reported offer"), owner, moderator)
    moderation_services.report_create(listing=reported, by=reporter, reason="Not a council.")

    sign_in(page, moderator)
    page.goto("/listings/moderation/")
    expect(page.get_by_test_id("queue-changed")).to_contain_text(edited.title)
    expect(page.get_by_test_id("queue-reported")).to_contain_text(reported.title)
    assert_no_axe_violations(page)

    page.get_by_test_id("queue-changed").get_by_role("link", name=edited.title).click()
    expect(page.get_by_text("Check these before you approve.")).to_be_visible()
    expect(page.get_by_test_id("diff")).to_contain_text("Summary")
    assert_no_axe_violations(page)

    # Request changes without saying what: the error is on the right box.
    page.get_by_label("Request changes").check()
    page.get_by_role("button", name="Confirm decision").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the changes the council needs to make"
    )
    assert_no_axe_violations(page)

    page.goto("/listings/moderation/")
    page.get_by_test_id("queue-reported").get_by_role("link", name=reported.title).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Open report from"))).to_be_visible()
    assert_no_axe_violations(page)
