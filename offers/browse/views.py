"""Browse and search listings (/listings/), and the benchmark's trivial view.

The view asks offers.browse.cache for the rendered fragment of this search;
only when nobody made it in the last minute (or a listing changed since) does
it build the filterset (offers.browse.selectors.listing_browse), run the
search and render offers/browse/_content.html, which it stores. Filtering, search and
ordering live in offers/browse/filters.py and offers/browse/search.py.
"""

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods

from councils.auth import acting_user
from offers.browse.cache import (
    BrowseFragments,
    BrowsePage,
    BrowseViewer,
    PageGenerations,
    browse_cache_timeout,
    browse_fragments,
    browse_page_cached,
    browse_page_store,
    browse_panel,
)
from offers.browse.selectors import (
    PAGE_SIZE,
    browse_viewer,
    listing_browse,
    listing_browse_results,
    listing_results_map,
)
from offers.models import Listing

TITLE = "Find offers and needs"


def _requested_page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1").strip()
    # int() of a 10,000-digit string is slow or refused, so cap the length first.
    return int(raw) if raw.isdigit() and len(raw) <= 9 else (10**9 if raw.isdigit() else 1)


@require_http_methods(["GET", "HEAD"])
def listing_browse_view(request: HttpRequest) -> HttpResponse:
    """The page from the fragment cache when this search was made under the current
    listings generation; else built, stored and shown.

    On a freshly built page the template context also holds the filterset and
    page (`filter`, `page_obj`, `tags`...); on a cached one only `page`.
    """
    viewer = browse_viewer(user=acting_user(request))
    keys = browse_fragments(params=request.GET, viewer=viewer)
    built_under, page = browse_page_cached(keys=keys)  # the generations, before searching
    context: dict[str, Any] = {}
    if page is None:
        page, context = _browse_build(request, viewer=viewer, keys=keys, built_under=built_under)
    return render(request, "offers/browse/browse.html", {**context, "page": page})


def _browse_build(
    request: HttpRequest,
    *,
    viewer: BrowseViewer,
    keys: BrowseFragments,
    built_under: PageGenerations,
) -> tuple[BrowsePage, dict[str, Any]]:
    filterset = listing_browse(params=request.GET, viewer=viewer, generations=built_under)
    valid = filterset.is_valid()
    requested = _requested_page(request)
    if valid:
        filterset.facets, page = listing_browse_results(filterset=filterset, number=requested)
    else:
        page = Paginator(Listing.objects.none(), PAGE_SIZE).get_page(1)
    parts = filterset.panel_parts()
    panel = browse_panel(parts=parts, reference_stamp=filterset.reference.stamp)
    pieces = panel.drawn
    # A page past the end shows the last page and says so.
    missing = requested if requested > 1 and requested != page.number else None
    context: dict[str, Any] = {
        "filter": filterset,
        "form": filterset.form,  # the error summary and the "Error:" title prefix
        "selected": filterset.selected(),
        "tags": filterset.tags(),
        # The filter panel's pieces, from their stored fragments where they have one.
        "panel": pieces,
        "panel_families": [pieces[p.name] for p in parts if p.name.startswith("family-")],
        "panel_near": [pieces[p.name] for p in parts if p.name.startswith("near-")],
        "effective_sort": filterset.effective_sort if valid else "",
        "page_obj": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=1)),
        "page_missing": missing,
        "map_data": listing_results_map(filterset=filterset) if valid else None,
    }
    title = TITLE
    if page.number > 1:
        title += f" (page {page.number} of {page.paginator.num_pages})"
    built = BrowsePage(
        title=title,
        content=render_to_string("offers/browse/_content.html", context, request=request),
    )
    if valid:
        # Every published listing has an expiry (a constraint); the field itself is nullable.
        expiries = [row.expires_at for row in page.object_list if row.expires_at is not None]
        browse_page_store(
            keys=keys,
            page=built,
            built_under=built_under,
            timeout=browse_cache_timeout(expiries=expiries),
            panel=panel,
        )
    return built, context


@require_http_methods(["GET", "HEAD"])
def bench_trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline: the same stack and middleware, no work. 404 unless BENCH_VIEWS."""
    if not settings.BENCH_VIEWS:
        raise Http404
    return HttpResponse("ok", content_type="text/plain")
