"""`{% authority_listings authority %}`: a council's published listings on its profile.

A template tag rather than a view change keeps imports one-way: the councils
app renders it by name and never imports offers.
"""

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from councils.models import Authority
from offers.selectors import authority_listings as select_authority_listings

register = template.Library()

PROFILE_LIMIT = 10


@register.inclusion_tag("offers/includes/authority_listings.html", takes_context=True)
def authority_listings(context: dict[str, Any], authority: Authority) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or AnonymousUser()
    listings, total = select_authority_listings(authority=authority, user=user, limit=PROFILE_LIMIT)
    return {"authority": authority, "listings": listings, "total": total}
