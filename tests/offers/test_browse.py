"""/listings/: what is shown to whom, how filters combine, distance, ordering, paging.

Real councils from the reference data: Adur, its neighbour Worthing (7 km
apart, centroid to centroid), Brighton and Hove (11.6 km from Adur) and
Westminster (75 km).
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags

from councils.models import Authority
from offers.models import Listing, Service
from tests.factories import UserFactory, officer_of
from tests.offers.factories import make_listing
from tests.offers.pages import result_count, result_titles

pytestmark = pytest.mark.django_db

ADUR, WORTHING, BRIGHTON, WESTMINSTER = "E07000223", "E07000229", "E06000043", "E09000033"


def published(gss: str = ADUR, service: str = "building-control", **kwargs) -> Listing:
    return make_listing(
        status=Listing.Status.PUBLISHED,
        authority=Authority.objects.get(gss_code=gss),
        service=Service.objects.get(slug=service),
        **kwargs,
    )


titles = result_titles


def test_shows_only_published_unexpired_listings(client):
    published(title="Live")
    make_listing(title="Draft", status=Listing.Status.DRAFT)
    make_listing(title="Waiting", status=Listing.Status.SUBMITTED)
    published(title="Past its expiry date", expires_at=timezone.now() - timedelta(minutes=1))
    make_listing(title="Marked expired", status=Listing.Status.EXPIRED)

    assert titles(client.get("/listings/")) == ["Live"]


def test_signed_in_only_listings_are_hidden_from_anonymous_visitors(client):
    published(title="Public")
    published(title="Officers only", visibility=Listing.Visibility.SIGNED_IN)

    assert titles(client.get("/listings/")) == ["Public"]

    client.force_login(UserFactory())  # signed in, but not a public-sector officer
    assert titles(client.get("/listings/")) == ["Public"]

    client.force_login(officer_of(BRIGHTON))
    assert sorted(titles(client.get("/listings/"))) == ["Officers only", "Public"]


def test_newest_first_by_default(client):
    old = published(title="Older")
    Listing.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=9))
    published(title="Newer")

    assert titles(client.get("/listings/")) == ["Newer", "Older"]


def test_values_in_one_group_are_alternatives(client):
    published(title="Offer", kind=Listing.Kind.OFFER)
    published(title="Need", kind=Listing.Kind.NEED)
    published(title="Payroll", service="payroll")
    published(title="Licensing", service="licensing")

    assert sorted(titles(client.get("/listings/?kind=offer&kind=need"))) == [
        "Licensing",
        "Need",
        "Offer",
        "Payroll",
    ]
    assert sorted(titles(client.get("/listings/?service=payroll&service=licensing"))) == [
        "Licensing",
        "Payroll",
    ]


def test_groups_narrow_each_other(client):
    published(title="Payroll offer", service="payroll", kind=Listing.Kind.OFFER)
    published(title="Payroll need", service="payroll", kind=Listing.Kind.NEED)
    published(title="Licensing offer", service="licensing", kind=Listing.Kind.OFFER)
    published(title="Brighton payroll offer", gss=BRIGHTON, service="payroll")

    url = "/listings/?kind=offer&service=payroll&service=licensing&authority_type=NMD"
    assert sorted(titles(client.get(url))) == ["Licensing offer", "Payroll offer"]
    # A family and a service from another family: AND across groups finds nothing.
    empty = client.get("/listings/?family=hr-and-payroll&service=licensing")
    assert titles(empty) == []
    assert "choose fewer services" in empty.content.decode()
    assert sorted(titles(client.get("/listings/?family=hr-and-payroll&kind=need"))) == [
        "Payroll need"
    ]


def test_nation_and_region_filters(client):
    published(title="Adur")
    published(title="Edinburgh", gss="S12000036")

    assert titles(client.get("/listings/?nation=Scotland")) == ["Edinburgh"]
    assert titles(client.get("/listings/?region=South+East")) == ["Adur"]
    assert sorted(titles(client.get("/listings/?nation=Scotland&nation=England"))) == [
        "Adur",
        "Edinburgh",
    ]


def test_delivery_model_filter(client):
    published(title="Lead", delivery_model=Listing.DeliveryModel.LEAD_AUTHORITY)
    published(title="Company", delivery_model=Listing.DeliveryModel.JOINT_COMPANY)

    assert titles(client.get("/listings/?delivery_model=joint_company")) == ["Company"]


def test_distance_from_a_chosen_council(client):
    for gss, name in [(WESTMINSTER, "Westminster"), (BRIGHTON, "Brighton"), (WORTHING, "Worthing")]:
        published(title=name, gss=gss)
    published(title="Adur")

    within_10 = client.get(f"/listings/?near={ADUR}&within=10&sort=nearest")
    assert titles(within_10) == ["Adur", "Worthing"]  # Brighton is 11.6 km away
    within_12 = client.get(f"/listings/?near={ADUR}&within=12&sort=nearest")
    assert titles(within_12) == ["Adur", "Worthing", "Brighton"]
    nearest = client.get(f"/listings/?near={ADUR}&sort=nearest")
    assert titles(nearest) == ["Adur", "Worthing", "Brighton", "Westminster"]
    distances = [round(r.distance_km, 1) for r in nearest.context["page_obj"].object_list]
    assert distances == [0.0, 7.0, 11.6, 75.0]
    assert "75 km from Adur" in nearest.content.decode()


def test_officers_measure_from_their_own_council_by_default(client):
    published(title="Adur")
    published(title="Brighton", gss=BRIGHTON)
    client.force_login(officer_of(WORTHING))

    response = client.get("/listings/?sort=nearest&within=10")

    assert titles(response) == ["Adur"]
    assert "7 km from Worthing" in response.content.decode()
    assert "Your council (Worthing)" in response.content.decode()


def test_distance_without_a_council_asks_for_one(client):
    published(title="Adur")

    response = client.get("/listings/?within=10")

    assert titles(response) == []
    assert "Choose a council to measure the distance from" in response.content.decode()


def test_result_count_is_announced(client):
    for n in range(3):
        published(title=f"Listing {n}")

    html = client.get("/listings/").content.decode()

    assert 'aria-live="polite"' in html
    assert "<strong>3</strong> listings found" in html


def test_each_filter_value_has_a_tag_that_removes_only_it(client):
    published(title="Payroll", service="payroll")

    response = client.get("/listings/?service=payroll&service=licensing&kind=offer&page=2")

    tags = {(t.group, t.label): t.remove_url for t in response.context["tags"]}
    assert tags[("Service", "Licensing")] == "?kind=offer&service=payroll"
    assert tags[("Offers or needs", "Offer")] == "?service=payroll&service=licensing"
    assert "Clear filters" in response.content.decode()


def test_removing_the_council_drops_its_distance(client):
    response = client.get(f"/listings/?near={ADUR}&within=10")

    tags = {t.group: t.remove_url for t in response.context["tags"]}
    assert tags["Distance from"] == "?"


def test_results_link_to_the_listing_and_show_what_they_are(client):
    listing = published(title="Shared payroll", service="payroll", is_demo=True)

    html = client.get("/listings/").content.decode()

    assert f'href="/listings/{listing.pk}/"' in html
    assert "Adur District Council" in html
    assert "Payroll" in html
    assert "Lead authority" in html
    assert ">Demo<" in html


def test_pages_of_twenty(client):
    for n in range(21):
        published(title=f"Listing {n:02d}")

    first = client.get("/listings/")
    second = client.get("/listings/?page=2")

    assert len(titles(first)) == 20
    assert len(titles(second)) == 1
    assert 'aria-label="Pages of listings"' in first.content.decode()


def test_page_past_the_end_shows_the_last_page(client):
    published(title="Only")

    response = client.get("/listings/?page=999999")

    assert titles(response) == ["Only"]
    assert "There is no page 999,999" in response.content.decode()


def test_listings_page_queries_do_not_grow_with_rows(
    client, settings, django_assert_max_num_queries
):
    # The uncached path: factories write rows without offers.services, so nothing
    # would move the results cache on (tests/offers/test_browse_cache.py covers it).
    settings.BROWSE_CACHE_SECONDS = 0
    client.force_login(officer_of(WORTHING))
    published(title="First")
    url = (
        "/listings/?q=building&sort=nearest&within=500&kind=offer"
        "&family=planning-and-building-control"
    )
    # The first request also builds the cached reference data (councils, taxonomy, the
    # areas the results map draws) and the synonym list; the second reuses them.
    with django_assert_max_num_queries(14) as few:
        assert client.get(url).status_code == 200
    for n in range(40):
        published(title=f"Building control {n}", gss=BRIGHTON if n % 2 else ADUR)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(titles(response)) == 20


def test_council_profile_shows_its_published_listings(client):
    published(title="Adur offer")
    published(title="Adur officers only", visibility=Listing.Visibility.SIGNED_IN)
    make_listing(title="Adur draft", status=Listing.Status.DRAFT)
    published(title="Worthing offer", gss=WORTHING)

    html = client.get(f"/councils/{ADUR}/").content.decode()

    assert "Adur offer" in html
    assert "Adur officers only" not in html
    assert "Adur draft" not in html
    assert "Worthing offer" not in html


def test_council_profile_links_to_all_when_there_are_many(client, django_assert_max_num_queries):
    published(title="One")
    with django_assert_max_num_queries(30) as few:
        client.get(f"/councils/{ADUR}/")
    for n in range(12):
        published(title=f"Adur listing {n}")

    with django_assert_max_num_queries(len(few.captured_queries) + 1):  # + the count
        html = client.get(f"/councils/{ADUR}/").content.decode()

    assert f"/listings/?council={ADUR}" in html
    assert "See all 13 listings" in html
    council_page = client.get(f"/listings/?council={ADUR}")
    assert len(titles(council_page)) == 13


def test_council_profile_without_listings_says_so(client):
    html = client.get(f"/councils/{WORTHING}/").content.decode()

    assert "has no published offers or needs" in html


# Synthetic national-scale data (generate_synthetic_listings) ----------------


def test_synthetic_listings_are_tier_valid_published_and_marked(client):
    from django.core.management import call_command

    from offers.models import tier_delivers

    call_command("generate_synthetic_listings", count=300, seed=3, verbosity=0)

    listings = list(Listing.objects.select_related("authority", "service"))
    assert len(listings) == 300
    assert all(x.is_synthetic and not x.is_demo for x in listings)
    assert all(tier_delivers(x.service, x.authority.tier) for x in listings)
    assert all(x.authority.is_current for x in listings)
    assert len({x.authority_id for x in listings}) > 100  # spread across the country
    assert {x.status for x in listings} == {Listing.Status.PUBLISHED}
    now = timezone.now()
    assert all(x.published_at and x.expires_at for x in listings)
    assert all(x.published_at < now < x.expires_at for x in listings)  # type: ignore[operator]
    html = client.get("/listings/").content.decode()
    assert "Synthetic test data" in html
    # Searchable like any other listing.
    some = listings[0]
    word = some.service.name.split()[0]
    assert client.get("/listings/", {"q": word}).context["page_obj"].paginator.count > 0


def test_synthetic_data_is_repeatable_and_deletable():
    from django.core.management import call_command

    call_command("generate_synthetic_listings", count=20, seed=5, verbosity=0)
    first = list(Listing.objects.order_by("pk").values_list("title", "authority_id"))
    call_command("generate_synthetic_listings", delete=True, verbosity=0)
    assert not Listing.objects.exists()
    call_command("generate_synthetic_listings", count=20, seed=5, verbosity=0)
    assert list(Listing.objects.order_by("pk").values_list("title", "authority_id")) == first


def test_synthetic_data_refuses_a_database_with_real_listings_or_debug(settings):
    from django.core.management import CommandError, call_command

    published(title="Real")
    with pytest.raises(CommandError, match="real or demo listings"):
        call_command("generate_synthetic_listings", count=5, verbosity=0)
    Listing.objects.all().delete()
    settings.DEBUG = True
    with pytest.raises(CommandError, match="DEBUG is on"):
        call_command("generate_synthetic_listings", count=5, verbosity=0)
    assert not Listing.objects.exists()


def test_a_page_past_the_end_of_many_shows_the_last_page_and_the_full_count(client):
    for n in range(25):
        published(title=f"Listing {n:02d}")

    response = client.get("/listings/?page=7")

    assert titles(response) == [f"Listing {n:02d}" for n in range(4, -1, -1)]
    assert result_count(response) == 25
    html = response.content.decode()
    assert "There is no page 7" in html
    assert "showing 21 to 25" in html


@pytest.mark.parametrize(
    ("km", "published", "shown"),
    [
        (0.4, datetime(2026, 6, 30, 23, 30, tzinfo=UTC), ("0 km", "1 July 2026")),  # BST
        (0.5, datetime(2026, 12, 31, 23, 30, tzinfo=UTC), ("1 km", "31 December 2026")),
        (12.5, datetime(2026, 3, 7, 9, 0, tzinfo=UTC), ("13 km", "7 March 2026")),
        (1234.4, datetime(2026, 3, 7, 9, 0, tzinfo=UTC), ("1,234 km", "7 March 2026")),
        (1234.5, datetime(2026, 3, 7, 9, 0, tzinfo=UTC), ("1,235 km", "7 March 2026")),
    ],
)
def test_a_result_card_reads_whole_kilometres_and_the_uk_day(km, published, shown):
    listing = make_listing(status=Listing.Status.PUBLISHED)
    listing.published_at = published
    listing.distance_km = km  # type: ignore[attr-defined]  # as the distance sort annotates it
    html = render_to_string(
        "offers/includes/listing_card.html",
        {"listing": listing, "origin": SimpleNamespace(short_name="Adur")},
    )
    text = " ".join(strip_tags(html.replace("</dt>", " </dt>")).split())
    assert f"Distance: {shown[0]} from Adur" in text
    assert f"Published: {shown[1]}" in text


def test_the_card_on_the_site_has_relative_links_no_styles_and_no_digest_lines():
    """The digest email shares this card; its absolute links, reason line and inline
    styles are the email's only (offers/email/digest_card.html)."""
    listing = make_listing(status=Listing.Status.PUBLISHED)

    html = render_to_string("offers/includes/listing_card.html", {"listing": listing})

    assert f'href="{listing.get_absolute_url()}"' in html
    assert "style=" not in html
    assert "Why you are seeing this" not in html and "Possible saving" not in html
