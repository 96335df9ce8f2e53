"""A person's own data: the download holds every kind of record of theirs and
nothing of anybody else's, only for the signed-in person, never cached."""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils.models import Authority, AuthorityProfile, EmailDomain, Membership, User
from councils.personal_data import personal_data_export
from digests.models import SavedSearch
from offers.models import Interest, Listing, Report, Service
from offers.services import listing_create
from tests.factories import EmailDomainFactory, MembershipFactory, officer_of
from tests.offers.factories import (
    ADUR,
    ARUN,
    HARTLEPOOL,
    DigestDeliveryFactory,
    DigestPreferenceFactory,
    InterestFactory,
    ReportFactory,
    SavedSearchFactory,
    make_listing,
)

pytestmark = pytest.mark.django_db

DOWNLOAD = "/accounts/your-data/download/"
TOTP_SECRET = "JBSWY3DPEHPK3PXPSECRETSECRET"


@dataclass
class Records:
    """One person and one record of every kind we keep about them."""

    user: User
    listing: Listing  # created by them, with them as the contact
    interest: Interest
    report: Report
    alert: SavedSearch
    other_listing: Listing  # another council's, with another person as its contact


def one_of_everything(gss_code: str, *, email: str, full_name: str) -> Records:
    user = officer_of(gss_code, email=email, full_name=full_name, job_title="Shared services lead")
    authority = Authority.objects.get(gss_code=gss_code)
    MembershipFactory(
        user=user,
        authority=Authority.objects.get(gss_code=HARTLEPOOL),
        status=Membership.Status.REJECTED,
        method=Membership.Method.REQUEST,
        request_message=f"Please let me join, {full_name}",
    )
    EmailAddress.objects.create(user=user, email=f"home.{email}", verified=False, primary=False)
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
    )
    AuthorityProfile.objects.update_or_create(
        authority=authority, defaults={"updated_by": user, "description": "We share."}
    )
    EmailDomainFactory(authority=authority, added_by=user)
    listing = listing_create(
        authority=authority,
        by=user,
        kind=Listing.Kind.OFFER,
        service=Service.objects.get(slug="building-control"),
        title=f"Building control from {authority.short_name}",
        summary="We can take on building control for a neighbour.",
        contact_name=full_name,
        contact_email=email,
    )
    other_listing = make_listing(
        authority=Authority.objects.get(gss_code=ARUN if gss_code != ARUN else ADUR),
        status=Listing.Status.PUBLISHED,
        contact_name=f"Other Contact of {gss_code}",
        contact_email=f"contact-of-{gss_code.lower()}@elsewhere.example.gov.uk",
    )
    interest = InterestFactory(
        listing=other_listing, sender=user, sender_authority=authority, message="Shall we talk?"
    )
    report = ReportFactory(listing=other_listing, reporter=user, reason="Looks out of date")
    alert = SavedSearchFactory(user=user)
    DigestPreferenceFactory(user=user, services=[Service.objects.get(slug="building-control")])
    DigestDeliveryFactory(user=user)
    return Records(user, listing, interest, report, alert, other_listing)  # type: ignore[arg-type]


@pytest.fixture
def ada() -> Records:
    return one_of_everything(ADUR, email="ada@adur.example.gov.uk", full_name="Ada Lovelace")


@pytest.fixture
def bob() -> Records:
    return one_of_everything(ARUN, email="bob@arun.example.gov.uk", full_name="Bob Babbage")


def _ids(items: list[dict[str, Any]]) -> set[int]:
    return {item["id"] for item in items}


def test_export_holds_every_kind_of_record_of_the_person(ada, bob):
    data = personal_data_export(user=ada.user)

    assert data["account"] == {
        "id": ada.user.pk,
        "email": "ada@adur.example.gov.uk",
        "full_name": "Ada Lovelace",
        "job_title": "Shared services lead",
        "date_joined": ada.user.date_joined,
        "last_login": None,
        "is_site_staff": False,
        "is_demo_account": False,
    }
    assert {(a["email"], a["verified"]) for a in data["email_addresses"]} == {
        ("ada@adur.example.gov.uk", True),
        ("home.ada@adur.example.gov.uk", False),
    }
    assert data["two_factor_authentication"]["enabled"] is True
    assert [m["status"] for m in data["memberships"]] == ["Approved", "Rejected"]
    assert [p["council"] for p in data["council_profiles_you_last_updated"]] == [
        "Adur District Council"
    ]
    assert len(data["email_domains_you_added"]) == 1
    assert _ids(data["listings_you_created"]) == {ada.listing.pk}
    assert _ids(data["listings_naming_you_as_contact"]) == {ada.listing.pk}
    assert [c["action"] for c in data["listing_changes_you_made"]] == ["Created"]
    assert _ids(data["expressions_of_interest_sent"]) == {ada.interest.pk}
    interest = data["expressions_of_interest_sent"][0]
    assert interest["listing"]["title"] == ada.other_listing.title
    assert interest["listing"]["council"] == "Arun District Council"
    assert interest["message"] == "Shall we talk?"
    assert _ids(data["reports_made"]) == {ada.report.pk}
    assert _ids(data["saved_alerts"]) == {ada.alert.pk}
    assert data["digest_preference"]["services"] == ["Building control"]
    assert data["digest_preference"]["frequency"] == "Daily"
    assert len(data["digest_emails"]) == 1


