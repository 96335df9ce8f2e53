"""Deleting your own account: password and POST with CSRF required; listings stay
with the council and change contact; messages stay without the person; the
person, their memberships, alerts, addresses, authenticators and sessions go."""

import json
from typing import Any, cast

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from councils.account_services import (
    REDACTED_EMAIL,
    REDACTED_NAME,
    AccountDeleteRefused,
    account_delete,
    person_redact,
)
from councils.models import Authority, AuthorityProfile, Membership, User
from digests.models import DigestDelivery, DigestPreference, SavedSearch
from offers.interest.services import interest_email
from offers.models import Interest, Listing, ListingEvent, Report
from offers.services import listing_publish, listing_submit, listing_update
from tests.factories import UserFactory, officer_of
from tests.offers.factories import ADUR, ARUN

from .test_personal_data import Records, one_of_everything

pytestmark = pytest.mark.django_db

DELETE = "/accounts/delete/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory
EMAIL = "ada@adur.example.gov.uk"
NAME = "Ada Lovelace"


@pytest.fixture
def ada() -> Records:
    records = one_of_everything(ADUR, email=EMAIL, full_name=NAME)
    # Her message and report are signed, as people do.
    Interest.objects.filter(pk=records.interest.pk).update(
        message=f"Shall we talk? Regards, {NAME} ({EMAIL.upper()})"
    )
    Report.objects.filter(pk=records.report.pk).update(reason=f"Out of date. {NAME}")
    return records


@pytest.fixture
def adur_admin() -> User:
    return officer_of(
        ADUR,
        role=Membership.Role.ADMIN,
        full_name="Grace Hopper",
        email="grace@adur.example.gov.uk",
    )


def _dump(*models: Any) -> str:
    """Every remaining row of these models, as one lower-cased JSON text."""
    rows = {model.__name__: list(model.objects.values()) for model in models}
    return json.dumps(rows, cls=DjangoJSONEncoder).lower()


def _delete(client: Client, password: str = PASSWORD, **kwargs: Any) -> Any:
    return client.post(DELETE, {"password": password}, **kwargs)


def test_deleting_with_the_password_removes_the_person_and_signs_them_out(client, ada):
    user_id = ada.user.pk
    client.force_login(ada.user)
    elsewhere = Client()  # the same person signed in on another computer
    elsewhere.force_login(ada.user)

    response = _delete(client, follow=True)

    assert response.redirect_chain == [("/accounts/deleted/", 302)]
    assert "Your account has been deleted" in response.content.decode()
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(user_id=user_id).exists()
    assert not EmailAddress.objects.filter(email__iexact=EMAIL).exists()
    assert not Authenticator.objects.filter(user_id=user_id).exists()
    assert not Membership.objects.filter(user_id=user_id).exists()
    assert not SavedSearch.objects.filter(user_id=user_id).exists()
    assert not DigestPreference.objects.filter(user_id=user_id).exists()
    assert not DigestDelivery.objects.filter(user_id=user_id).exists()
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user_id)
    ]
    for browser in (client, elsewhere):
        assert browser.get("/accounts/your-data/")["Location"].startswith("/accounts/login/")


def test_deleting_keeps_listings_with_their_council_and_hands_the_contact_to_an_admin(
    client, ada, adur_admin
):
    listings = dict(Listing.objects.values_list("pk", "authority_id"))
    client.force_login(ada.user)

    _delete(client)

    assert dict(Listing.objects.values_list("pk", "authority_id")) == listings
    listing = Listing.objects.get(pk=ada.listing.pk)
    assert (listing.contact_name, listing.contact_email) == (
        "Grace Hopper",
        "grace@adur.example.gov.uk",
    )
    assert listing.created_by is None
    assert listing.version == ada.listing.version + 1
    event = listing.events.first()
    assert event is not None
    assert event.actor is None
    assert event.action == ListingEvent.Action.EDITED
    assert "admin" in event.reason
    assert event.changes["contact_name"]["new"] == "Grace Hopper"


def test_a_council_without_an_admin_gets_its_published_contact_then_a_blank(client):
    arun = Authority.objects.get(gss_code=ARUN)
    AuthorityProfile.objects.update_or_create(
        authority=arun,
        defaults={"contact_name": "Arun Partnerships", "contact_email": "partners@arun.example"},
    )
    with_profile = one_of_everything(ARUN, email="bob@arun.example.gov.uk", full_name="Bob B")
    without = one_of_everything("E07000225", email="cy@chichester.example.gov.uk", full_name="Cy C")

    account_delete(user=with_profile.user)
    account_delete(user=without.user)

    first = Listing.objects.get(pk=with_profile.listing.pk)
    assert (first.contact_name, first.contact_email) == (
        "Arun Partnerships",
        "partners@arun.example",
    )
    second = Listing.objects.get(pk=without.listing.pk)
    assert (second.contact_name, second.contact_email) == ("", "")
    assert "needs to add a contact" in second.events.first().reason  # type: ignore[union-attr]


