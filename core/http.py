"""Who is asking: the client's address as the trusted proxies report it.

Behind a load balancer REMOTE_ADDR is the balancer's, so every person would
share one rate-limit bucket. `DJANGO_TRUSTED_PROXY_COUNT` says how many
proxies append to X-Forwarded-For; the client is the entry that many places
from the end (entries further left were written by the client and are not
trusted). allauth reads the same setting, so sign-in limits and ours agree.
"""

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address, or "unknown" when none can be read.

    A request with fewer X-Forwarded-For entries than trusted proxies did not
    come through them (allauth treats that as misconfiguration and raises);
    here it counts as REMOTE_ADDR, so a limit still applies.
    """
    try:
        ip = get_client_ip(request)
    except ImproperlyConfigured:
        ip = request.META.get("REMOTE_ADDR")
    return ip or "unknown"
