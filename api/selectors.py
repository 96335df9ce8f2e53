"""What the open data API may read. Every queryset here is public by construction:
the API has no signed-in users (no authentication classes), so nothing below
takes a user, and signed-in-only or unpublished listings can never be selected.
"""

from django.db.models import Prefetch, QuerySet

from councils.models import Authority, SpendRecord
from offers.models import Listing, Service
from offers.selectors import listings_browsable


def api_organisations() -> QuerySet[Authority]:
    """Every organisation, of every kind, with what its record names (areas, successors)."""
    return Authority.objects.select_related("parent_county", "combined_authority").prefetch_related(
        Prefetch("successors", queryset=Authority.objects.only("gss_code").order_by("gss_code"))
    )


def api_services() -> QuerySet[Service]:
    return Service.objects.select_related("family")


def api_listings() -> QuerySet[Listing]:
    """Published, unexpired listings visible to anyone: exactly what /listings/ shows
    a visitor who is not signed in, never a signed-in-only one."""
    return listings_browsable(public_sector=False).prefetch_related(
        Prefetch("named_partners", queryset=Authority.objects.only("gss_code").order_by("gss_code"))
    )


def api_spend() -> QuerySet[SpendRecord]:
    return SpendRecord.objects.select_related("authority", "line").order_by(
        "authority__gss_code", "year", "line__code"
    )
