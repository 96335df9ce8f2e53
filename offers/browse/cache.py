"""The /listings/ page cache: one search's rendered filters and results, kept with
Django's cache framework as template fragments (the template fragment API).

Why: a repeated search would otherwise cost a filterset, the search query and
a template render; a stored fragment costs two cache round trips, so the page
keeps up with a busy day.

What keeps it honest:
- The fragments vary on the listings generation (core.generations, read before
  the search ran), every query-string parameter (sorted, so their order does
  not matter), the audience (public, or public sector, who also see
  signed-in-only listings), the viewer's own council (distances and the "Your
  council" option) and whether they are signed in (the "Save this search"
  link). Visitors share an entry only if they would see the same page, and
  offers.services bumps the generation in the transaction that changes a
  listing, so once it commits every older entry is simply never asked for.
- An entry lives BROWSE_CACHE_SECONDS (default 60), and never past the first
  expiry date among the listings it shows: an expired listing is not shown
  even before the nightly expiry job bumps the generation. (The count may lag
  by listings that expired elsewhere in the results: at most one minute.)
- Nothing about a person beyond those four facts is stored: the header and any
  messages are rendered for each request around the fragment. Pages with
  errors are never stored.
"""

import hashlib
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.http import QueryDict
from django.utils.safestring import SafeString

from offers.changes import listings_version

CONTENT_FRAGMENT = "offers.browse.content"  # templates/offers/browse/_content.html
TITLE_FRAGMENT = "offers.browse.title"  # the page's <title>, which names the page number


@dataclass(frozen=True)
class BrowseViewer:
    """What about the viewer changes the /listings/ page (and nothing else about them)."""

    public_sector: bool
    own_gss: str = ""
    signed_in: bool = False


@dataclass(frozen=True)
class BrowseFragments:
    """The cache keys of one search's fragments, for the generation they were made under."""

    content: str
    title: str


@dataclass(frozen=True)
class BrowsePage:
    """A rendered page's content block and title."""

    title: str
    content: SafeString


def browse_cache_seconds() -> int:
    return int(settings.BROWSE_CACHE_SECONDS)


def browse_fragments(*, params: QueryDict, viewer: BrowseViewer) -> BrowseFragments:
    """The fragment keys for this search, this viewer and the current listings
    generation. Read the generation before searching: a change committed during
    the search then makes what is stored under it a key nobody asks for."""
    items = sorted((name, value) for name, values in params.lists() for value in values)
    vary_on = [
        listings_version(),
        "public-sector" if viewer.public_sector else "public",
        viewer.own_gss or "-",
        "signed-in" if viewer.signed_in else "anonymous",
        hashlib.sha256(repr(items).encode()).hexdigest(),
    ]
    return BrowseFragments(
        content=make_template_fragment_key(CONTENT_FRAGMENT, vary_on),
        title=make_template_fragment_key(TITLE_FRAGMENT, vary_on),
    )


def browse_page_cached(*, keys: BrowseFragments) -> BrowsePage | None:
    """The stored page, or None. One cache round trip (the generation is another)."""
    if not browse_cache_seconds():
        return None
    values = cache.get_many([keys.content, keys.title])
    content, title = values.get(keys.content), values.get(keys.title)
    # render_to_string's SafeString comes back from the cache as one; anything else
    # (an entry written by other code) is not trusted as markup.
    if not isinstance(content, SafeString) or not isinstance(title, str):
        return None
    return BrowsePage(title=title, content=content)


def browse_cache_timeout(*, expiries: Iterable[datetime], now: float | None = None) -> int:
    """Seconds a page may be served: BROWSE_CACHE_SECONDS, or less when a listing on it
    expires sooner (rounded down, so it is gone by then; 0 stores nothing)."""
    now = time.time() if now is None else now
    limit = min([float(browse_cache_seconds()), *(e.timestamp() - now for e in expiries)])
    return max(0, math.floor(limit))


def browse_page_store(*, keys: BrowseFragments, page: BrowsePage, timeout: int) -> None:
    if timeout > 0:
        cache.set_many({keys.content: page.content, keys.title: page.title}, timeout)
