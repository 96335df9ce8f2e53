"""Values every page template needs: service name, the layout's links and the viewer's council."""

from functools import cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject

from councils.selectors import membership_current

_LAYOUT_URL_NAMES = {
    "home": "home",
    "directory": "councils:directory",
    "listings": "offers:browse",
    "partners": "offers:find_partner",
    "moderation": "offers:moderation_queue",
    "join_queue": "councils:join_queue",
    "your_organisation": "your_organisation",
    "audit": "core:audit_log",
    "outbox": "core:outbox",
    "admin": "admin:index",
    "account": "account_email",
    "sign_out": "account_logout",
    "sign_in": "account_login",
    "accessibility": "accessibility",
    "privacy": "privacy",
    "cookies": "cookies",
    "data_sources": "data_sources",
    "data": "api:data",
    "api_docs": "api:docs",
    "market": "api:market",
    "arrangements": "arrangements:register",
}


@cache
def layout_urls(prefix: str) -> dict[str, str]:
    """The header's and footer's links, reversed once per process (and script prefix):
    fifteen reverse() calls cost more than the rest of a cached /listings/ page."""
    return {key: reverse(name) for key, name in _LAYOUT_URL_NAMES.items()}


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # Lazy: only the header reads it, so fragments rendered on their own
    # (offers/browse/_content.html) cost no query.
    membership = SimpleLazyObject(
        lambda: (
            membership_current(user=user) if user is not None and user.is_authenticated else None
        )
    )
    return {
        "layout_urls": layout_urls(get_script_prefix()),
        "SITE_NAME": settings.SITE_NAME,
        "SERVICE_CONTACT_EMAIL": settings.SERVICE_CONTACT_EMAIL,
        "current_membership": membership,
    }
