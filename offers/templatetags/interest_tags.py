"""Panels that other pages include: express interest / report on a listing page,
and interests received and sent on the dashboard.

Template tags so the listing and dashboard views (and their tests) stay as
they are; each panel costs a fixed number of queries (see the query-count tests).
"""

from typing import Any

from django import template

from offers.interest import selectors as interest_selectors
from offers.models import Listing
from offers.moderation import selectors as moderation_selectors

register = template.Library()


@register.inclusion_tag("offers/interest/_listing_panel.html", takes_context=True)
def listing_interest_panel(context: template.Context, listing: Listing) -> dict[str, Any]:
    user = context["request"].user
    check = interest_selectors.interest_check(listing=listing, user=user)
    return {
        "listing": listing,
        "check": check,
        "eligibility": check.eligibility.value,
        "can_report": moderation_selectors.listing_reportable_by(listing=listing, user=user),
        "is_moderator": moderation_selectors.user_is_moderator(user=user),
        "request": context["request"],
    }


@register.inclusion_tag("offers/interest/_dashboard.html", takes_context=True)
def dashboard_interests(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    authority = context.get("authority")
    return {
        "received": list(interest_selectors.interests_received(authority=authority))
        if authority is not None
        else [],
        "sent": list(interest_selectors.interests_sent(user=user)),
    }
