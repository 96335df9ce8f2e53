"""The /listings/ page cache: one search's rendered filters and results, kept with
Django's cache framework as template fragments (the template fragment API).

Why: a repeated search would otherwise cost a filterset, the search query and
a template render; a stored page costs one cache round trip (`MGET`), so the
page keeps up with a busy day.

What keeps it honest:
- The fragments vary on every query-string parameter (sorted, so their order
  does not matter), the audience (public, or public sector, who also see
  signed-in-only listings), the viewer's own council (distances and the "Your
  council" option) and whether they are signed in (the "Save this search"
  link): visitors share an entry only if they would see the same page.
- Beside the two fragments a third entry records the generations the page was
  built under (core.generations, read before the search ran): the listings
  generation, which offers.services bumps in the transaction that changes a
  listing, the reference-data generation (councils and the taxonomy in the
  filter panel and on the cards) and the search synonyms' generation (which
  listings a search finds). The same `MGET` reads the generations' cached
  copies (core.generations.generations_with), and a page built under other
  values is a miss, so once a change commits no older page is shown. A miss
  builds under those same values (PageGenerations), so it reads none again.
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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from core.generations import generations_with
from councils.changes import REFERENCE_DATA_GENERATION
from offers.browse.search import SYNONYMS_GENERATION
from offers.changes import LISTINGS_GENERATION

CONTENT_FRAGMENT = "offers.browse.content"  # templates/offers/browse/_content.html
TITLE_FRAGMENT = "offers.browse.title"  # the page's <title>, which names the page number
BUILT_UNDER = "offers.browse.built-under"  # the generations a stored page was built under
# What a stored page depends on besides its key.
PAGE_GENERATIONS = (LISTINGS_GENERATION, REFERENCE_DATA_GENERATION, SYNONYMS_GENERATION)


class PageGenerations(NamedTuple):
    """The values of PAGE_GENERATIONS, in order: what a stored page was built under.

    A miss hands the reference-data and synonyms values on to the search
    (offers.browse.selectors.listing_browse), so it builds under the very values it
    records and asks the cache for neither again."""

    listings: int
    reference_data: int
    synonyms: int


@dataclass(frozen=True)
class BrowseViewer:
    """What about the viewer changes the /listings/ page (and nothing else about them)."""

    public_sector: bool
    own_gss: str = ""
    signed_in: bool = False


@dataclass(frozen=True)
class BrowseFragments:
    """The cache keys of one search's stored page: its two fragments and the record of
    the generations it was built under."""

    content: str
    title: str
    built_under: str


@dataclass(frozen=True)
class BrowsePage:
    """A rendered page's content block and title."""

    title: str
    content: SafeString


def browse_cache_seconds() -> int:
    return int(settings.BROWSE_CACHE_SECONDS)


def browse_fragments(*, params: QueryDict, viewer: BrowseViewer) -> BrowseFragments:
    """The keys of this search's stored page for this viewer."""
    items = sorted((name, value) for name, values in params.lists() for value in values)
    vary_on = [
        "public-sector" if viewer.public_sector else "public",
        viewer.own_gss or "-",
        "signed-in" if viewer.signed_in else "anonymous",
        hashlib.sha256(repr(items).encode()).hexdigest(),
    ]
    return BrowseFragments(
        content=make_template_fragment_key(CONTENT_FRAGMENT, vary_on),
        title=make_template_fragment_key(TITLE_FRAGMENT, vary_on),
        built_under=make_template_fragment_key(BUILT_UNDER, vary_on),
    )


def browse_page_cached(*, keys: BrowseFragments) -> tuple[PageGenerations, BrowsePage | None]:
    """The current generations (PAGE_GENERATIONS) and the stored page if it was built
    under them, else None: one cache round trip while the generations' copies are
    cached. Read before searching: a change committed during the search then makes
    the page stored under these values a miss."""
    values, entries = generations_with(
        PAGE_GENERATIONS, [keys.content, keys.title, keys.built_under]
    )
    current = PageGenerations(*values)
    if not browse_cache_seconds():
        return current, None
    content, title = entries.get(keys.content), entries.get(keys.title)
    # render_to_string's SafeString comes back from the cache as one; anything else
    # (an entry written by other code) is not trusted as markup.
    if not isinstance(content, SafeString) or not isinstance(title, str):
        return current, None
    if entries.get(keys.built_under) != current:
        return current, None
    return current, BrowsePage(title=title, content=content)


def browse_cache_timeout(*, expiries: Iterable[datetime], now: float | None = None) -> int:
    """Seconds a page may be served: BROWSE_CACHE_SECONDS, or less when a listing on it
    expires sooner (rounded down, so it is gone by then; 0 stores nothing)."""
    now = time.time() if now is None else now
    limit = min([float(browse_cache_seconds()), *(e.timestamp() - now for e in expiries)])
    return max(0, math.floor(limit))


def browse_page_store(
    *,
    keys: BrowseFragments,
    page: BrowsePage,
    built_under: PageGenerations,
    timeout: int,
    panel: "BrowsePanel",
) -> None:
    """Store the page with the generations read before its search, and the filter
    panel's pieces drawn for it, in one `set_many` (one round trip, not two).

    The pieces live as long as the page: they are keyed on everything they show, so
    that bounds memory, not staleness, and a piece every search shares (a run of
    council options) is drawn again at most once a lifetime."""
    if timeout > 0:
        cache.set_many(
            {
                **panel.new,
                keys.content: page.content,
                keys.title: page.title,
                keys.built_under: tuple(built_under),
            },
            timeout,
        )


PANEL_FRAGMENT = "offers.browse.panel"  # one piece of the filter panel


@dataclass(frozen=True)
class PanelPart:
    """One piece of the /listings/ filter panel drawn by its own template: a checkbox
    group, one service family's details, the council options.

    `vary_on` is everything its markup shows besides the reference data (ticked
    values, errors, the counts beside its boxes); `context` builds the template's
    context, called only when the piece is not stored.
    """

    name: str
    template: str
    vary_on: tuple[Any, ...]
    context: Callable[[], dict[str, Any]]


@dataclass(frozen=True)
class BrowsePanel:
    """The filter panel's pieces by name (`drawn`), and those not stored until now by
    cache key (`new`: browse_page_store stores them with the page)."""

    drawn: dict[str, SafeString]
    new: dict[str, SafeString]


def browse_panel(*, parts: Sequence[PanelPart], reference_stamp: int) -> BrowsePanel:
    """Each part's markup: the stored fragments in one `get_many`, the others drawn
    by their templates.

    Why pieces and not one fragment: the counts differ for almost every search, but
    most pieces do not (a family none of the results is in, the types of council of
    a search near one place), and drawing ~150 boxes costs more than the search.
    """
    keys = [
        make_template_fragment_key(PANEL_FRAGMENT, [reference_stamp, part.name, repr(part.vary_on)])
        for part in parts
    ]
    stored = cache.get_many(keys)
    drawn: dict[str, SafeString] = {}
    new: dict[str, SafeString] = {}
    for key, part in zip(keys, parts, strict=True):
        html = stored.get(key)
        if not isinstance(html, SafeString):  # as for the page: nothing else is markup
            html = render_to_string(part.template, part.context())
            new[key] = html
        drawn[part.name] = html
    return BrowsePanel(drawn=drawn, new=new)
