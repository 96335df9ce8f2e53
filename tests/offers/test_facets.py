"""Counts beside each /listings/ filter option (issue 15, point 6): one grouped
query over the results, whatever the number of options or listings."""

import re

import pytest
from django.db.models import Count
from django.http import QueryDict
from django.urls import reverse

from councils.models import Authority
from offers.browse.cache import BrowseViewer
from offers.browse.facets import listing_facet_counts
from offers.browse.filters import browse_reference, distance_expression
from offers.browse.search import listing_text_search
from offers.browse.selectors import PAGE_SIZE, listing_browse, listing_browse_results
from offers.models import Listing, Service

from .factories import ADUR, HARTLEPOOL, make_listing

pytestmark = pytest.mark.django_db


def published(**kwargs) -> Listing:
    return make_listing(status=Listing.Status.PUBLISHED, **kwargs)


@pytest.fixture
def listings():
    hartlepool = Authority.objects.get(gss_code=HARTLEPOOL)
    ict = Service.objects.get(slug="ict-infrastructure-and-support")
    published(title="Building control one")
    published(title="Building control two", kind=Listing.Kind.NEED)
    published(title="ICT desk", service=ict, authority=hartlepool)
    make_listing(status=Listing.Status.DRAFT, title="A draft is not counted")


def count_beside(html: str, box_id: str) -> int:
    match = re.search(
        rf'for="{re.escape(box_id)}">[^<]*<span class="app-facet-count">\((\d+)', html
    )
    assert match, f"no count beside {box_id}"
    return int(match.group(1))


def test_counts_are_of_the_results_for_every_group(listings):
    reference = browse_reference()
    facets = listing_facet_counts(
        Listing.objects.published(),
        services=reference.facet_services,
        organisations=reference.facet_organisations,
    )
    assert facets.total == 3  # the empty grouping set: the paginator's count
    counts = facets.counts
    assert counts["kind"] == {"offer": 2, "need": 1}
    assert counts["service"] == {"building-control": 2, "ict-infrastructure-and-support": 1}
    assert counts["family"]["ict-and-digital"] == 1
    assert sorted(counts["authority_type"].values()) == [1, 2]
    assert sum(counts["nation"].values()) == 3


def test_the_page_shows_counts_beside_the_options_and_they_follow_the_search(client, listings):
    html = client.get(reverse("offers:browse")).content.decode()
    assert count_beside(html, "id_kind") == 2  # Offer
    assert count_beside(html, "id_kind-1") == 1  # Need
    # A service family's summary shows its count before it is opened.
    assert re.search(r'ICT and digital <span class="app-facet-count">\(1<', html)
    html = client.get(reverse("offers:browse"), {"q": "IT"}).content.decode()
    assert count_beside(html, "id_kind") == 1
    assert count_beside(html, "id_kind-1") == 0
    assert "1</strong> listing found" in html


def test_counts_cost_one_query_however_many_listings_and_options(
    client, settings, django_assert_num_queries, steady_generations
):
    settings.BROWSE_CACHE_SECONDS = 0
    client.get("/listings/?q=warm")  # the reference data and synonyms, cached for minutes
    published(title="Building control one")
    with django_assert_num_queries(2) as few:  # the page's rows; the counts
        client.get("/listings/?q=building")
    assert any("GROUPING SETS" in q["sql"] for q in few.captured_queries)
    for n in range(30):
        published(title=f"Building control {n}", kind=Listing.Kind.NEED if n % 2 else "offer")
    with django_assert_num_queries(2):
        html = client.get("/listings/?q=building").content.decode()
    assert count_beside(html, "id_kind-1") == 15


def test_a_page_with_errors_runs_no_count(
    client, django_assert_max_num_queries, steady_generations
):
    client.get("/listings/?q=warm")
    with django_assert_max_num_queries(1):
        response = client.get("/listings/?within=abc")
    assert "app-facet-count" not in response.content.decode()


def test_the_results_map_comes_from_the_same_counts(client, listings, django_assert_num_queries):
    client.get("/listings/?q=warm")
    response = client.get(reverse("offers:browse"))
    data = response.context["map_data"]
    assert data["mode"] == "results" and data["layer"] == "ltla"
    assert [row[0] for row in data["ranked"]] == [ADUR, HARTLEPOOL]  # most results first
    assert [row[2] for row in data["ranked"]] == [2, 1]
    html = response.content.decode()
    assert 'id="partner-map-data"' in html and "partner-map.js" in html
    # The list comes first; the map is after it and hidden until it is drawn.
    assert html.index('class="app-result-list"') < html.index('id="partner-map"')


