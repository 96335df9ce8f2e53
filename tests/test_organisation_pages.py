"""Navigation for each role: the signed-in home page's organisation panel, the
header's "Your organisation", and handing a leaver's listings to a colleague."""

import re
from html import unescape
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEntry
from councils.models import Authority, AuthorityProfile, Membership, User
from offers.models import Listing, ListingEvent
from tests.factories import MembershipFactory, UserFactory, officer_of
from tests.offers.factories import ARUN, InterestFactory, make_listing
from tests.queries import counted_queries

pytestmark = pytest.mark.django_db

ADUR = "E07000223"


def _text(response: Any) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _nav(response: Any) -> str:
    html = response.content.decode()
    return html[html.index('<ul class="govuk-service-navigation__list"') : html.index("</nav>")]


def test_home_panel_shows_listings_by_state_with_next_actions(client):
    officer = officer_of(ADUR)
    draft = make_listing(status=Listing.Status.DRAFT, title="Draft payroll offer")
    live = make_listing(status=Listing.Status.PUBLISHED, title="Live building control offer")
    client.force_login(officer)

    response = client.get("/")
    html = response.content.decode()
    text = _text(response)

    assert '<a class="govuk-button" data-module="govuk-button" href="/listings/new/">' in html
    assert "Post an offer or a need" in text
    assert "Draft (1)" in text and "Published (1)" in text
    assert f'href="/listings/{draft.pk}/submit/"' in html
    assert f'href="/listings/{live.pk}/renew/"' in html
    assert f'href="/listings/{draft.pk}/edit/"' in html
    # Officers see no join requests: only admins decide them.
    assert "Requests to join" not in text


def test_home_panel_shows_interest_received_and_suggested_partners(client):
    officer = officer_of(ADUR)
    listing = make_listing(status=Listing.Status.PUBLISHED)
    sender_authority = Authority.objects.get(gss_code=ARUN)
    InterestFactory(listing=listing, sender_authority=sender_authority)
    client.force_login(officer)

    text = _text(client.get("/"))

    assert "Interest received" in text
    assert "Arun District Council" in text
    assert f"about {listing.title}" in text
    assert "Suggested partners for your listings" in text
    assert "For building control" in text  # matching's suggested_groups_for_council


def test_home_panel_shows_admins_the_join_requests_waiting(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    pending = cast(
        Membership,
        MembershipFactory(status=Membership.Status.PENDING, user__full_name="Pat Waiting"),
    )
    client.force_login(admin)

    html = client.get("/").content.decode()

    assert "Requests to join" in html
    assert f'href="/councils/{ADUR}/members/{pending.pk}/decide/"' in html
    assert "Pat Waiting" in html


# Measured: 13 (session, user, membership, admin check, listings, interest, join
# requests, matching's services and rankings, and the two savings bases: listings'
# stated values and recorded service costs; groups' suggestions, one query, their
# members a second only when there are some), with 3 or with 24 listings.
QUERIES = 13


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(counted_queries(ctx))


def _listings_with_interest(each: int) -> None:
    arun = Authority.objects.get(gss_code=ARUN)
    for status in [Listing.Status.DRAFT, Listing.Status.PUBLISHED, Listing.Status.SUBMITTED]:
        for _ in range(each):
            listing = make_listing(status=status)
            if status == Listing.Status.PUBLISHED:
                InterestFactory(listing=listing, sender_authority=arun)


def test_home_panel_queries_do_not_grow_with_listings(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    _listings_with_interest(1)
    MembershipFactory.create_batch(1, status=Membership.Status.PENDING)
    client.force_login(admin)
    client.get("/")  # matching's reference snapshot is built once per process
    few = _home_queries(client)

    _listings_with_interest(7)
    MembershipFactory.create_batch(5, status=Membership.Status.PENDING)
    client.get("/")  # a listing published: the snapshot is rebuilt once
    many = _home_queries(client)

    assert few == many <= QUERIES
    response = client.get("/")
    assert "Published (8)" in _text(response)
    assert "See all 8 published listings" in _text(response)


def test_signed_out_home_says_what_the_service_does_and_how_to_start(client):
    text = _text(client.get("/"))

    assert "How to start" in text
    assert "Create an account with your work email address" in text
    assert "Live offers and needs" in text
    assert "Organisations with at least one officer" in text


def test_header_links_your_organisation_for_members_only(client):
    client.force_login(officer_of(ADUR))
    assert "Your organisation" in _nav(client.get("/listings/"))

    client.force_login(cast(User, UserFactory()))
    assert "Your organisation" not in _nav(client.get("/listings/"))


def test_your_organisation_links_dashboard_listings_members_and_invitations(client):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))

    response = client.get("/your-organisation/")
    html = response.content.decode()

    assert response.status_code == 200
    for href in [
        "/listings/dashboard/",
        f"/councils/{ADUR}/#listings",
        f"/councils/{ADUR}/members/",
        f"/councils/{ADUR}/invitations/",
    ]:
        assert f'href="{href}"' in html, href
    assert 'aria-current="page">Your organisation' in html


def test_your_organisation_hides_member_management_from_officers(client):
    client.force_login(officer_of(ADUR))

    html = client.get("/your-organisation/").content.decode()

    assert f'href="/councils/{ADUR}/members/"' not in html
    assert "managed by Adur’s authority admins" in html


