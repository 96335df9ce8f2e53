"""The organisation directory at /councils/: filters, sorting, pagination, bad input."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from councils.models import Authority, Membership
from tests.factories import AuthorityFactory, MembershipFactory
from tests.pages import read_page

pytestmark = pytest.mark.django_db

URL = "/councils/"


def result_names(response) -> list[str]:
    """Organisation names in result order, read from the rendered result list."""
    return read_page(response).titles


def result_count(response) -> int:
    """The number of organisations found, from the count line: "Showing 1 to 25 of
    544 organisations" (the last bold number), "Showing 1 organisation", or none."""
    page = read_page(response)
    if page.count_numbers:
        return int(page.count_numbers[-1].replace(",", ""))
    return 1 if page.count_text == "Showing 1 organisation" else 0


def test_directory_lists_only_current_organisations_by_default(client):
    response = client.get(URL)
    assert response.status_code == 200
    total = 382 + 162  # councils and public bodies
    shown = f"Showing <strong>1</strong> to <strong>25</strong> of <strong>{total}</strong>"
    assert f"{shown} organisations" in response.content.decode()
    assert len(result_names(response)) == 25
    assert "Aylesbury Vale" not in response.content.decode()


def test_include_abolished_adds_the_abolished_councils(client):
    response = client.get(URL, {"include_abolished": "on", "q": "Aylesbury"})
    assert result_names(response) == ["Aylesbury Vale"]
    assert "Abolished</strong>" in response.content.decode()
    everything = client.get(URL, {"include_abolished": "on"})
    # and the two former North East combined authorities, known from their spend
    assert result_count(everything) == Authority.objects.count() == 382 + 48 + 162 + 2


def test_name_search_matches_name_and_short_name(client):
    response = client.get(URL, {"q": "worthing"})
    assert result_names(response) == ["Worthing Borough Council"]
    # "Kingston upon Hull" is only in the short name of Hull City Council.
    response = client.get(URL, {"q": "kingston upon hull"})
    assert result_names(response) == ["Hull City Council"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"nation": "Scotland"}, 32),
        ({"nation": "Wales", "kind": "council"}, 22),
        ({"nation": "Northern Ireland"}, 11),
        ({"nation": "England", "kind": "council"}, 317),
        ({"kind": "council"}, 382),
        ({"kind": "fire"}, 47),
        ({"kind": "police"}, 43),
        ({"kind": "nhs"}, 42),
        ({"kind": "combined"}, 13),
        ({"kind": "gla"}, 1),
        ({"kind": "park"}, 10),
        ({"kind": "waste"}, 5),
        ({"kind": "regional_park"}, 1),
        ({"kind": "fire", "nation": "Wales"}, 3),
        ({"authority_type": "CTY"}, 21),
        ({"authority_type": "LBO"}, 32),
        ({"tier": "upper"}, 21),
        ({"tier": "lower"}, 164),
        ({"combined_authority": "E61000001"}, 33),  # the GLA: 32 boroughs and the City
    ],
)
def test_each_filter_narrows_the_list(client, params, expected):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert result_count(response) == expected


def test_region_filter_shows_only_that_region(client):
    response = client.get(URL, {"region": "South East", "page": "1"})
    expected = Authority.objects.current().filter(region="South East").count()
    assert expected > 25
    assert result_count(response) == expected
    names = result_names(response)
    assert set(names) <= set(
        Authority.objects.filter(region="South East").values_list("name", flat=True)
    )


def test_filters_combine(client):
    response = client.get(
        URL, {"nation": "England", "region": "South East", "authority_type": "NMD", "q": "a"}
    )
    councils = Authority.objects.current().filter(
        region="South East", authority_type="NMD", name__icontains="a"
    )
    assert result_count(response) == councils.count()
    assert "Adur District Council" in result_names(response)
    assert "Brighton and Hove City Council" not in response.content.decode()  # a unitary
    # A combination that cannot match shows the empty state, not an error.
    empty = client.get(URL, {"nation": "Wales", "authority_type": "CTY"})
    assert empty.status_code == 200
    assert "No organisations match your filters." in empty.content.decode()


def test_sort_by_population_and_area(client):
    current = Authority.objects.current()
    biggest = current.order_by(F("population").desc(nulls_last=True))[0]
    smallest = current.order_by(F("population").asc(nulls_last=True))[0]
    largest_area = current.order_by(F("area_km2").desc(nulls_last=True))[0]
    assert result_names(client.get(URL, {"sort": "population-desc"}))[0] == biggest.name
    assert result_names(client.get(URL, {"sort": "population-asc"}))[0] == smallest.name
    assert result_names(client.get(URL, {"sort": "area-desc"}))[0] == largest_area.name
    by_name = result_names(client.get(URL, {"sort": "name"}))
    assert by_name[0] == current.order_by("short_name", "gss_code")[0].name


