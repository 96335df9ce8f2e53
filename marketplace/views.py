"""Site-wide pages that belong to no app: home, static content, health."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from councils.selectors import directory_summary


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/home.html", {"summary": directory_summary()})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")


@require_GET
def data_sources(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/data_sources.html")


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the reason is reported
        return f"down: {exc.__class__.__name__}"
    return "up"


def _redis_state() -> str:
    url = settings.REDIS_URL
    if not url:
        return "not configured"
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        return f"down: {exc.__class__.__name__}"
    return "up"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Load balancers call this: 503 names the failing part so on-call knows where to look."""
    checks = {"database": _database_state(), "redis": _redis_state()}
    healthy = all(not state.startswith("down") for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
