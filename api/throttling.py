"""Throttling per client address, keyed on the real client behind our proxies.

DRF's own `get_ident` believes the whole X-Forwarded-For header unless
NUM_PROXIES is set, so any client could pick a new address per request. Here the
address comes from allauth's adapter, which reads DJANGO_TRUSTED_PROXY_COUNT
(ALLAUTH_TRUSTED_PROXY_COUNT): the same address sign-in limits key on.
"""

from typing import Any

from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


def client_address(request: Request) -> str:
    """The client's address as allauth sees it; the nearest peer when the
    X-Forwarded-For header is shorter than the configured proxy count (a
    misconfigured proxy must not turn every request into a server error)."""
    try:
        return str(get_adapter().get_client_ip(request._request))
    except (ImproperlyConfigured, PermissionDenied):
        return str(request.META.get("REMOTE_ADDR", ""))


class ClientAddressThrottle(SimpleRateThrottle):
    """`API_THROTTLE_RATE` requests per client address (settings, e.g. "120/min")."""

    scope = "api"

    def get_rate(self) -> str | None:
        from django.conf import settings

        return str(settings.API_THROTTLE_RATE)

    def get_cache_key(self, request: Request, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}