def test_your_organisation_sends_people_without_one_to_join(client):
    client.force_login(cast(User, UserFactory()))

    response = client.get("/your-organisation/")

    assert response.status_code == 302
    assert response["Location"] == "/councils/join/"


def test_header_does_not_mark_offers_and_needs_current_on_moderation_pages(client):
    client.force_login(cast(User, UserFactory(is_staff=True)))

    nav = _nav(client.get("/listings/moderation/"))
    offers_item = re.search(r'<li class="([^"]*)">\s*<a [^>]*>Offers and needs', nav)
    moderation_item = re.search(r'<li class="([^"]*)">\s*<a [^>]*>Moderation', nav)

    assert offers_item and "--active" not in offers_item.group(1)
    assert moderation_item and "--active" in moderation_item.group(1)
    browse = _nav(client.get("/listings/"))
    assert re.search(r'--active">\s*<a [^>]*>Offers and needs', browse)


# Handing over a leaver's listings ---------------------------------------------


def test_admin_hands_a_leavers_listings_and_contacts_to_a_colleague(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    leaver = officer_of(ADUR, full_name="Lee Leaver", email="lee@adur.example.gov.uk")
    taker = officer_of(ADUR, full_name="Tess Taker", email="tess@adur.example.gov.uk")
    created = make_listing(created_by=leaver, contact_email="team@adur.example.gov.uk")
    contact = make_listing(contact_name="Lee Leaver", contact_email="LEE@adur.example.gov.uk")
    other = make_listing(contact_email="someone@adur.example.gov.uk")
    AuthorityProfile.objects.create(
        authority=Authority.objects.get(gss_code=ADUR),
        contact_name="Lee Leaver",
        contact_email="lee@adur.example.gov.uk",
    )
    leaving = Membership.objects.get(user=leaver)
    client.force_login(admin)

    page = client.get(f"/councils/{ADUR}/members/{leaving.pk}/hand-over/")
    assert page.status_code == 200
    response = client.post(
        f"/councils/{ADUR}/members/{leaving.pk}/hand-over/", {"to": str(taker.pk)}
    )

    assert response.status_code == 302
    created.refresh_from_db()
    contact.refresh_from_db()
    other.refresh_from_db()
    assert created.created_by == taker and created.contact_email == "team@adur.example.gov.uk"
    assert (contact.contact_name, contact.contact_email) == ("Tess Taker", taker.email)
    assert other.contact_email == "someone@adur.example.gov.uk"
    profile = AuthorityProfile.objects.get(authority__gss_code=ADUR)
    assert profile.contact_email == taker.email
    event = ListingEvent.objects.filter(listing=contact).latest("pk")
    assert event.reason == "Handed over from Lee Leaver to Tess Taker."
    assert event.actor == admin
    assert AuditEntry.objects.filter(action="listings.hand_over", actor=admin).exists()


def test_officers_cannot_hand_over_listings(client):
    leaver = officer_of(ADUR)
    taker = officer_of(ADUR)
    make_listing(created_by=leaver)
    client.force_login(officer_of(ADUR))
    leaving = Membership.objects.get(user=leaver)

    response = client.post(
        f"/councils/{ADUR}/members/{leaving.pk}/hand-over/", {"to": str(taker.pk)}
    )

    assert response.status_code == 403
    assert Listing.objects.get().created_by == leaver


def test_hand_over_only_to_a_current_member(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    leaver = officer_of(ADUR)
    outsider = officer_of(ARUN)
    client.force_login(admin)
    leaving = Membership.objects.get(user=leaver)

    response = client.post(
        f"/councils/{ADUR}/members/{leaving.pk}/hand-over/", {"to": str(outsider.pk)}
    )

    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()


def _organisation_item(response: Any) -> str:
    """The header's "Your organisation" item: its <li> and <a> tags."""
    found = re.search(r'<li class="[^"]*">\s*<a [^>]*>Your organisation', _nav(response))
    assert found, "no Your organisation item"
    return found.group(0)


@pytest.mark.parametrize(
    "path",
    [
        "/listings/dashboard/",
        f"/councils/{ADUR}/members/",
        f"/councils/{ADUR}/invitations/",
        f"/councils/{ADUR}/edit/",
    ],
)
def test_header_marks_your_organisation_on_its_sub_pages(client, path):
    """GOV.UK's service navigation: the section is active on its sub-pages, with
    aria-current="true" there and "page" on the hub itself."""
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))

    response = client.get(path)

    assert response.status_code == 200
    item = _organisation_item(response)
    assert "govuk-service-navigation__item--active" in item
    assert 'aria-current="true"' in item
    offers = re.search(r'<li class="([^"]*)">\s*<a [^>]*>Offers and needs', _nav(response))
    assert offers and "--active" not in offers.group(1)  # one section marked, not two
    hub = _organisation_item(client.get("/your-organisation/"))
    assert 'aria-current="page"' in hub and "--active" in hub


def test_header_does_not_mark_your_organisation_elsewhere(client):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))

    for path in ["/listings/", f"/councils/{ADUR}/", f"/councils/{ARUN}/"]:
        item = _organisation_item(client.get(path))
        assert "--active" not in item and "aria-current" not in item, path
