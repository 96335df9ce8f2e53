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


# The pages under the header's "Your organisation" (its hub links to each): the
# item stays marked on them. The councils pages count only for the viewer's own
# organisation; an admin's members page of another council is not "yours".
_ORGANISATION_PAGES = {"your_organisation", "offers:dashboard"}
_OWN_AUTHORITY_PAGES = {
    "councils:members",
    "councils:invitations",
    "councils:profile_edit",
    "councils:hand_over",
}


def in_your_organisation(request: HttpRequest, membership: Any) -> bool:
    """Whether the page is "Your organisation" or one of its sub-pages."""
    match = request.resolver_match
    if match is None or not membership:  # a lazy object: never `is None`
        return False
    if match.view_name in _ORGANISATION_PAGES:
        return True
    return bool(
        match.view_name in _OWN_AUTHORITY_PAGES
        and match.kwargs.get("gss_code") == membership.authority.gss_code
    )


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
        "in_your_organisation": SimpleLazyObject(lambda: in_your_organisation(request, membership)),
    }