def test_no_results_no_map(client):
    response = client.get(reverse("offers:browse"), {"q": "nothing matches this"})
    assert response.context["map_data"] is None
    assert 'id="partner-map-data"' not in response.content.decode()


def test_every_count_equals_a_count_of_the_results_with_that_value(listings):
    """Counted by service and organisation id and mapped to families, nations, regions and
    types in Python: the same numbers as grouping the results by each column."""
    for gss in ("E06000043", "W06000015", "S12000036", "E09000033"):  # Brighton, Cardiff, ...
        published(title=f"Payroll {gss}", authority=Authority.objects.get(gss_code=gss))
    results = Listing.objects.published()
    reference = browse_reference()
    facets = listing_facet_counts(
        results, services=reference.facet_services, organisations=reference.facet_organisations
    )
    columns = {
        "kind": "kind",
        "delivery_model": "delivery_model",
        "service": "service__slug",
        "family": "service__family__slug",
        "nation": "authority__nation",
        "region": "authority__region",
        "authority_type": "authority__authority_type",
        "council": "authority__gss_code",
    }
    for name, column in columns.items():
        grouped = results.order_by().values(column).annotate(n=Count("pk"))
        expected = {str(row[column]): row["n"] for row in grouped if row[column]}
        assert facets.counts[name] == expected, name
    assert facets.total == results.count() == 7


def test_no_results_cost_one_query_and_a_page_past_the_end_two(
    client, listings, settings, django_assert_num_queries, steady_generations
):
    settings.BROWSE_CACHE_SECONDS = 0
    client.get("/listings/?q=warm")  # the reference data and synonyms, cached for minutes
    with django_assert_num_queries(1):  # the counts say there is nothing: no page query
        response = client.get("/listings/?q=nothing+matches+this")
    assert "0</strong> listings found" in response.content.decode()
    with django_assert_num_queries(2):  # the counts (with the total), the last page's rows
        response = client.get("/listings/?page=9")
    assert "There is no page 9" in response.content.decode()
    assert "3</strong> listings found" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "q=building",  # by relevance (equal ranks: then newest, then id)
        "q=building&sort=newest",
        f"q=building&near={ADUR}&sort=nearest",
        f"q=building&near={ADUR}&within=300",
    ],
)
def test_after_a_text_search_one_reading_gives_the_counts_and_every_page(query):
    """The counts and each page's rows, from the shared scan (the counts query also
    numbers the page's ids), are those of grouping and slicing the results themselves."""
    gss_codes = (ADUR, HARTLEPOOL, "E06000043", "W06000015", "S12000036")
    ict = Service.objects.get(slug="ict-infrastructure-and-support")
    for n in range(47):
        published(
            title=f"Building control {n}",
            kind=Listing.Kind.NEED if n % 3 else Listing.Kind.OFFER,
            authority=Authority.objects.get(gss_code=gss_codes[n % len(gss_codes)]),
            **({"service": ict} if n % 4 == 0 else {}),
        )
    published(title="Payroll, not found")
    for number in (1, 2, 3, 4, 999):
        filterset = listing_browse(params=QueryDict(query), viewer=BrowseViewer(False))
        assert filterset.is_valid()
        facets, page = listing_browse_results(filterset=filterset, number=number)
        results = filterset.qs
        for name, column in {
            "kind": "kind",
            "service": "service__slug",
            "nation": "authority__nation",
        }.items():
            grouped = results.order_by().values(column).annotate(n=Count("pk"))
            assert facets.counts[name] == {str(r[column]): r["n"] for r in grouped if r[column]}
        total = results.count()
        assert facets.total == total
        last = -(-total // PAGE_SIZE)
        assert page.number == min(number, last)
        start = (page.number - 1) * PAGE_SIZE
        expected = list(results[start : start + PAGE_SIZE])
        assert [row.pk for row in page.object_list] == [row.pk for row in expected]
        shown = page.object_list[0]
        # The highlights are on the rows, as a plain text search marks them, and the
        # distance measured in Python is the one the database sorts by.
        searched = listing_text_search(Listing.objects.filter(pk=shown.pk), q="building").get()
        assert getattr(shown, "title_marked") == getattr(searched, "title_marked")  # noqa: B009
        if "near" in query:
            assert filterset.origin is not None
            measured = results.annotate(distance_km=distance_expression(filterset.origin))
            distance = getattr(measured[start], "distance_km")  # noqa: B009
            assert getattr(shown, "distance_km") == pytest.approx(distance)  # noqa: B009
