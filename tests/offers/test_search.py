"""Free-text search: ranking, matching, kept current on save, and safe highlighting.

Runs on SQLite (the icontains fallback) and on PostgreSQL (tsvector, GIN,
ts_rank, ts_headline); every test holds on both.
"""

from datetime import timedelta

import pytest
from django.db import connection

from offers.models import Listing
from offers.search import START, STOP, highlight_terms, marks_to_html, search_terms
from tests.offers.factories import make_listing
from tests.offers.pages import result_titles

pytestmark = pytest.mark.django_db


def published(**kwargs):
    kwargs.setdefault("summary", "A shared arrangement between neighbouring councils.")
    kwargs.setdefault("description", "Details to follow.")
    return make_listing(status=Listing.Status.PUBLISHED, **kwargs)


def test_title_match_ranks_above_description_only_match(client):
    description_only = published(
        title="Shared back office team",
        description="The team also runs payroll for two schools.",
    )
    in_title = published(title="Payroll service for partner councils")
    # The description-only listing is newer, so only relevance can put the title match first.
    Listing.objects.filter(pk=in_title.pk).update(
        published_at=description_only.published_at - timedelta(days=30)
    )

    response = client.get("/listings/", {"q": "payroll"})

    assert response.status_code == 200
    assert result_titles(response) == [in_title.title, description_only.title]


def test_every_word_must_match(client):
    published(title="Payroll service", summary="For district councils.")
    published(title="Payroll and pensions", summary="Pensions administration for counties.")

    response = client.get("/listings/", {"q": "payroll pensions"})

    assert result_titles(response) == ["Payroll and pensions"]


def test_matches_service_and_council_names(client):
    published(title="Shared team", service_id=_service_id("licensing"))

    assert result_titles(client.get("/listings/", {"q": "licensing"})) == ["Shared team"]
    assert result_titles(client.get("/listings/", {"q": "Adur"})) == ["Shared team"]


def test_search_follows_an_edit(client):
    listing = published(title="Building control partnership")
    listing.title = "Zebra crossing maintenance"
    listing.save()

    assert result_titles(client.get("/listings/", {"q": "zebra"})) == ["Zebra crossing maintenance"]
    assert result_titles(client.get("/listings/", {"q": "partnership"})) == []


def test_full_text_search_stores_a_vector_on_postgresql_only():
    listing = published(title="Street lighting")
    listing.refresh_from_db()
    if connection.vendor == "postgresql":
        assert "street" in str(listing.search_vector)
    else:
        assert listing.search_vector is None


def test_highlight_escapes_html_and_marks_only_matches(client):
    published(
        title="<script>alert('t')</script> Payroll help",
        summary='<img src=x onerror="alert(1)"> payroll for <b>two</b> councils',
    )

    response = client.get("/listings/", {"q": "payroll"})

    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;two&lt;/b&gt;" in html
    assert "<mark>Payroll</mark>" in html
    assert "<mark>payroll</mark>" in html


def test_query_text_is_escaped_when_shown_back(client):
    response = client.get("/listings/", {"q": "<script>x</script>"})

    assert response.status_code == 200
    assert "<script>x</script>" not in response.content.decode()


@pytest.mark.parametrize("q", ['"unclosed', "a & | ! ( )", "-", "OR OR", "' OR 1=1 --", "🙂"])
def test_odd_query_syntax_is_just_text(client, q):
    published(title="Payroll")

    response = client.get("/listings/", {"q": q})

    assert response.status_code == 200


def test_marks_to_html_escapes_everything_but_the_marks():
    text = f"<b>{START}pay{STOP}</b> & {START}roll"
    assert marks_to_html(text) == "&lt;b&gt;<mark>pay</mark>&lt;/b&gt; &amp; roll"


def test_highlight_terms_marks_case_insensitively_and_escapes():
    assert highlight_terms("Payroll <i>payroll</i>", ["payroll"]) == (
        "<mark>Payroll</mark> &lt;i&gt;<mark>payroll</mark>&lt;/i&gt;"
    )


def test_highlight_terms_ignores_markers_typed_into_a_listing():
    assert highlight_terms(f"{START}x{STOP} y", ["y"]) == "x <mark>y</mark>"


def test_search_terms_are_words_without_duplicates():
    assert search_terms("Payroll, payroll & <b>HR</b>") == ["payroll", "b", "hr"]


def _service_id(slug: str) -> int:
    from offers.models import Service

    return Service.objects.get(slug=slug).pk
