"""The API and the downloads serve public records only, and no personal data."""

import csv
import io
import json
from datetime import timedelta
from typing import Any, cast

import pytest
from django.utils import timezone

from councils.models import AuthorityProfile
from offers.models import Listing
from tests.arrangements.factories import WORTHING, recorded, seeded
from tests.factories import officer_of
from tests.offers.factories import ADUR, ListingFactory

pytestmark = pytest.mark.django_db


def _listing(**fields: Any) -> Listing:
    return cast(Listing, ListingFactory(**fields))


CONTACT_NAME = "Priya Officer-Name"
CONTACT_EMAIL = "priya.private@adur-worthing.example.gov.uk"


@pytest.fixture
def listings() -> dict[str, Listing]:
    published = Listing.Status.PUBLISHED
    return {
        "public": _listing(
            status=published,
            title="Public shared building control",
            contact_name=CONTACT_NAME,
            contact_email=CONTACT_EMAIL,
        ),
        "signed_in": _listing(
            status=published,
            title="Signed-in only payroll",
            visibility=Listing.Visibility.SIGNED_IN,
        ),
        "draft": _listing(status=Listing.Status.DRAFT, title="Draft legal"),
        "submitted": _listing(status=Listing.Status.SUBMITTED, title="Waiting audit"),
        "expired": _listing(
            status=published,
            title="Past its date",
            expires_at=timezone.now() - timedelta(minutes=1),
        ),
    }


def _titles(client, path: str = "/api/v1/listings/") -> set[str]:
    response = client.get(path)
    assert response.status_code == 200
    return {row["title"] for row in response.json()["results"]}


def test_only_published_public_unexpired_listings_are_listed(client, listings):
    assert _titles(client) == {"Public shared building control"}


def test_signed_in_staff_session_does_not_widen_the_api(client, listings):
    officer = officer_of(ADUR)  # an officer of the listings' own council sees them all on the site
    client.force_login(officer)
    assert _titles(client) == {"Public shared building control"}
    assert client.get(f"/api/v1/listings/{listings['signed_in'].pk}/").status_code == 404


@pytest.mark.parametrize("which", ["signed_in", "draft", "submitted", "expired"])
def test_a_listing_that_is_not_public_is_not_found(client, listings, which):
    response = client.get(f"/api/v1/listings/{listings[which].pk}/")
    assert response.status_code == 404
    assert response.json()["licence"]["name"] == "Open Government Licence v3.0"


def test_public_listing_detail_has_the_licence_and_no_contact(client, listings):
    response = client.get(f"/api/v1/listings/{listings['public'].pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["licence"]["url"].startswith("https://www.nationalarchives.gov.uk/")
    assert body["organisation"]["gss_code"] == ADUR
    assert "contact_email" not in body and "contact_name" not in body


def test_downloads_hold_only_public_listings(client, listings):
    rows = list(csv.DictReader(io.StringIO(_body(client.get("/data/listings.csv")))))
    assert [r["title"] for r in rows] == ["Public shared building control"]
    document = json.loads(_body(client.get("/data/listings.json")))
    assert [r["title"] for r in document["results"]] == ["Public shared building control"]
    assert document["licence"]["name"] == "Open Government Licence v3.0"


def _body(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def test_no_officer_name_email_or_phone_anywhere(client, listings):
    AuthorityProfile.objects.update_or_create(
        authority=listings["public"].authority,
        defaults={
            "contact_name": CONTACT_NAME,
            "contact_email": CONTACT_EMAIL,
            "contact_phone": "01903 000 111",
        },
    )
    bodies = [
        client.get(path).content.decode()
        for path in (
            "/api/v1/listings/",
            f"/api/v1/listings/{listings['public'].pk}/",
            f"/api/v1/organisations/{ADUR}/",
            "/api/v1/organisations/?q=Adur",
            "/api/v1/schema/",
        )
    ]
    bodies += [
        _body(client.get(f"/data/{name}.{fmt}"))
        for name in ("listings", "organisations")
        for fmt in ("csv", "json")
    ]
    for body in bodies:
        for secret in (CONTACT_NAME, CONTACT_EMAIL, "01903 000 111", "contact_email", "@"):
            if secret == "@":
                # The only @ allowed is none at all: no address of any kind.
                assert "adur-worthing.example.gov.uk" not in body
            else:
                assert secret not in body


def test_every_response_carries_the_licence_link_header(client, listings):
    for path in ("/api/v1/listings/", "/api/v1/listings/0/", "/api/v1/schema/", "/data/spend.csv"):
        response = client.get(path)
        assert 'rel="license"' in response.headers["Link"], path


def test_only_published_arrangements_are_served(client):
    public = seeded()
    private = recorded(by=officer_of(ADUR), partners=(WORTHING,), name="Private payroll deal")
    names = {r["name"] for r in client.get("/api/v1/arrangements/").json()["results"]}
    assert names == {public.name}
    assert client.get(f"/api/v1/arrangements/{private.pk}/").status_code == 404
    body = client.get(f"/api/v1/arrangements/{public.pk}/").json()
    assert body["origin"] == "public_sources"
    assert {p["gss_code"] for p in body["partners"]} == {ADUR, WORTHING}
    assert not any(p["confirmed"] for p in body["partners"])
