"""Issue 15 journeys (b), (c) and (d) in headless Chromium, by keyboard alone.

Each starts on the home page and reaches every page through links, buttons and
form fields found with the Tab key (no typed URL, no clicks). On every page:
axe finds nothing, and at a 320 px viewport the document is no wider than the
viewport (WCAG 1.4.10). Content-Security-Policy violations fail any test
(tests/browser/conftest.py). The people and the listings they start with are
made with factories and the services; everything the journey changes goes
through the pages.
"""

import re
from collections.abc import Callable, Iterator
from typing import cast

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from core.models import AuditEntry, OutboxMessage
from councils.models import EmailDomain, User
from offers import services
from offers.models import Listing, ScreeningTerm, Service
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import UserFactory, officer_of, totp_code
from tests.offers.factories import ADUR, make_listing

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
NARROW = 320

NewPage = Callable[[], Page]
# The elements sticking out past the viewport, innermost first, for the failure message.
WIDER_THAN_VIEWPORT = """(limit) => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > limit + 1 && el.offsetParent !== null)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className}: `
    + Math.round(el.getBoundingClientRect().right))
  .reverse().slice(0, 6)"""


@pytest.fixture
def new_page(browser: Browser, base_url: str) -> Iterator[NewPage]:
    """A fresh browser context per person (own cookies), each failing on JavaScript errors."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make() -> Page:
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# --- the keyboard ---------------------------------------------------------------


def tab_to(page: Page, target: Locator, *, limit: int = 600) -> None:
    """Press Tab until `target` has the focus, as a keyboard user moves through a page."""
    expect(target).to_be_visible()
    handle = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("element => element === document.activeElement", handle):
            return
    raise AssertionError(f"Tab never reached {target} on {page.url}")


def press(page: Page, target: Locator, *, navigates: bool = True) -> None:
    """Follow a link or press a button from the keyboard (and wait for the next page)."""
    tab_to(page, target)
    enter(page, navigates=navigates)


def enter(page: Page, *, navigates: bool = True) -> None:
    if not navigates:
        page.keyboard.press("Enter")
        return
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose_radio(page: Page, group: Locator, target: Locator) -> None:
    """Tab into a radio group, then arrow to the option and select it."""
    tab_to(page, group.first)
    handle = target.element_handle()
    for _ in range(group.count()):
        if page.evaluate("element => element === document.activeElement", handle):
            page.keyboard.press("Space")
            expect(target).to_be_checked()
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{target} is not in its radio group")


def check(page: Page) -> None:
    """Every page of a journey: axe, and no wider than a 320 px viewport."""
    page.wait_for_load_state("load")
    assert_no_axe_violations(page)
    size = page.viewport_size or {"width": 1280, "height": 900}
    page.set_viewport_size({"width": NARROW, "height": size["height"]})
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(WIDER_THAN_VIEWPORT, NARROW) if width > NARROW else []
    page.set_viewport_size(size)
    assert width <= NARROW, (
        f"{page.url} is {width} px wide at a {NARROW} px viewport; too wide: {wide}"
    )


def header_link(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def sign_in_from_home(page: Page, user: User) -> None:
    page.goto("/")
    check(page)
    press(page, header_link(page, "Sign in"))
    check(page)
    type_into(page, page.get_by_label("Email"), user.email)
    type_into(page, page.get_by_label("Password"), PASSWORD)
    enter(page)
    if user.is_staff:  # staff always have an authenticator app (tests.factories)
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
        check(page)
        type_into(page, page.get_by_label("Code"), totp_code())
        enter(page)
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))
    check(page)


def staff_user(**kwargs: object) -> User:
    return cast(User, UserFactory(is_staff=True, **kwargs))


# --- (b) an owner edits a live listing; it stays published; a moderator reverts it ----------


def test_b_live_edit_stays_published_and_a_moderator_reverts_it(new_page: NewPage) -> None:
    owner = officer_of(ADUR, full_name="Olive Owner", email="olive@adur.example.gov.uk")
    moderator = staff_user(full_name="Mo Derator", email="mo@example.org")
    submitted = make_listing(
        status=Listing.Status.SUBMITTED,
        submitted_at=timezone.now(),
        title="Shared building control for two districts",
        summary="Our surveyors can take on building control for a neighbour.",
        contact_email="olive@adur.example.gov.uk",
        created_by=owner,
    )
    listing = services.listing_publish(listing=submitted, by=moderator)

    # The owner: home -> Your organisation -> Dashboard -> Edit -> save.
    page = new_page()
    sign_in_from_home(page, owner)
    press(page, header_link(page, "Your organisation"))
    check(page)
    press(page, page.get_by_role("link", name="Dashboard", exact=True))
    check(page)
    press(page, page.get_by_role("link", name=f"Edit {listing.title}"))
    check(page)
    type_into(page, page.get_by_label("Title"), "Shared building control for three districts")
    press(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_text("Your changes have been saved and published")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Shared building control for three districts"
    )
    check(page)
    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    assert listing.title == "Shared building control for three districts"

    # Anyone browsing sees the edit at once.
    visitor = new_page()
    visitor.goto("/")
    press(visitor, header_link(visitor, "Offers and needs"))
    expect(
        visitor.get_by_role("link", name="Shared building control for three districts")
    ).to_be_visible()
    check(visitor)

    # The moderator: home -> Moderation -> the change -> revert with a reason.
    staff = new_page()
    sign_in_from_home(staff, moderator)
    press(staff, header_link(staff, "Moderation"))
    expect(staff.get_by_role("heading", name=re.compile("Changes since approval"))).to_be_visible()
    check(staff)
    changed = staff.get_by_test_id("queue-changed")
    press(staff, changed.get_by_role("link", name="Shared building control for three districts"))
    expect(staff.get_by_test_id("live-notice")).to_be_visible()
    check(staff)
    decisions = staff.locator('input[name="decision"]')
    choose_radio(staff, decisions, staff.get_by_label("Revert to the approved version"))
    type_into(
        staff, staff.get_by_label("Why the changes are reverted"), "Only two districts agreed"
    )
    press(staff, staff.get_by_role("button", name="Confirm decision"))
    expect(staff.get_by_text("is back to its approved version and stays published")).to_be_visible()
    check(staff)

    listing.refresh_from_db()
    assert (listing.status, listing.title) == (
        Listing.Status.PUBLISHED,
        "Shared building control for two districts",
    )
    assert not listing.has_unreviewed_changes
    email = OutboxMessage.objects.get(kind="listing.decision", subject__contains="reverted")
    assert "olive@adur.example.gov.uk" in email.to and "Only two districts agreed" in email.body
    assert AuditEntry.objects.filter(
        action="listing.revert_changes", actor_id=moderator.pk
    ).exists()

    # The owner sees the approved version again, and why, in the history.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Shared building control for two districts"
    )
    expect(page.get_by_text("Reason: Only two districts agreed")).to_be_visible()
    check(page)


# --- (c) a moderator adds a screened word and a council email domain ------------------------


def test_c_moderator_adds_a_screened_word_and_a_council_email_domain(new_page: NewPage) -> None:
    moderator = staff_user(full_name="Mo Derator", email="mo@example.org")
    page = new_page()
    sign_in_from_home(page, moderator)
    press(page, header_link(page, "Moderation"))
    check(page)
    tools = page.get_by_role("navigation", name="Moderator tools")
    press(page, tools.get_by_role("link", name="Screened words"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Screened words")
    check(page)
    type_into(page, page.get_by_label("Word or phrase"), "guaranteed savings")
    type_into(page, page.get_by_label("Why it is screened"), "Sales talk")
    press(page, page.get_by_role("button", name="Add screened word"))
    expect(page.get_by_text("“guaranteed savings” has been added")).to_be_visible()
    expect(page.get_by_test_id("screening-terms")).to_contain_text("guaranteed savings")
    check(page)

    tools = page.get_by_role("navigation", name="Moderator tools")
    press(page, tools.get_by_role("link", name="Council email domains"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Council email domains")
    check(page)
    # The council box is GOV.UK's accessible-autocomplete over the select.
    council = page.get_by_role("combobox", name="Council")
    type_into(page, council, "Adur")
    expect(page.get_by_role("option", name="Adur District Council")).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(council).to_have_value("Adur District Council")
    type_into(page, page.get_by_label("Email domain", exact=True), "adur-journey.gov.uk")
    press(page, page.get_by_role("button", name="Register domain"))
    expect(
        page.get_by_text("adur-journey.gov.uk now joins people to Adur District Council")
    ).to_be_visible()
    check(page)

    assert ScreeningTerm.objects.filter(term="guaranteed savings", is_active=True).exists()
    domain = EmailDomain.objects.select_related("authority").get(domain="adur-journey.gov.uk")
    assert (domain.authority.gss_code, domain.added_by) == (ADUR, moderator)
    actions = set(AuditEntry.objects.filter(actor_id=moderator.pk).values_list("action", flat=True))
    assert {"screening_term.add", "email_domain.add"} <= actions


# --- (d) a search for "IT" finds an ICT listing, with counts on the filters -----------------


def test_d_a_search_for_it_finds_an_ict_listing_with_counts(new_page: NewPage) -> None:
    ict = Service.objects.get(slug="ict-infrastructure-and-support")
    make_listing(
        status=Listing.Status.PUBLISHED,
        service=ict,
        title="Shared ICT service desk",
        summary="One service desk for two districts' staff.",
        description="",
    )
    make_listing(status=Listing.Status.PUBLISHED, title="Shared building control")
    page = new_page()
    page.goto("/")
    check(page)
    press(page, header_link(page, "Offers and needs"))
    check(page)
    type_into(page, page.get_by_label("Search"), "IT")
    enter(page)
    expect(page.locator("#result-count")).to_contain_text("1 listing found")
    expect(page.get_by_role("link", name="Shared ICT service desk")).to_be_visible()
    expect(page.get_by_role("link", name="Shared building control")).to_have_count(0)
    # Counts beside the options: one offer in the results, no needs.
    expect(page.locator('label[for="id_kind"]')).to_contain_text("Offer (1 listing)")
    expect(page.locator('label[for="id_kind-1"]')).to_contain_text("Need (0 listings)")
    # The map of results (the Find a partner component) draws after the list.
    expect(page.get_by_role("heading", name="Map of the results")).to_be_visible()
    expect(page.locator("#partner-map svg")).to_be_visible()
    check(page)
