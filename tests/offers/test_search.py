"""Free-text search: ranking, matching, kept current on save, and safe highlighting.

PostgreSQL's own full-text search (tsvector, GIN, ts_rank, ts_headline), as in
production: `make test` runs an embedded PostgreSQL when DATABASE_URL is unset.
"""

from datetime import timedelta

import pytest
from django.utils.safestring import SafeString

from offers.browse.search import START, STOP
from offers.models import Listing
from offers.templatetags.search_tags import highlight
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


def test_saving_a_listing_stores_its_search_vector():
    listing = published(title="Street lighting")
    listing.refresh_from_db()
    assert "street" in str(listing.search_vector)


def test_a_plural_finds_listings_about_the_singular(client):
    published(title="Internal audit for district councils", summary="One team, two councils.")

    for q in ["audits", "auditing", "AUDIT"]:
        assert result_titles(client.get("/listings/", {"q": q})) == [
            "Internal audit for district councils"
        ], q


def test_a_short_word_does_not_match_inside_longer_words(client):
    published(title="Internal audit with a neighbour", summary="Audit work shared with Arun.")

    assert result_titles(client.get("/listings/", {"q": "it"})) == []


def test_only_whole_words_are_highlighted(client):
    published(title="Internal audit with a neighbour", summary="Audit work shared with Arun.")

    html = client.get("/listings/", {"q": "audit it"}).content.decode()

    assert "Internal <mark>audit</mark> with a neighbour" in html
    assert "<mark>Audit</mark> work shared with Arun." in html
    assert "aud<mark>it</mark>" not in html
    assert "w<mark>it</mark>h" not in html


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


def test_the_highlight_filter_escapes_everything_but_the_marks():
    text = f"<b>{START}pay{STOP}</b> & {START}roll"
    assert highlight(text) == "&lt;b&gt;<mark>pay</mark>&lt;/b&gt; &amp; roll"
    # Even text already marked safe is escaped: listing text is never markup.
    assert highlight(SafeString(f"<script>{START}x{STOP}</script>")) == (
        "&lt;script&gt;<mark>x</mark>&lt;/script&gt;"
    )


def test_a_hostile_title_is_text_with_and_without_a_search(client):
    published(title="<script>alert(1)</script> & payroll", summary="Payroll & pensions <br>")

    searched = client.get("/listings/", {"q": "payroll"}).content.decode()
    browsed = client.get("/listings/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>payroll</mark>" in searched
    assert "<mark>Payroll</mark> &amp; pensions &lt;br&gt;" in searched
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; payroll" in browsed
    assert "<script>alert(1)" not in searched + browsed
    assert "<mark>" not in browsed


@pytest.mark.parametrize("field", ["description", "contact_email", "__class__"])
def test_the_filter_highlights_only_the_searched_fields(field):
    from django.template import Context, Template, TemplateSyntaxError

    page = Template("{% load search_tags %}{{ listing|highlighted:field }}")
    with pytest.raises(TemplateSyntaxError):
        page.render(Context({"listing": object(), "field": field}))


def test_markers_typed_into_a_listing_are_dropped_when_not_searching(client):
    published(title=f"{START}Payroll{STOP} <i>help</i>")

    html = client.get("/listings/").content.decode()

    assert "Payroll &lt;i&gt;help&lt;/i&gt;" in html
    assert "<mark>" not in html


def _service_id(slug: str) -> int:
    from offers.models import Service

    return Service.objects.get(slug=slug).pk


def test_the_database_has_the_indexes_and_trigger_the_model_declares():
    """The search index, trigger and browse indexes are declared in Listing.Meta
    (pgtrigger for the trigger), so the model is the whole story: each one is in
    the migrated database, and the migrations match the models."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        in_db = connection.introspection.get_constraints(cursor, Listing._meta.db_table)
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'offers_listing'::regclass"
            " AND NOT tgisinternal"
        )
        triggers = {name for (name,) in cursor.fetchall()}
    for index in Listing._meta.indexes:
        assert index.name in in_db, index.name
    assert in_db["offers_listing_search_gin"]["type"] == "gin"
    declared = {t.compile(Listing).sql.pgid for t in Listing._meta.triggers}  # type: ignore[attr-defined]  # pgtrigger's Meta option
    assert declared == triggers - {"offers_listing_search_vector_trigger"}
    assert "offers_listing_search_vector_trigger" not in triggers  # 0005's, replaced
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_the_trigger_follows_a_change_of_service():
    from offers.models import Service

    listing = published(
        title="Shared team",
        summary="One team.",
        service=Service.objects.get(slug="building-control"),
    )
    listing.refresh_from_db()
    assert "'payrol'" not in str(listing.search_vector)
    # An UPDATE without save(): only the database trigger can refresh the vector.
    Listing.objects.filter(pk=listing.pk).update(service=Service.objects.get(slug="payroll"))
    listing.refresh_from_db()
    assert "'payrol'" in str(listing.search_vector)
