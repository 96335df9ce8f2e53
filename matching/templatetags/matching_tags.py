"""Suggested partners on listing and council pages (matching.scoring via its selector)."""

from typing import Any

from django import template

from councils.models import Authority
from matching.selectors import listed_services, suggested_partners
from offers.models import Listing

register = template.Library()


@register.inclusion_tag("offers/matching/_suggested.html")
def suggested_partners_for_listing(listing: Listing, limit: int = 5) -> dict[str, Any]:
    """The best partners for a listing, within the listing's own limits."""
    if not listing.authority.is_current:
        return {"groups": []}
    partners = suggested_partners(
        authority=listing.authority, service=listing.service, listing=listing, limit=limit
    )
    return {"groups": [(listing.service, listing.authority, partners)], "heading_level": 2}


@register.inclusion_tag("offers/matching/_suggested.html")
def suggested_partners_for_council(
    authority: Authority, limit: int = 3, services: int = 3
) -> dict[str, Any]:
    """For the first few services the council has live listings for, its best partners
    (one query for the services, then one per service shown)."""
    if not authority.is_current:
        return {"groups": []}
    groups = [
        (service, authority, suggested_partners(authority=authority, service=service, limit=limit))
        for service in listed_services(authority=authority)[:services]
    ]
    return {"groups": groups, "heading_level": 3, "council_page": True}
