"""The /listings/ page cache: the rendered filters and results of one search, as HTML.

Why HTML: a repeated search used to cost a filterset (form cleaning, choice
copies), a re-read of its 20 rows and a template render of ~8 ms; serving the
stored HTML costs one cache round trip, so the page keeps up with a busy day.

What keeps it honest:
- The key holds every query-string parameter (sorted, so their order does not
  matter), the audience (public, or public sector, who also see signed-in-only
  listings) and the viewer's own council (distances and the "Your council"
  option depend on it). Visitors share an entry only if they would see the
  same page.
- Each entry holds the listings generation it was built under, read before
  the search ran. offers.services bumps the generation in the transaction that
  changes a listing (core.generations), so once it commits a withdrawn, edited
  or newly published listing shows at once.
- An entry is not used past the first expiry date among the listings it shows,
  nor past BROWSE_CACHE_SECONDS (default 60): an expired listing is not shown
  even before the nightly expiry job moves the version on. (The count may lag
  by the listings that expired elsewhere in the results: at most one minute.)
- Nothing per person is stored: the "Save this search" link, the header and
  any messages are rendered for each request around the stored part. Pages with
  errors are never stored.
"""

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from core.generations import generation_with
from offers.changes import LISTINGS_GENERATION

# Where the per-person "Save this search" link goes inside the stored HTML.
SAVE_SEARCH_MARKER = "<!-- save-search-link -->"


@dataclass(frozen=True)
class BrowseViewer:
    """What about the viewer changes the /listings/ page (and nothing else about them)."""

    public_sector: bool
    own_gss: str = ""


@dataclass(frozen=True)
class CachedBrowsePage:
    version: int
    fresh_until: float  # seconds since the epoch
    title: str
    before: SafeString  # the content block up to the save-search link
    after: SafeString  # and after it
    save_search: bool  # whether the page offers the link (not on pages with errors)


def browse_cache_seconds() -> int:
    return int(settings.BROWSE_CACHE_SECONDS)


def browse_cache_key(*, params: QueryDict, viewer: BrowseViewer) -> str:
    items = sorted((name, value) for name, values in params.lists() for value in values)
    digest = hashlib.sha256(repr(items).encode()).hexdigest()[:40]
    audience = "public-sector" if viewer.public_sector else "public"
    return f"offers:browse-page:{audience}:{viewer.own_gss or '-'}:{digest}"


def browse_page_cached(*, key: str) -> CachedBrowsePage | None:
    """The stored page if it is still current, else None. One cache round trip
    (and one small query when the generation's cache copy has expired)."""
    if not browse_cache_seconds():
        return None
    version, values = generation_with(LISTINGS_GENERATION, [key])
    page = values.get(key)
    if not isinstance(page, CachedBrowsePage):
        return None
    if page.version != version or time.time() >= page.fresh_until:
        return None
    return page


def browse_page_make(
    *, version: int, title: str, html: SafeString, expiries: Iterable[datetime]
) -> CachedBrowsePage:
    """A rendered page built under `version` (read before the search ran).

    `expiries` are the expiry dates of the listings shown: the page is not
    served from the cache past the first of them.
    """
    before, marker, after = html.partition(SAVE_SEARCH_MARKER)
    fresh_until = min([time.time() + browse_cache_seconds(), *(e.timestamp() for e in expiries)])
    return CachedBrowsePage(
        version=version,
        fresh_until=fresh_until,
        title=title,
        # Both halves of a template render: escaped already.
        before=mark_safe(before),  # noqa: S308
        after=mark_safe(after),  # noqa: S308
        save_search=bool(marker),
    )


def browse_page_store(*, key: str, page: CachedBrowsePage) -> None:
    seconds = browse_cache_seconds()
    if seconds:
        cache.set(key, page, seconds)