def test_pagination_keeps_filters_and_shows_the_range(client):
    response = client.get(
        URL, {"nation": "England", "kind": "council", "sort": "population-desc", "page": "2"}
    )
    page = read_page(response)
    assert page.count_numbers == ["26", "50", "317"]
    pages = [a for a in page.links if "page=" in (a.get("href") or "")]
    current = [str(a["href"]) for a in pages if a.get("aria-current") == "page"]
    assert len(current) == 1 and current[0].endswith("page=2")
    # Every page link keeps the filters and the sort order.
    links = [str(a["href"]) for a in pages]
    assert links
    for link in links:
        assert "nation=England" in link
        assert "kind=council" in link
        assert "sort=population-desc" in link
    assert {a.get("rel") for a in page.links} >= {"prev", "next"}


def test_last_page_has_the_remainder(client):
    response = client.get(URL, {"page": "22"})
    assert "Showing <strong>526</strong> to <strong>544</strong>" in response.content.decode()
    assert 'rel="next"' not in response.content.decode()


@pytest.mark.parametrize("page", ["999", "0", "abc", "-1", "1.5"])
def test_page_out_of_range_never_fails(client, page):
    response = client.get(URL, {"page": page})
    assert response.status_code == 200
    assert result_names(response)


def test_page_past_the_end_shows_the_last_page_and_says_so(client):
    response = client.get(URL, {"nation": "Scotland", "kind": "council", "page": "7"})
    html = response.content.decode()
    assert "There is no page 7. This is the last page of results." in html
    assert "Showing <strong>26</strong> to <strong>32</strong> of <strong>32</strong>" in html


def test_clear_filters_link_only_when_filtered(client):
    plain = client.get(URL)
    assert "Clear filters" not in plain.content.decode()
    sorted_only = client.get(URL, {"sort": "area-desc"})
    assert "Clear filters" not in sorted_only.content.decode()
    filtered = client.get(URL, {"nation": "Wales"})
    assert '<a class="govuk-link" href="/councils/">Clear filters</a>' in (
        filtered.content.decode()
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"nation": "Mars"}, "Select a nation from the list"),
        ({"region": "Atlantis"}, "Select a region from the list"),
        ({"authority_type": "XYZ"}, "Select a type of council from the list"),
        ({"tier": "middle"}, "Select a tier from the list"),
        ({"combined_authority": "E99999999"}, "Select a combined authority from the list"),
        ({"kind": "dragon"}, "Select a kind of organisation from the list"),
        ({"sort": "shoe-size"}, "Select how to sort the organisations from the list"),
        ({"q": "x" * 201}, "Name must be 200 characters or fewer"),
    ],
)
def test_invalid_filter_values_show_a_govuk_error(client, params, message):
    response = client.get(URL, params)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert message in html
    assert "<title>Error: " in html
    assert result_names(response) == []


def test_filter_form_uses_get_and_keeps_the_values(client):
    response = client.get(URL, {"nation": "Wales", "q": "vale", "include_abolished": "on"})
    html = response.content.decode()
    assert 'method="get"' in html
    assert 'value="vale"' in html
    page = read_page(response)
    assert page.selected["nation"] == ["Wales"]
    (abolished,) = [i for i in page.inputs if i.get("name") == "include_abolished"]
    assert "checked" in abolished
    assert "Apply filters" in html


def test_each_result_shows_type_location_population_and_officers(client):
    adur = Authority.objects.get(gss_code="E07000223")
    MembershipFactory.create_batch(2, authority=adur)
    MembershipFactory(authority=adur, status=Membership.Status.PENDING)
    MembershipFactory(authority=adur, status=Membership.Status.LEFT)
    html = client.get(URL, {"q": "Adur"}).content.decode()
    assert '<a class="govuk-link" href="/councils/E07000223/">Adur District Council</a>' in html
    assert "<dd>District council</dd>" in html
    assert "<dd>South East, England</dd>" in html
    assert f"<dd>{adur.population:,} ({adur.population_year})</dd>" in html
    assert "<dt>Registered officers:</dt><dd>2</dd>" in html


def _count_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_directory_queries_do_not_grow_with_rows(client, django_assert_max_num_queries):
    few = AuthorityFactory.create_batch(3)
    baseline = _count_queries(client, {"q": "Testshire"})

    many = AuthorityFactory.create_batch(60)
    for authority in [*few, *many][:25]:
        MembershipFactory.create_batch(2, authority=authority)
    with django_assert_max_num_queries(baseline):
        response = client.get(URL, {"q": "Testshire"})
    assert result_count(response) == 63
    assert "<dt>Registered officers:</dt><dd>2</dd>" in response.content.decode()
    # And the count is small in absolute terms: filter choices, count, page.
    assert baseline <= 6


def test_directory_queries_for_a_signed_in_officer(client, django_assert_max_num_queries):
    membership = MembershipFactory()
    client.force_login(membership.user)
    with django_assert_max_num_queries(9):
        response = client.get(URL, {"nation": "England", "page": "3"})
    assert response.status_code == 200


def test_directory_filtered_by_kind_costs_the_same_queries_for_any_kind(client):
    fire = _count_queries(client, {"kind": "fire"})
    assert fire == _count_queries(client, {"kind": "council"})  # 382 rows against 47
    assert fire == _count_queries(client, {"kind": "regional_park"})
    assert fire <= 6
    response = client.get(URL, {"kind": "police"})
    assert "<dt>Type:</dt><dd>Police force area</dd>" in response.content.decode()
    assert result_count(response) == 43
