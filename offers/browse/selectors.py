"""Reads for the /listings/ browse page: who is looking, the filterset, one page of results."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from councils.models import User
from councils.selectors import membership_current
from offers.browse.cache import BrowseViewer, PageGenerations
from offers.browse.facets import (
    FacetCounts,
    listing_facet_counts,
    listing_facet_counts_and_page,
)
from offers.browse.filters import ListingFilter, distance_from
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


def listing_browse(
    *, params: Any, viewer: BrowseViewer, generations: PageGenerations | None = None
) -> ListingFilter:
    """The /listings/ filterset. Call `is_valid()` first; `.qs` is then ordered and filtered.

    A signed-in officer's own council is the default place distances are measured from.
    `generations`: the values the page cache read (offers.browse.cache), so the
    reference data and the synonyms are those the page is recorded as built under,
    and neither generation is asked for again.
    """
    return ListingFilter(
        data=params,
        queryset=listings_browsable(public_sector=viewer.public_sector),
        own_gss=viewer.own_gss,
        reference_version=generations.reference_data if generations else None,
        synonyms_version=generations.synonyms if generations else None,
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
    "authority__latitude",  # the distance, measured in Python (distance_from)
    "authority__longitude",
    "service__name",
)


def _card_fields(results: QuerySet[Listing]) -> QuerySet[Listing]:
    return results.select_related(None).select_related("authority", "service").only(*_RESULT_FIELDS)


def listing_browse_results(
    *, filterset: ListingFilter, number: int
) -> tuple[FacetCounts, Page[Listing]]:
    """The counts beside the filter options (with the total) and page `number` of a valid
    filterset's results (the last page if past the end); after a text search each row
    has `title_marked` and `summary_marked`, and with a place to measure from,
    `distance_km` (from the councils' centroids, in Python: filters.distance_from).

    Two queries, one when there are no results; a page past the end costs no COUNT
    first. After a text search the first query also returns the page's ids
    (offers.browse.facets.listing_facet_counts_and_page), so the search runs once
    and the second query reads 20 rows by id; without one the counts come from an
    index-only scan (the listing_browse_facets index) and the page from the
    published_at order, which a shared scan would only slow down. offers.browse.cache
    stores the rendered page, so this runs only for a search nobody made in the last
    minute.
    """
    reference = filterset.reference
    results = filterset.qs
    ids: list[int] | None = None
    if filterset.query:
        facets, ids = listing_facet_counts_and_page(
            results,
            services=reference.facet_services,
            organisations=reference.facet_organisations,
            number=max(1, number),
            page_size=PAGE_SIZE,
        )
    else:
        facets = listing_facet_counts(
            results,
            services=reference.facet_services,
            organisations=reference.facet_organisations,
        )
    count = facets.total
    number = min(max(1, number), max(1, -(-count // PAGE_SIZE)))
    page_rows: list[Listing] = []
    if ids:
        # By id alone: with the search predicate too, PostgreSQL would run the
        # text index again rather than read 20 rows by primary key.
        by_id = filterset.annotate_results(Listing.objects.filter(pk__in=ids), for_display=True)
        found = {row.pk: row for row in _card_fields(by_id).order_by()}
        page_rows = [found[pk] for pk in ids if pk in found]  # in the search's order
    elif ids is None and count:
        start = (number - 1) * PAGE_SIZE
        page_rows = list(_card_fields(results)[start : start + PAGE_SIZE])
    origin = filterset.origin
    if origin is not None:
        for row in page_rows:
            authority = row.authority
            row.distance_km = distance_from(origin, authority.latitude, authority.longitude)  # type: ignore[attr-defined]  # as the card reads it
    paginator: Paginator[Any] = Paginator([], PAGE_SIZE)
    paginator.count = count  # a cached_property: set, it runs no COUNT query
    return facets, Page(page_rows, number, paginator)


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
