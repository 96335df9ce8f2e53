"""Free-text search over listings.

PostgreSQL: a stored, weighted tsvector per listing (title A; summary, service,
service family and authority name B; description C; offers/search_document.py)
kept current by a trigger (django-pgtrigger, `Listing.Meta.triggers`) and served
by a GIN index (`Listing.Meta.indexes`); queries are parsed with
websearch_to_tsquery (so any user text is a valid query), ranked with
ts_rank and highlighted with ts_headline. Words match by their English stem
("audits" finds "audit"), and only whole words are highlighted. PostgreSQL
runs everywhere, `make run` and `make test` included (ADR 9).

Highlighting never trusts listing text: the database marks matches with two
private-use characters, and the `highlighted` template filter
(offers/templatetags/search_tags.py) escapes the text and only then turns
the markers into <mark> elements. Nothing here builds HTML.
"""

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection
from django.db.models import F, QuerySet

from core.generations import generation
from offers.browse.synonyms import expand_query
from offers.models import Listing, SearchSynonym
from offers.search_document import document_sql

# Unicode private-use characters: never typed in a listing in practice, and
# untouched by escaping, so they survive until they become <mark> tags.
START = "\ue000"
STOP = "\ue001"

# The same document the trigger computes (one definition for both).
_DOCUMENT_SQL = document_sql(listing="l", service="s", family="f", authority="a")


def _headline(field: str, query: SearchQuery) -> SearchHeadline:
    # highlight_all: titles and summaries are short, so mark every match in full.
    return SearchHeadline(
        field, query, config="english", start_sel=START, stop_sel=STOP, highlight_all=True
    )


SYNONYMS_GENERATION = "offers:synonyms"


def search_synonyms(*, version: int | None = None) -> dict[str, list[str]]:
    """The staff-kept synonym list, phrase -> synonyms.

    Read from the cache under the synonyms generation, which every change to
    the list bumps (offers.browse.services), so a search costs no query for it
    and an edit applies to the next search. `version`: that generation's value when
    the caller has read it already (the browse page reads it with its cache entries).
    """
    if version is None:
        version = generation(SYNONYMS_GENERATION)
    key = f"{SYNONYMS_GENERATION}:{version}"
    synonyms: dict[str, list[str]] | None = cache.get(key)
    if synonyms is None:
        synonyms = {
            row.phrase: row.synonym_list for row in SearchSynonym.objects.only("phrase", "synonyms")
        }
        cache.set(key, synonyms, timeout=600)
    return synonyms


def search_query(q: str, *, synonyms: dict[str, list[str]]) -> SearchQuery:
    """`q` as one tsquery: each phrase with synonyms becomes (phrase | synonym | ...),
    ANDed with the rest of the query parsed as a web search.

    A phrase that is only a stop word ("it") parses to an empty query, which
    PostgreSQL drops from the OR, leaving its synonyms ("ict").
    """
    expanded = expand_query(q, synonyms=synonyms)
    query = SearchQuery(expanded.rest, search_type="websearch", config="english")
    for options in expanded.alternatives:
        either = SearchQuery(options[0], search_type="phrase", config="english")
        for option in options[1:]:
            either |= SearchQuery(option, search_type="phrase", config="english")
        query &= either
    return query


def listing_text_search(queryset: QuerySet[Listing], *, q: str) -> QuerySet[Listing]:
    """Listings matching `q`, annotated with `rank`, `title_marked` and `summary_marked`.

    The *_marked annotations hold text with START/STOP markers around matched
    words; templates show them with `{{ listing|highlighted:"title" }}`.
    """
    query = search_query(q, synonyms=search_synonyms())
    return listing_search_annotate(queryset.filter(search_vector=query), query=query)


def listing_search_annotate(
    queryset: QuerySet[Listing], *, query: SearchQuery, rank: bool = True, highlights: bool = True
) -> QuerySet[Listing]:
    """`queryset` annotated with `rank` (unless `rank=False`) and `title_marked` and
    `summary_marked` (unless `highlights=False`) for `query`, and not filtered by it
    (listing_text_search filters; the browse page sorts its results by rank and reads
    a page's rows by id, found and sorted by the search already, with the highlights)."""
    if rank:
        queryset = queryset.annotate(rank=SearchRank(F("search_vector"), query))
    if not highlights:
        return queryset
    return queryset.annotate(
        title_marked=_headline("title", query),
        summary_marked=_headline("summary", query),
    )


def search_vectors_refresh(*, synthetic_only: bool = False) -> int:
    """Recompute stored search vectors in one UPDATE; returns rows updated.

    The trigger already does this row by row; this is for bulk loads with the
    trigger bypassed and for repairs after a council or service is renamed.
    """
    sql = (
        f"UPDATE offers_listing AS l SET search_vector = {_DOCUMENT_SQL}"  # noqa: S608 - no user input
        " FROM offers_service AS s, offers_servicefamily AS f, councils_authority AS a"
        " WHERE s.id = l.service_id AND f.id = s.family_id AND a.id = l.authority_id"
    )
    if synthetic_only:
        sql += " AND l.is_synthetic"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        updated: int = cursor.rowcount
        return updated
