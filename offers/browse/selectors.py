"""Reads for the /listings/ browse page: who is looking, the filterset, one page of results."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator

from councils.models import User
from councils.selectors import membership_current
from offers.browse.cache import BrowseViewer
from offers.browse.facets import FacetCounts, listing_facet_counts
from offers.browse.filters import ListingFilter
from offers.models import Listing
from offers.selectors import listings_browsable

PAGE_SIZE = 20  # results per /listings/ page


def browse_viewer(*, user: User | AnonymousUser) -> BrowseViewer:
    """Whether the viewer is signed in, sees signed-in-only listings, and their own council.

    The same rule as ListingQuerySet.visible_to, from one membership query.
    """
    if not user.is_authenticated:
        return BrowseViewer(public_sector=False)
    membership = membership_current(user=user)
    return BrowseViewer(
        signed_in=True,
        public_sector=user.is_staff or membership is not None,
        own_gss=membership.authority.gss_code if membership else "",
    )


def listing_browse(*, params: Any, viewer: BrowseViewer) -> ListingFilter:
    """The /listings/ filterset. Call `is_valid()` first; `.qs` is then ordered and filtered.

    A signed-in officer's own council is the default place distances are measured from.
    """
    return ListingFilter(
        data=params,
        queryset=listings_browsable(public_sector=viewer.public_sector),
        own_gss=viewer.own_gss,
    )


# What a result on /listings/ shows (offers/browse/_content.html) and the
# cache needs: anything else stays in the database, above all the description
# and the stored search vector (about 1 KB a row between them).
_RESULT_FIELDS = (
    "kind",
    "title",
    "summary",
    "delivery_model",
    "visibility",
    "is_demo",
    "is_synthetic",
    "published_at",
    "expires_at",
    "authority__name",
    "authority__kind",  # the card says "Council" or "Organisation"
    "service__name",
)


def listing_browse_page(*, filterset: ListingFilter, number: int, count: int) -> Page[Listing]:
    """Page `number` of a valid filterset's `count` results (the last page if past the
    end); after a text search each row has `title_marked` and `summary_marked`.

    `count` comes from the facet query (listing_browse_facets), so this is one query
    for the page's rows, none when there are no results, and a page past the end is
    the last page's query, not a COUNT first. offers.browse.cache stores the rendered
    page, so this runs only for a search nobody made in the last minute.
    """
    results = (
        filterset.qs.select_related(None)
        .select_related("authority", "service")
        .only(*_RESULT_FIELDS)
    )
    number = min(max(1, number), max(1, -(-count // PAGE_SIZE)))
    start = (number - 1) * PAGE_SIZE
    rows: list[Listing] = list(results[start : start + PAGE_SIZE]) if count else []
    paginator: Paginator[Any] = Paginator([], PAGE_SIZE)
    paginator.count = count  # a cached_property: set, it runs no COUNT query
    return Page(rows, number, paginator)


def listing_browse_facets(*, filterset: ListingFilter) -> FacetCounts:
    """How many of a valid filterset's results have each filter value, and how many
    results there are: one grouped query."""
    reference = filterset.reference
    return listing_facet_counts(
        filterset.qs,
        services=reference.facet_services,
        organisations=reference.facet_organisations,
    )


MAP_LAYER = "ltla"  # districts and unitaries: a county or another body is drawn as their union


def listing_results_map(*, filterset: ListingFilter) -> dict[str, Any] | None:
    """What static/js/partner-map.js draws for a search: each organisation with results,
    shaded by how many, from the counts already made (no query). None: nothing to map."""
    counts = filterset.facets.counts.get("council", {}) if filterset.facets else {}
    if not counts:
        return None
    reference = filterset.reference
    names = {gss: place.short_name for gss, place in reference.places.items()}

    def name(gss: str) -> str:
        return names.get(gss) or reference.council_names.get(gss, gss)

    ordered = sorted(counts.items(), key=lambda item: (-item[1], name(item[0])))
    return {
        "mode": "results",
        "origin": "",
        "layer": MAP_LAYER,
        "year": 2025,
        "topScore": ordered[0][1],
        "ranked": [[gss, name(gss), n, rank] for rank, (gss, n) in enumerate(ordered, start=1)],
        "areas": {gss: reference.areas[gss] for gss in counts if gss in reference.areas},
    }
