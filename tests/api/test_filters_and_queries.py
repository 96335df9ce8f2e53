"""The API filters as the site does, pages, and its queries do not grow with rows."""

from typing import Any, cast

import pytest

from councils.changes import reference_data_changed
from councils.models import Authority
from offers.models import Listing, Service
from tests.offers.factories import ADUR, ARUN, HARTLEPOOL, ListingFactory

pytestmark = pytest.mark.django_db


def _listing(**fields: Any) -> Listing:
    return cast(Listing, ListingFactory(**fields))


def test_organisations_current_by_default_abolished_on_request(client):
    current = Authority.objects.current().count()
    everyone = Authority.objects.count()
    assert current < everyone  # the 2017-18 spend file brings abolished councils
    assert client.get("/api/v1/organisations/").json()["count"] == current
    assert client.get("/api/v1/organisations/?include_abolished=true").json()["count"] == everyone


def test_organisations_filter_by_tier_and_region_like_the_directory(client):
    body = client.get("/api/v1/organisations/?tier=lower&region=South+East&page_size=200").json()
    expected = Authority.objects.current().filter(tier="lower", region="South East")
    assert body["count"] == expected.count() > 0
    assert {row["gss_code"] for row in body["results"]} == set(
        expected.values_list("gss_code", flat=True)
    )


def test_organisation_has_its_areas(client):
    body = client.get(f"/api/v1/organisations/{ADUR}/").json()
    assert body["nation"] == "England" and body["region"] == "South East"
    assert body["parent_county"] == "E10000032"
    assert body["kind"] == "council"


def test_a_body_lists_the_council_areas_it_covers(client):
    body = client.get("/api/v1/organisations/E31000014/").json()  # East Sussex fire
    assert body["kind"] == "fire"
    areas = {a["council"] for a in body["areas"]}
    assert "E07000223" not in areas  # Adur is in West Sussex
    assert areas == set(
        Authority.objects.get(gss_code="E31000014").areas.values_list(
            "council__gss_code", flat=True
        )
    )
    assert len(areas) == 6


def test_organisations_filter_by_kind_like_the_directory(client):
    body = client.get("/api/v1/organisations/?kind=police&page_size=200").json()
    assert body["count"] == Authority.objects.current().filter(kind="police").count() > 0
    assert {row["kind"] for row in body["results"]} == {"police"}


def test_unknown_filter_value_is_a_400_saying_why(client):
    response = client.get("/api/v1/organisations/?tier=galactic")
    assert response.status_code == 400
    assert "tier" in response.json()
    response = client.get("/api/v1/listings/?near=E99999999")
    assert response.status_code == 400
    assert response.json()["near"] == ["Select a council from the list"]


def test_listings_filter_kind_service_and_distance(client):
    published = Listing.Status.PUBLISHED
    near_offer = _listing(status=published, kind=Listing.Kind.OFFER)
    _listing(status=published, kind=Listing.Kind.NEED)
    far_offer = _listing(status=published, authority=Authority.objects.get(gss_code=HARTLEPOOL))
    other_service = _listing(
        status=published,
        service=Service.objects.get(slug="payroll"),
        authority_id=near_offer.authority_id,
    )
    ids = lambda q: {r["id"] for r in client.get(f"/api/v1/listings/?{q}").json()["results"]}  # noqa: E731
    assert ids("kind=offer") == {near_offer.pk, far_offer.pk, other_service.pk}
    assert ids("kind=offer&service=building-control") == {near_offer.pk, far_offer.pk}
    assert ids(f"kind=offer&service=building-control&near={ARUN}&within=50") == {near_offer.pk}


def test_spend_by_organisation_and_year(client):
    body = client.get(f"/api/v1/spend/?organisation={ADUR}&year=2017-18").json()
    assert body["count"] > 0
    assert {(r["organisation"], r["year"]) for r in body["results"]} == {(ADUR, "2017-18")}


def test_services_by_tier(client):
    body = client.get("/api/v1/services/?tier=lower&page_size=200").json()
    assert body["count"] == Service.objects.delivered_by("lower").count()
    assert "adult-social-care" not in {r["slug"] for r in body["results"]}


@pytest.mark.parametrize("rows", [3, 60])
def test_listings_page_queries_do_not_grow_with_rows(client, django_assert_max_num_queries, rows):
    ListingFactory.create_batch(rows, status=Listing.Status.PUBLISHED)
    client.get("/api/v1/listings/?kind=need")  # loads the browse reference data (cached)
    # Generations (1), the page (1), its count (1), named partners (1): however many rows.
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/listings/?page_size=50&kind=offer")
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(rows, 50)


@pytest.mark.parametrize("page_size", [5, 200])
def test_organisations_page_queries_are_constant(client, django_assert_num_queries, page_size):
    # Generations, the directory's regions, the count, the page, successors, areas: 6 at any size.
    with django_assert_num_queries(6):
        response = client.get(
            f"/api/v1/organisations/?page_size={page_size}&include_abolished=true"
        )
    assert len(response.json()["results"]) == page_size


def test_repeated_page_is_served_from_cache_without_sql(
    client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = client.get("/api/v1/organisations/?page=2")
    with django_assert_num_queries(0):
        response = client.get("/api/v1/organisations/?page=2")
    assert response.content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        reference_data_changed()
    # The bump makes the cached page a miss: it is built again (queries run).
    with django_assert_num_queries(6):
        again = client.get("/api/v1/organisations/?page=2")
    assert again.headers["ETag"] != first.headers["ETag"]