def test_download_holds_nothing_of_another_person(client, ada, bob):
    client.force_login(ada.user)

    text = client.get(DOWNLOAD).content.decode()
    data = json.loads(text)

    for email in ("bob@arun.example.gov.uk", "home.bob@arun.example.gov.uk"):
        assert email not in text
    assert "Bob Babbage" not in text
    assert "Babbage" not in text
    # The contact of the listing Ada sent interest to is another person.
    assert ada.other_listing.contact_name not in text
    assert ada.other_listing.contact_email not in text
    assert bob.user.pk != ada.user.pk
    assert data["account"]["id"] == ada.user.pk
    assert bob.listing.pk not in _ids(data["listings_you_created"])
    assert bob.listing.pk not in _ids(data["listings_naming_you_as_contact"])
    assert bob.interest.pk not in _ids(data["expressions_of_interest_sent"])
    assert bob.report.pk not in _ids(data["reports_made"])
    assert bob.alert.pk not in _ids(data["saved_alerts"])
    assert {c["listing"]["id"] for c in data["listing_changes_you_made"]} == {ada.listing.pk}
    assert all(m["council"] != "Arun District Council" for m in data["memberships"])


def test_download_holds_no_secrets(client, ada):
    ada.user.set_password("a-new-password-for-ada")
    ada.user.save()
    client.force_login(ada.user)

    text = client.get(DOWNLOAD).content.decode()

    assert TOTP_SECRET not in text
    assert ada.user.password not in text  # the hash
    assert "password" not in json.loads(text)["account"]
    assert client.session.session_key not in text


def test_download_is_a_json_attachment_that_is_never_cached(client, ada):
    client.force_login(ada.user)

    response = client.get(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert disposition.endswith('.json"')
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_export_queries_do_not_grow_with_records(ada, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        personal_data_export(user=ada.user)
    for _ in range(5):
        listing = make_listing(status=Listing.Status.PUBLISHED)
        InterestFactory(listing=listing, sender=ada.user)
        ReportFactory(listing=listing, reporter=ada.user)
        SavedSearchFactory(user=ada.user)
        DigestDeliveryFactory(user=ada.user)
        make_listing(created_by=ada.user, contact_email=ada.user.email)

    with django_assert_max_num_queries(len(few.captured_queries)):
        data = personal_data_export(user=ada.user)

    assert len(data["expressions_of_interest_sent"]) == 6


@pytest.mark.parametrize(
    "url",
    ["/accounts/your-data/", DOWNLOAD, "/accounts/delete/"],
    ids=["page", "download", "delete"],
)
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_your_data_page_is_linked_from_the_account_pages(client, ada):
    client.force_login(ada.user)

    account = client.get("/accounts/email/").content.decode()
    page = client.get("/accounts/your-data/")

    assert 'href="/accounts/your-data/"' in account
    html = page.content.decode()
    assert page.status_code == 200
    assert f'href="{DOWNLOAD}"' in html
    assert 'href="/accounts/delete/"' in html
    assert 'aria-current="page">Your data' in html


def test_staff_see_why_they_cannot_delete_themselves(client, settings):
    settings.STAFF_MFA_REQUIRED = False  # the staff sign-in rule is not under test here
    staff = User.objects.create_user(email="mod@example.org", password="x", is_staff=True)
    client.force_login(staff)

    html = client.get("/accounts/your-data/").content.decode()

    assert "Ask another member of staff" in html
    assert 'href="/accounts/delete/"' not in html


def test_export_keeps_domains_and_profiles_of_councils_as_references_only(ada):
    data = personal_data_export(user=ada.user)

    domain = EmailDomain.objects.get(added_by=ada.user)
    assert data["email_domains_you_added"][0]["domain"] == domain.domain
    assert set(data["council_profiles_you_last_updated"][0]) == {"council", "updated_at"}
