"""Journey (a), by keyboard alone from the home page, in headless Chromium: a new
officer signs up, asks to join a council with no admin, staff approve from their
queue (signing in with an authenticator code), and the officer posts a need from
the home page.

No URL is typed: every step after opening the home page is a Tab to a link,
field or button and a key press, except opening the links in the emails the
service really sent (locmem backend, eager Celery: the live server runs in this
process). On every page: axe, the Content-Security-Policy watch (conftest), and
a check that at a 320 px wide viewport the document is no wider than 320 px
(WCAG 1.4.10 reflow).
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from councils.models import Membership, User
from offers.models import Listing
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import UserFactory, totp_code

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
NEW_PASSWORD = "a-long-new-officer-password"
MID_SUFFOLK = "E07000203"  # a district with no admin on the service
TITLE = "Partner wanted for internal audit"
# Set JOURNEY_SCREENSHOTS to a folder to keep PNGs of the home panel and the queue.
SCREENSHOTS = os.environ.get("JOURNEY_SCREENSHOTS", "")
MAX_TABS = 400

NewPage = Callable[[], Page]


@pytest.fixture
def new_page(browser: Browser, base_url: str) -> Iterator[NewPage]:
    """A fresh browser context per person, each failing on JavaScript errors."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make() -> Page:
        context = browser.new_context(base_url=base_url, viewport={"width": 1024, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def check_page(page: Page) -> None:
    """axe, then reflow: at 320 px wide the document must not scroll sideways."""
    page.wait_for_load_state("load")
    assert_no_axe_violations(page)
    size = page.viewport_size
    assert size is not None
    page.set_viewport_size({"width": 320, "height": size["height"]})
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(WIDE_ELEMENTS) if width > 320 else []
    page.set_viewport_size(size)
    assert width <= 320, f"{page.url} is {width} px wide at a 320 px viewport: {wide}"


# Elements that stick out past the viewport or overflow their box: what to fix.
WIDE_ELEMENTS = """() => [...document.querySelectorAll("body *")]
  .filter(el => el.getBoundingClientRect().right > 320 || el.scrollWidth > el.clientWidth + 1)
  .filter(el => !getComputedStyle(el).overflowX.match(/auto|scroll|hidden/))
  .slice(0, 5)
  .map(el => el.tagName + "." + el.className + ": " + (el.textContent || "").slice(0, 60))"""


def _is_focused(locator: Locator) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def tab_to(page: Page, target: Locator) -> None:
    """Press Tab (from wherever focus is) until `target` has focus."""
    target.first.wait_for(state="attached")
    for _ in range(MAX_TABS):
        if _is_focused(target.first):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def activate(page: Page, target: Locator) -> None:
    """Tab to a link or button and press Enter."""
    tab_to(page, target)
    page.keyboard.press("Enter")


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def choose_radio(page: Page, radio: Locator) -> None:
    """Tab into the radio group, then arrow keys until `radio` is chosen."""
    name = radio.get_attribute("name")
    group = page.locator(f'input[type="radio"][name="{name}"]')
    for _ in range(MAX_TABS):
        if bool(page.evaluate(f"() => document.activeElement.name === {name!r}")):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    for _ in range(group.count()):
        if radio.is_checked():
            return
        page.keyboard.press("ArrowDown")
    assert radio.is_checked(), f"could not choose {radio}"


def choose_option(page: Page, select: Locator, label: str) -> None:
    """Focus a <select> and type the option's name (the browser's type-ahead)."""
    tab_to(page, select)
    page.keyboard.type(label)
    page.keyboard.press("Tab")
    chosen = select.evaluate("el => el.options[el.selectedIndex].text")
    assert chosen == label, chosen


def expect_h1(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def _screenshot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / f"j1_{name}.png"), full_page=True)


def _link_in(message: mail.EmailMessage, path: str) -> str:
    match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]*)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_new_officer_joins_a_council_with_no_admin_and_posts_a_need(
    new_page: NewPage, mailoutbox: list[Any]
) -> None:
    staff_member = cast(User, UserFactory(email="mo@example.org", is_staff=True))

    # -- A new officer signs up from the home page ------------------------------
    officer = new_page()
    officer.goto("/")
    expect_h1(officer, "Find a shared service partner")
    expect(officer.get_by_test_id("live-counts")).to_contain_text(
        "Organisations with at least one officer"
    )
    check_page(officer)
    activate(officer, officer.get_by_role("link", name="Create an account"))
    expect_h1(officer, "Create an account")
    check_page(officer)
    type_into(officer, officer.get_by_label("Full name"), "Nia Newcomer")
    type_into(officer, officer.get_by_label("Email address"), "nia@midsuffolk.example.gov.uk")
    type_into(officer, officer.get_by_label("Password", exact=True), NEW_PASSWORD)
    type_into(officer, officer.get_by_label("Confirm password"), NEW_PASSWORD)
    activate(officer, officer.get_by_role("button", name="Create account"))
    expect(officer).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    check_page(officer)

    [confirmation] = mailoutbox
    assert confirmation.subject.endswith("Confirm your email address to finish signing up")
    assert confirmation.body.startswith("Hello,")
    officer.goto(_link_in(confirmation, "/accounts/confirm-email/"))  # opened from the email
    check_page(officer)
    activate(officer, officer.get_by_role("button", name="Confirm email address"))

    # -- ...and asks to join a council with no admin ---------------------------
    expect_h1(officer, "Join your council")
    check_page(officer)
    choose_option(officer, officer.get_by_label("Your council"), "Mid Suffolk District Council")
    type_into(officer, officer.get_by_label("Job title"), "Audit manager")
    activate(officer, officer.get_by_role("button", name="Send request"))
    expect_h1(officer, "Your request is waiting for approval")
    expect(officer.get_by_test_id("deciders")).to_contain_text("the service’s staff decide")
    check_page(officer)

    membership = Membership.objects.get(user__email="nia@midsuffolk.example.gov.uk")
    assert membership.status == Membership.Status.PENDING
    to_staff = [m for m in mailoutbox if m.to == [staff_member.email]]
    assert len(to_staff) == 1
    assert "Nia Newcomer asks to join Mid Suffolk District Council" in to_staff[0].subject
    assert "has no authority admin yet, so site staff decide" in to_staff[0].body

    # -- Staff sign in with an authenticator code and approve from their queue ---
    staff = new_page()
    staff.goto("/")
    check_page(staff)
    activate(
        staff, staff.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign in")
    )
    expect_h1(staff, "Sign in")
    check_page(staff)
    type_into(staff, staff.get_by_label("Email address"), staff_member.email)
    type_into(staff, staff.get_by_label("Password"), PASSWORD)
    activate(staff, staff.get_by_role("button", name="Sign in"))
    expect_h1(staff, "Enter your security code")
    check_page(staff)
    type_into(staff, staff.get_by_label("Code"), totp_code())
    activate(staff, staff.get_by_role("button", name="Continue"))
    expect(staff).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))
    activate(staff, staff.get_by_role("link", name="Join requests"))
    expect_h1(staff, "Requests to join an organisation")
    card = staff.locator(".govuk-summary-card", has_text="Nia Newcomer")
    expect(card).to_contain_text("Staff: it has no authority admin")
    expect(card).to_contain_text("Since today")
    check_page(staff)
    _screenshot(staff, "staff_join_queue")
    activate(staff, card.get_by_role("link", name=re.compile(r"^Decide")))
    expect_h1(staff, "Nia Newcomer")
    check_page(staff)
    choose_radio(staff, staff.get_by_label("Approve", exact=True))
    activate(staff, staff.get_by_role("button", name="Save decision"))
    expect(staff.get_by_text("You approved the request from Nia Newcomer")).to_be_visible()
    check_page(staff)

    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED
    assert membership.decided_by == staff_member
    decision = [m for m in mailoutbox if "You can now act for" in m.subject]
    assert [m.to for m in decision] == [["nia@midsuffolk.example.gov.uk"]]

    # -- The officer posts a need from the home page -----------------------------
    activate(officer, officer.get_by_role("link", name="Find a shared service partner").first)
    expect_h1(officer, "Mid Suffolk District Council")
    expect(officer.get_by_role("link", name="Your organisation")).to_be_visible()
    check_page(officer)
    activate(officer, officer.get_by_role("link", name="Post an offer or a need"))
    expect_h1(officer, "What do you want to post?")
    check_page(officer)
    choose_radio(officer, officer.get_by_label(re.compile(r"^A need")))
    activate(officer, officer.get_by_role("button", name="Continue"))
    expect_h1(officer, "Post a need")
    check_page(officer)
    choose_option(officer, officer.get_by_label("Service", exact=True), "Internal audit")
    type_into(officer, officer.get_by_label("Title", exact=True), TITLE)
    type_into(
        officer,
        officer.get_by_label("Summary", exact=True),
        "We want a partner council to share an internal audit team.",
    )
    choose_radio(officer, officer.get_by_label("Lead authority"))
    choose_radio(officer, officer.get_by_label("Any distance"))
    choose_radio(officer, officer.get_by_label("Anyone"))
    activate(officer, officer.get_by_role("button", name="Save as draft"))
    expect_h1(officer, TITLE)
    check_page(officer)
    activate(officer, officer.get_by_role("link", name="Submit for review"))
    expect_h1(officer, "Submit your listing for review")
    check_page(officer)
    activate(officer, officer.get_by_role("button", name="Submit for review"))
    expect(officer.get_by_text("Your listing has been sent for review.")).to_be_visible()
    check_page(officer)

    listing = Listing.objects.get(title=TITLE)
    assert (listing.kind, listing.status) == (Listing.Kind.NEED, Listing.Status.SUBMITTED)
    assert listing.authority.gss_code == MID_SUFFOLK

    # Back home: the panel shows the need waiting for review.
    activate(officer, officer.get_by_role("link", name="Find a shared service partner").first)
    panel = officer.locator(".govuk-summary-card", has_text="Waiting for review")
    expect(panel.get_by_role("link", name=TITLE, exact=True)).to_be_visible()
    expect(panel.get_by_role("link", name=f"Edit {TITLE}")).to_be_visible()
    check_page(officer)
    _screenshot(officer, "signed_in_home")
