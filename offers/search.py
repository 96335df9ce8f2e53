"""Free-text search over listings.

PostgreSQL: a stored, weighted tsvector per listing (title A; summary, service,
service family and authority name B; description C) kept current by a
trigger (migration 0005) and served by a GIN index; queries are parsed with
websearch_to_tsquery (so any user text is a valid query), ranked with
ts_rank and highlighted with ts_headline.

SQLite (local runs and the default test run): every word must appear
(icontains) in one of the same fields; relevance is a weighted count of where
the words were found, in the same order of importance.

Highlighting never trusts listing text: the database marks matches with two
private-use characters, the text is HTML-escaped, and only then are the
markers turned into <mark> elements.
"""

import re
import time
from collections.abc import Iterable, Sequence

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Listing

# Unicode private-use characters: never typed in a listing in practice, and
# untouched by escape(), so they survive until they become <mark> tags.
START = "\ue000"
STOP = "\ue001"
_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)
MAX_TERMS = 10
_WORD = re.compile(r"\w[\w'’-]*", re.UNICODE)

# The same document as the trigger in migration 0005 (keep the two together).
_DOCUMENT_SQL = """
    setweight(to_tsvector('english', coalesce(l.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(l.summary, '')), 'B')
    || setweight(to_tsvector('english', coalesce(s.name, '') || ' ' || coalesce(f.name, '')), 'B')
    || setweight(to_tsvector('english', coalesce(a.name, '')), 'B')
    || setweight(to_tsvector('english', coalesce(l.description, '')), 'C')
"""


# Part of every cached browse result's key (offers.selectors.listing_browse_page).
LISTINGS_VERSION_KEY = "offers:listings-version"


def listings_version() -> int:
    """The current listings version. If the cache lost it, a new one starts from the
    clock, so it can never come back to a value that older cached results were saved under."""
    version = cache.get(LISTINGS_VERSION_KEY)
    if version is None:
        cache.add(LISTINGS_VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(LISTINGS_VERSION_KEY)
    return int(version) if version is not None else time.time_ns()  # None: a dummy cache


def _listings_version_bump() -> None:
    try:
        cache.incr(LISTINGS_VERSION_KEY)  # atomic in Redis: concurrent bumps all count
    except ValueError:  # not in the cache: any new clock value is a new version
        cache.set(LISTINGS_VERSION_KEY, time.time_ns(), timeout=None)


def listings_changed() -> None:
    """Call in the transaction that changes a listing in any way (state, text,
    visibility, expiry): cached browse results stop being read once it commits,
    and not at all if it rolls back."""
    transaction.on_commit(_listings_version_bump)


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search_terms(q: str) -> list[str]:
    """The words of a query, for the SQLite fallback and its highlighting."""
    words = [w.strip("'’-") for w in _WORD.findall(q)]
    seen: dict[str, None] = {}
    for word in words:
        if word:
            seen.setdefault(word.casefold(), None)
    return list(seen)[:MAX_TERMS]


def _headline(field: str, query: SearchQuery) -> SearchHeadline:
    # highlight_all: titles and summaries are short, so mark every match in full.
    return SearchHeadline(
        field, query, config="english", start_sel=START, stop_sel=STOP, highlight_all=True
    )


def listing_text_search(queryset: QuerySet[Listing], *, q: str) -> QuerySet[Listing]:
    """Listings matching `q`, annotated with `rank`, `title_marked` and `summary_marked`.

    The *_marked annotations hold text with START/STOP markers around matched
    words; pass them through `marks_to_html` before display.
    """
    if uses_full_text():
        query = SearchQuery(q, search_type="websearch", config="english")
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query),
            title_marked=_headline("title", query),
            summary_marked=_headline("summary", query),
        )
    terms = search_terms(q)
    if not terms:  # only punctuation or symbols: nothing can match
        return queryset.none().annotate(rank=Value(0.0))
    fields = ["title", "summary", "description", "service__name", "authority__name"]
    for term in terms:
        matches = Q()
        for name in fields:
            matches |= Q(**{f"{name}__icontains": term})
        queryset = queryset.filter(matches)
    # Title counts most, then summary, service and council, then description:
    # the same order as the PostgreSQL weights.
    rank: Case | Value = Value(0.0)
    for term in terms:
        rank = rank + Case(  # type: ignore[assignment]
            When(title__icontains=term, then=Value(1.0)),
            When(
                Q(summary__icontains=term)
                | Q(service__name__icontains=term)
                | Q(authority__name__icontains=term),
                then=Value(0.4),
            ),
            default=Value(0.2),
            output_field=FloatField(),
        )
    return queryset.annotate(rank=rank)


def marks_to_html(text: str) -> SafeString:
    """Escape `text` and turn START…STOP markers into <mark>…</mark>; nothing else is markup."""
    escaped = escape(text)
    html = _MARKED.sub(r"<mark>\1</mark>", escaped)
    # A stray marker (unbalanced, or typed into a listing) is dropped, not shown.
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


def highlight_terms(text: str, terms: Sequence[str]) -> SafeString:
    """Escape `text`, wrapping case-insensitive matches of `terms` in <mark> (SQLite)."""
    clean = text.replace(START, "").replace(STOP, "")
    if not terms:
        return escape(clean)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.I)
    return marks_to_html(pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", clean))


def attach_highlights(listings: Iterable[Listing], *, q: str) -> None:
    """Set `title_html` and `summary_html` on each listing of a page (safe HTML)."""
    terms = [] if uses_full_text() else search_terms(q)
    for listing in listings:
        title = getattr(listing, "title_marked", None)
        summary = getattr(listing, "summary_marked", None)
        if q and title is not None:
            listing.title_html = marks_to_html(title)  # type: ignore[attr-defined]
            listing.summary_html = marks_to_html(summary or "")  # type: ignore[attr-defined]
        else:
            listing.title_html = highlight_terms(listing.title, terms)  # type: ignore[attr-defined]
            listing.summary_html = highlight_terms(listing.summary, terms)  # type: ignore[attr-defined]


def search_vectors_refresh(*, synthetic_only: bool = False) -> int:
    """Recompute stored search vectors in one UPDATE (PostgreSQL); returns rows updated.

    The trigger already does this row by row; this is for bulk loads with the
    trigger bypassed and for repairs after a council or service is renamed.
    """
    if not uses_full_text():
        return 0
    sql = (
        f"UPDATE offers_listing AS l SET search_vector = {_DOCUMENT_SQL}"  # noqa: S608 - no user input
        " FROM offers_service AS s, offers_servicefamily AS f, councils_authority AS a"
        " WHERE s.id = l.service_id AND f.id = s.family_id AND a.id = l.authority_id"
    )
    if synthetic_only:
        sql += " AND l.is_synthetic"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.rowcount
