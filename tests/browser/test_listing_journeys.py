"""Offers and needs end to end, in headless Chromium, checked with axe on every page.

An officer of Adur posts a need, a moderator approves it, an officer of
Worthing finds it by searching and expresses interest, and the Adur officer
sees that interest on the dashboard. Everything goes through the real pages
(sign-in included); the only shortcut is creating the people.

Emails: the live server runs in this process with the locmem backend and
Celery eager (settings.test), so `mailoutbox` sees what the views sent.
"""

import re
from collections.abc import Callable, Iterator
from typing import cast

import pytest
from django.core import mail
from playwright.sync_api import Browser, BrowserContext, Page, expect

from councils.models import User
from offers.models import Interest, Listing
from tests.browser.conftest import assert_no_axe_violations
from tests.factories import UserFactory, officer_of, totp_code
from tests.offers.factories import ADUR, make_listing

pytestmark = pytest.mark.browser

WORTHING = "E07000229"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
TITLE = "Shared legal team for planning appeals and enforcement"
# Rare words so the free-text search finds this listing and nothing else.
SUMMARY = "We want a partner council to share solicitors for planning appeals and prosecutions."

NewPage = Callable[[], Page]


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


def sign_in(page: Page, user: User) -> None:
    """Through the real sign-in page, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if user.is_staff:  # staff always have an authenticator app (tests.factories)
        expect(page.get_by_role("heading", level=1)).to_have_text("Enter your security code")
        page.get_by_label("Code").fill(totp_code())
        page.get_by_role("button", name="Continue").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|2fa)/"))


def expect_h1(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text(text)


def test_need_is_posted_approved_found_and_answered(new_page: NewPage, mailoutbox: list) -> None:
    alice = officer_of(ADUR, full_name="Alice Adur", email="alice@adur.example.gov.uk")
    bob = officer_of(WORTHING, full_name="Bob Worthing", email="bob@worthing.example.gov.uk")
    moderator = cast(
        User, UserFactory(full_name="Mo Derator", email="mo@example.org", is_staff=True)
    )
    # Another published listing, so the search has something to leave out.
    make_listing(
        title="Shared payroll service",
        summary="Payroll for up to 3,000 staff.",
        status=Listing.Status.PUBLISHED,
    )

    # -- Alice (Adur) posts a need ---------------------------------------------
    owner = new_page()
    sign_in(owner, alice)
    owner.goto("/listings/dashboard/")
    expect_h1(owner, "Your council's listings")
    assert_no_axe_violations(owner)

    owner.get_by_role("link", name="Post an offer or a need").click()
    expect_h1(owner, "What do you want to post?")
    assert_no_axe_violations(owner)
    owner.get_by_label(re.compile(r"^A need")).check()
    owner.get_by_role("button", name="Continue").click()

    expect(owner).to_have_url(re.compile(r"/listings/new/need/$"))
    expect_h1(owner, "Post a need")
    assert_no_axe_violations(owner)

    # Submitted empty (less the prefilled contact): every error shown, each linked.
    owner.get_by_label("Contact officer's name").fill("")
    owner.get_by_role("button", name="Save as draft").click()
    summary = owner.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(owner).to_have_title(re.compile(r"^Error: "))
    for message in ["Select the service", "Enter a title", "Enter a summary"]:
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    assert_no_axe_violations(owner)
    summary.get_by_role("link", name="Enter a title").click()
    expect(owner.get_by_label("Title", exact=True)).to_be_focused()

    owner.get_by_label("Service", exact=True).select_option(label="Legal services")
    owner.get_by_label("Title", exact=True).fill(TITLE)
    owner.get_by_label("Summary", exact=True).fill(SUMMARY)
    owner.get_by_label(re.compile(r"^Description")).fill(
        "Two solicitors' time a week, on a lead authority basis."
    )
    owner.get_by_label("Lead authority").check()
    owner.get_by_label("Any distance").check()
    owner.get_by_label("Contact officer's name").fill("Alice Adur")
    owner.get_by_label("Anyone").check()
    owner.get_by_role("button", name="Save as draft").click()

    expect_h1(owner, TITLE)
    expect(owner.get_by_text("Draft saved.")).to_be_visible()
    expect(owner.get_by_text("Draft", exact=True)).to_be_visible()
    assert_no_axe_violations(owner)
    listing = Listing.objects.get(title=TITLE)
    assert (listing.kind, listing.authority.gss_code) == (Listing.Kind.NEED, ADUR)
    assert listing.service.name == "Legal services"

    owner.get_by_role("link", name="Submit for review").click()
    expect_h1(owner, "Submit your listing for review")
    assert_no_axe_violations(owner)
    owner.get_by_role("button", name="Submit for review").click()
    expect_h1(owner, TITLE)
    expect(owner.get_by_text("Your listing has been sent for review.")).to_be_visible()
    expect(owner.get_by_text("Waiting for review", exact=True)).to_be_visible()
    assert_no_axe_violations(owner)

    # -- The moderator approves it -------------------------------------------
    staff = new_page()
    sign_in(staff, moderator)
    staff.goto("/listings/moderation/")
    expect_h1(staff, "Moderation queue")
    waiting = staff.get_by_test_id("queue-submitted")
    expect(waiting).to_contain_text("Adur District Council")
    assert_no_axe_violations(staff)

    waiting.get_by_role("link", name=TITLE).click()
    expect_h1(staff, TITLE)
    expect(staff.get_by_text("First submission")).to_be_visible()
    assert_no_axe_violations(staff)

    # Confirming without a decision is an error, not a guess.
    staff.get_by_role("button", name="Confirm decision").click()
    expect(staff.locator(".govuk-error-summary")).to_contain_text(
        "Select what you want to do with the listing"
    )
    assert_no_axe_violations(staff)

    mailoutbox.clear()
    staff.get_by_label("Approve and publish").check()
    staff.get_by_role("button", name="Confirm decision").click()
    expect_h1(staff, "Moderation queue")
    expect(staff.get_by_text(f"“{TITLE}” is published.")).to_be_visible()
    expect(staff.get_by_text("No listings are waiting for review.")).to_be_visible()
    assert_no_axe_violations(staff)

    listing.refresh_from_db()
    assert listing.status == Listing.Status.PUBLISHED
    decision_emails = [m for m in mailoutbox if TITLE in m.body]
    assert len(decision_emails) == 1, [m.subject for m in mailoutbox]
    assert "alice@adur.example.gov.uk" in decision_emails[0].to
    assert "is now published" in decision_emails[0].body

    # -- Bob (Worthing) finds it by searching and expresses interest ------------
    finder = new_page()
    sign_in(finder, bob)
    finder.goto("/listings/")
    expect_h1(finder, "Find offers and needs")
    assert_no_axe_violations(finder)

    finder.get_by_role("searchbox", name="Search").fill("solicitors appeals")
    finder.get_by_role("button", name="Apply filters").click()
    expect(finder).to_have_url(re.compile(r"[?&]q=solicitors\+appeals"))
    expect(finder.get_by_role("status")).to_contain_text("1 listing found")
    results = finder.locator(".app-result-list")
    expect(results.get_by_role("link", name=TITLE)).to_be_visible()
    expect(results).not_to_contain_text("Shared payroll service")
    assert_no_axe_violations(finder)

    results.get_by_role("link", name=TITLE).click()
    expect_h1(finder, TITLE)
    expect(finder.get_by_text("Need from Adur District Council")).to_be_visible()
    assert_no_axe_violations(finder)

    finder.get_by_role("link", name=re.compile(r"^Express interest")).click()
    expect_h1(finder, f"Express interest in {TITLE}")
    assert_no_axe_violations(finder)
    finder.get_by_role("button", name="Send message").click()
    expect(finder.locator(".govuk-error-summary")).to_contain_text("Enter a message to the council")
    assert_no_axe_violations(finder)

    mailoutbox.clear()
    finder.get_by_label("Your message to the council").fill(
        "Worthing has the same need. Could we talk about a joint legal team?"
    )
    finder.get_by_role("button", name="Send message").click()
    expect_h1(finder, TITLE)
    expect(finder.get_by_text("Your message has been sent to Alice Adur")).to_be_visible()
    expect(finder.get_by_role("heading", name="Your interest")).to_be_visible()
    assert_no_axe_violations(finder)

    assert Interest.objects.filter(listing=listing, sender=bob).count() == 1
    assert len(mailoutbox) == 1, [m.subject for m in mailoutbox]
    interest_email = mailoutbox[0]
    assert interest_email.to == [listing.contact_email]
    assert interest_email.reply_to == ["bob@worthing.example.gov.uk"]
    assert "Worthing Borough Council" in interest_email.subject
    assert "joint legal team" in interest_email.body
    assert mail.outbox is mailoutbox

    # -- Alice sees the interest on her dashboard --------------------------------
    owner.goto("/listings/dashboard/")
    received = owner.get_by_role("heading", name=re.compile(r"^Interest received"))
    expect(received).to_contain_text("(1)")
    row = owner.get_by_role("row").filter(has_text="Worthing Borough Council")
    expect(row).to_contain_text(TITLE)
    expect(row).to_contain_text("New")
    expect(owner.get_by_role("table", name="Published listings")).to_contain_text(TITLE)
    assert_no_axe_violations(owner)

    row.get_by_role("link", name=re.compile(r"^Worthing Borough Council")).click()
    expect_h1(owner, "Interest from Worthing Borough Council")
    expect(owner.get_by_text("Could we talk about a joint legal team?")).to_be_visible()
    assert_no_axe_violations(owner)
