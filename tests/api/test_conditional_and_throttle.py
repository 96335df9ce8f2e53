"""ETag and Last-Modified keyed on core.generations; throttling per real client address."""

import pytest

from offers.changes import listings_changed
from offers.models import Listing
from tests.offers.factories import ListingFactory

pytestmark = pytest.mark.django_db


def test_etag_round_trip_is_a_304_without_sql(client, django_assert_num_queries):
    ListingFactory(status=Listing.Status.PUBLISHED)
    first = client.get("/api/v1/listings/")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public")
    with django_assert_num_queries(0):
        again = client.get("/api/v1/listings/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag


def test_a_change_to_listings_moves_the_etag_and_last_modified(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        listings_changed()
    first = client.get("/api/v1/listings/")
    assert "Last-Modified" in first.headers
    with django_capture_on_commit_callbacks(execute=True):
        ListingFactory(status=Listing.Status.PUBLISHED, title="A new shared service")
        listings_changed()
    response = client.get("/api/v1/listings/", HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert response.status_code == 200
    assert [r["title"] for r in response.json()["results"]] == ["A new shared service"]


def test_if_modified_since_gets_a_304(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        listings_changed()
    first = client.get("/api/v1/organisations/")
    stamp = client.get("/api/v1/listings/").headers["Last-Modified"]
    response = client.get("/api/v1/listings/", HTTP_IF_MODIFIED_SINCE=stamp)
    assert response.status_code == 304
    assert first.status_code == 200


def test_too_many_requests_is_a_429_with_a_reason(client, settings):
    settings.API_THROTTLE_RATE = "3/min"
    for _ in range(3):
        assert client.get("/api/v1/services/").status_code == 200
    response = client.get("/api/v1/services/")
    assert response.status_code == 429
    body = response.json()
    assert "3/min per address" in body["reason"]
    assert "Try again in" in body["reason"]
    assert body["licence"]["name"] == "Open Government Licence v3.0"
    assert int(response.headers["Retry-After"]) > 0


def test_throttle_keys_on_the_client_behind_a_trusted_proxy(client, settings):
    settings.API_THROTTLE_RATE = "2/min"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # One load balancer appends the real client; a forged left-hand entry changes nothing.
    for forged in ("10.0.0.1", "10.0.0.2"):
        response = client.get("/api/v1/services/", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
        assert response.status_code == 200
    forged_again = client.get("/api/v1/services/", HTTP_X_FORWARDED_FOR="10.0.0.3, 203.0.113.7")
    assert forged_again.status_code == 429
    other_client = client.get("/api/v1/services/", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert other_client.status_code == 200


def test_without_a_trusted_proxy_the_header_is_ignored(client, settings):
    settings.API_THROTTLE_RATE = "1/min"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client.get("/api/v1/services/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.get("/api/v1/services/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429
