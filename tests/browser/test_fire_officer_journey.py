"""A fire officer's journey in headless Chromium (issue 13): sign up with an
address on Kent Fire and Rescue's registered domain, confirm it and act for the
fire authority at once, see its profile, and post an offer of a service fire
authorities deliver (the form offers fire services, never housing). axe, the
Content-Security-Policy watch (conftest) and 320 px reflow on every page."""

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from councils.models import Authority, Membership
from offers.models import Listing
from tests.browser.test_join_journey import (  # noqa: F401 (new_page is a fixture)
    NewPage,
    _link_in,
    activate,
    check_page,
    choose_option,
    choose_radio,
    expect_h1,
    new_page,
    type_into,
)
from tests.factories import EmailDomainFactory

pytestmark = pytest.mark.browser

KENT_FIRE = "E31000022"
NAME = "Kent Combined Fire and Rescue Authority"
PASSWORD = "a-long-fire-officer-password"
TITLE = "Fleet workshop capacity to share"


def test_a_fire_officer_signs_up_joins_and_posts_an_offer(
    new_page: NewPage,  # noqa: F811 (the fixture imported above)
    mailoutbox: list[Any],
) -> None:
    kent_fire = Authority.objects.get(gss_code=KENT_FIRE)
    EmailDomainFactory(authority=kent_fire, domain="kentfire.example.org")

    officer = new_page()
    officer.goto("/councils/?kind=fire")
    expect_h1(officer, "Find an organisation")
    expect(officer.locator("#result-count")).to_contain_text("of 47 organisations")
    check_page(officer)

    officer.goto("/accounts/signup/")
    expect_h1(officer, "Create an account")
    type_into(officer, officer.get_by_label("Full name"), "Sam Ward")
    type_into(officer, officer.get_by_label("Email address"), "sam.ward@kentfire.example.org")
    type_into(officer, officer.get_by_label("Password", exact=True), PASSWORD)
    type_into(officer, officer.get_by_label("Confirm password"), PASSWORD)
    activate(officer, officer.get_by_role("button", name="Create account"))
    expect(officer).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    [confirmation] = mailoutbox
    officer.goto(_link_in(confirmation, "/accounts/confirm-email/"))  # opened from the email
    check_page(officer)
    activate(officer, officer.get_by_role("button", name="Confirm email address"))
    expect(officer).not_to_have_url(re.compile(r"/accounts/confirm-email/"))
    check_page(officer)

    membership = Membership.objects.get(user__email="sam.ward@kentfire.example.org")
    assert membership.authority == kent_fire
    assert (membership.status, membership.method) == (
        Membership.Status.APPROVED,
        Membership.Method.DOMAIN,
    )

    # Its profile: a fire authority, the council areas it covers, one officer.
    officer.goto(f"/councils/{KENT_FIRE}/")
    expect_h1(officer, NAME)
    expect(officer.locator(".govuk-caption-l")).to_have_text("Fire and rescue authority")
    expect(officer.locator("#officer-count")).to_have_text("1 registered officer")
    expect(officer.get_by_role("link", name="Medway Council")).to_be_visible()
    check_page(officer)

    officer.goto("/listings/new/")
    expect_h1(officer, "What do you want to post?")
    check_page(officer)
    choose_radio(officer, officer.get_by_label(re.compile(r"^An offer")))
    activate(officer, officer.get_by_role("button", name="Continue"))
    expect_h1(officer, "Post an offer")
    check_page(officer)
    services = officer.get_by_label("Service", exact=True)
    options = services.locator("option").all_inner_texts()
    assert "Fire prevention and protection" in options
    assert "Fleet management" in options
    assert "Homelessness and housing advice" not in options  # fire authorities do not house
    choose_option(officer, services, "Fleet management")
    type_into(officer, officer.get_by_label("Title", exact=True), TITLE)
    type_into(
        officer,
        officer.get_by_label("Summary", exact=True),
        "Our fleet workshop has spare capacity for another emergency service.",
    )
    choose_radio(officer, officer.get_by_label("Lead authority"))
    choose_radio(officer, officer.get_by_label("Any distance"))
    choose_radio(officer, officer.get_by_label("Anyone"))
    activate(officer, officer.get_by_role("button", name="Save as draft"))
    expect_h1(officer, TITLE)
    check_page(officer)
    activate(officer, officer.get_by_role("link", name="Submit for review"))
    activate(officer, officer.get_by_role("button", name="Submit for review"))
    expect(officer.get_by_text("Your listing has been sent for review.")).to_be_visible()
    check_page(officer)

    listing = Listing.objects.get(title=TITLE)
    assert listing.authority == kent_fire
    assert (listing.kind, listing.status) == (Listing.Kind.OFFER, Listing.Status.SUBMITTED)
