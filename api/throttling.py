"""Throttling per client address, keyed on the real client behind our proxies.

DRF's own `get_ident` believes the whole X-Forwarded-For header unless
NUM_PROXIES is set, so any client could pick a new address per request. Here the
address comes from allauth's adapter, which reads DJANGO_TRUSTED_PROXY_COUNT
(ALLAUTH_TRUSTED_PROXY_COUNT): the same address sign-in limits key on.

A fixed window counted with one atomic `incr` in the shared cache, not DRF's
list of timestamps per client: that list is read, trimmed and written back on
every request, so its cost grows with the rate allowed.
"""

import time
from typing import Any

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def client_address(request: Request) -> str:
    """The client's address as allauth sees it; the nearest peer when the
    X-Forwarded-For header is shorter than the configured proxy count (a
    misconfigured proxy must not turn every request into a server error)."""
    try:
        return str(get_adapter().get_client_ip(request._request))
    except (ImproperlyConfigured, PermissionDenied):
        return str(request.META.get("REMOTE_ADDR", ""))


def parse_rate(rate: str) -> tuple[int, int]:
    """ "120/min" -> (120, 60): requests allowed and the window in seconds."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip().lower()]


class ClientAddressThrottle(BaseThrottle):
    """`API_THROTTLE_RATE` requests per client address per window (e.g. "120/min")."""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        allowed, window = parse_rate(settings.API_THROTTLE_RATE)
        now = time.time()
        start = int(now // window) * window
        key = f"api:throttle:{client_address(request)}:{start}"
        if cache.add(key, 1, timeout=window + 1):
            count = 1  # this request opens the window
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=window + 1)
                count = 1
        if count <= allowed:
            return True
        self.retry_after = start + window - now
        return False

    def wait(self) -> float | None:
        return self.retry_after
