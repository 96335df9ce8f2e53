"""'Similar listings' on a listing page (issue 15, point 6)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from offers.models import Listing, Service
from offers.selectors import listings_similar

from .factories import make_listing

pytestmark = pytest.mark.django_db


def published(title: str, *, slug: str = "building-control", **kwargs) -> Listing:
    return make_listing(
        status=Listing.Status.PUBLISHED,
        title=title,
        service=Service.objects.get(slug=slug),
        **kwargs,
    )


def test_same_service_first_opposite_kind_first_then_the_family(client):
    listing = published("Our building control offer")
    same_need = published("A building control need", kind=Listing.Kind.NEED)
    same_offer = published("Another building control offer")
    family = Service.objects.get(slug="building-control").family
    other = family.services.exclude(slug="building-control").first()
    assert other is not None
    family_listing = published("Same family", slug=other.slug)
    published("Unrelated ICT", slug="ict-infrastructure-and-support")
    make_listing(status=Listing.Status.DRAFT, title="A draft building control offer")
    hidden = published("Signed-in only", visibility=Listing.Visibility.SIGNED_IN)

    similar = listings_similar(listing=listing, user=AnonymousUser())
    assert similar == [same_need, same_offer, family_listing]
    assert hidden not in similar

    page = client.get(listing.get_absolute_url()).content.decode()
    assert "Similar listings" in page and "A building control need" in page
    assert "Unrelated ICT" not in page


def test_similar_listings_cost_one_query(django_assert_num_queries):
    listing = published("Our building control offer")
    for n in range(8):
        published(f"Building control {n}")

    with django_assert_num_queries(1):
        similar = listings_similar(listing=listing, user=AnonymousUser())
    assert len(similar) == 4
