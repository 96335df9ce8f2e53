"""Browse and search listings (/listings/), and the benchmark's trivial view.

The view parses the request, asks offers.selectors.listing_browse for the
filterset and renders; filtering, search and ordering live in offers/filters.py
and offers/search.py.
"""

from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from councils.auth import acting_user

from .models import Listing
from .selectors import PAGE_SIZE, listing_browse, listing_browse_page


def _requested_page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1").strip()
    # int() of a 10,000-digit string is slow or refused, so cap the length first.
    return int(raw) if raw.isdigit() and len(raw) <= 9 else (10**9 if raw.isdigit() else 1)


@require_http_methods(["GET", "HEAD"])
def listing_browse_view(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    filterset = listing_browse(params=request.GET, user=user)
    valid = filterset.is_valid()
    requested = _requested_page(request)
    if valid:
        page = listing_browse_page(filterset=filterset, number=requested)
    else:
        page = Paginator(Listing.objects.none(), PAGE_SIZE).get_page(1)
    # A page past the end shows the last page and says so.
    missing = requested if requested > 1 and requested != page.number else None
    context: dict[str, Any] = {
        "filter": filterset,
        "form": filterset.form,  # the error summary and the "Error:" title prefix
        "selected": filterset.selected(),
        "tags": filterset.tags(),
        "near_options": filterset.near_options(),
        "service_groups": filterset.service_groups(),
        "checkboxes": {
            name: filterset.checkbox_items(name)
            for name in ("kind", "delivery_model", "nation", "region", "authority_type")
        },
        "effective_sort": filterset.effective_sort if valid else "",
        "page_obj": page,
        "page_range": list(page.paginator.get_elided_page_range(page.number, on_each_side=1)),
        "page_missing": missing,
    }
    return render(request, "offers/browse/browse.html", context)


@require_http_methods(["GET", "HEAD"])
def bench_trivial(request: HttpRequest) -> HttpResponse:
    """The benchmark's baseline: the same stack and middleware, no work. 404 unless BENCH_VIEWS."""
    if not getattr(settings, "BENCH_VIEWS", False):
        raise Http404
    return HttpResponse("ok", content_type="text/plain")