def test_deleting_keeps_messages_but_nothing_of_the_person(client, ada, adur_admin):
    # Her name and address also sit in the listing's published snapshot and history.
    listing = listing_submit(listing=ada.listing, by=ada.user)
    listing = listing_publish(listing=listing, by=cast(User, UserFactory(is_staff=True)))
    listing = listing_update(
        listing=listing,
        by=ada.user,
        version=listing.version,
        changes={"contact_name": "Someone Else", "contact_email": "else@adur.example.gov.uk"},
    )
    listing = listing_update(
        listing=listing,
        by=ada.user,
        version=listing.version,
        changes={"contact_name": NAME, "contact_email": EMAIL},
    )
    AuthorityProfile.objects.filter(authority__gss_code=ADUR).update(
        contact_name=NAME, contact_email=EMAIL, contact_phone="01903 000000"
    )
    interests, reports = Interest.objects.count(), Report.objects.count()
    kept = (
        Interest,
        Report,
        Listing,
        ListingEvent,
        AuthorityProfile,
        Membership,
        EmailAddress,
        User,
    )
    assert EMAIL in _dump(ListingEvent) and NAME.lower() in _dump(Listing)  # the search can see
    client.force_login(ada.user)

    _delete(client)

    assert (Interest.objects.count(), Report.objects.count()) == (interests, reports)
    interest = Interest.objects.get(pk=ada.interest.pk)
    assert interest.sender is None
    assert interest.sender_authority.gss_code == ADUR  # the council stays on it
    assert interest.message == f"Shall we talk? Regards, {REDACTED_NAME} ({REDACTED_EMAIL})"
    report = Report.objects.get(pk=ada.report.pk)
    assert (report.reporter, report.reason) == (None, f"Out of date. {REDACTED_NAME}")
    remaining = _dump(*kept)
    for text in (EMAIL, "home." + EMAIL, NAME, "lovelace"):
        assert text.lower() not in remaining, text
    assert "else@adur.example.gov.uk" in remaining  # other people's details are left alone
    profile = AuthorityProfile.objects.get(authority__gss_code=ADUR)
    assert (profile.contact_name, profile.contact_email, profile.contact_phone) == (
        "",
        "",
        "01903 000000",
    )


def test_a_wrong_password_deletes_nothing_and_says_what_is_wrong(client, ada):
    client.force_login(ada.user)

    response = _delete(client, password="not-my-password")
    empty = _delete(client, password="")

    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert 'href="#id_password">The password is not correct' in html
    assert "<title>Error: Delete your account" in html
    assert "Enter your password" in empty.content.decode()
    assert User.objects.filter(pk=ada.user.pk).exists()


def test_deleting_needs_post_with_a_csrf_token(ada):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ada.user)

    page = browser.get(DELETE)
    refused = _delete(browser)
    token = browser.cookies["csrftoken"].value
    put = browser.put(DELETE, HTTP_X_CSRFTOKEN=token)

    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    assert 'class="govuk-warning-text"' in page.content.decode()
    assert refused.status_code == 403
    assert put.status_code == 405
    assert User.objects.filter(pk=ada.user.pk).exists()
    _delete(browser, HTTP_X_CSRFTOKEN=token)
    assert not User.objects.filter(pk=ada.user.pk).exists()


def test_anonymous_post_is_sent_to_sign_in_and_deletes_nobody(client, ada):
    response = _delete(client)

    assert response["Location"].startswith("/accounts/login/")
    assert User.objects.filter(pk=ada.user.pk).exists()


def test_staff_cannot_delete_their_own_account(client, settings):
    settings.STAFF_MFA_REQUIRED = False  # the staff sign-in rule is not under test here
    staff = User.objects.create_user(email="mod@example.org", password=PASSWORD, is_staff=True)
    client.force_login(staff)

    page = client.get(DELETE).content.decode()
    response = _delete(client)

    assert "Ask another member of staff" in page
    assert 'name="password"' not in page
    assert response.status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()
    with pytest.raises(AccountDeleteRefused, match="Ask another member of staff"):
        account_delete(user=staff)


def test_redaction_finds_the_name_and_address_in_any_case_and_spacing():
    text = "From ADA  lovelace <Ada@Adur.example.gov.uk>; Adam Lovelace is someone else"

    assert person_redact(text, full_name="Ada Lovelace", emails=["ada@adur.example.gov.uk"]) == (
        f"From {REDACTED_NAME} <{REDACTED_EMAIL}>; Adam Lovelace is someone else"
    )


def test_the_council_still_reads_an_interest_whose_sender_has_gone(client, ada, mailoutbox):
    Interest.objects.filter(pk=ada.interest.pk).update(notified_at=None)
    account_delete(user=ada.user)
    client.force_login(officer_of(ARUN))

    html = client.get(ada.interest.get_absolute_url()).content.decode()

    assert "Someone who has since deleted their account" in html
    assert "Adur District Council" in html
    assert "mailto:" not in html.split('id="main-content"')[1].split("</dl>")[0]
    # Not yet emailed when they went: there is nobody to reply to, so nothing is sent.
    assert interest_email(interest_id=ada.interest.pk) is False
    assert mailoutbox == []
