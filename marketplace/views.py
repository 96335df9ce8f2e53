"""Site-wide pages that belong to no app: home, static content, health."""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
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


def _lifetime(seconds: int) -> str:
    """A cookie's max age as people say it: "2 weeks", "52 weeks", "3 days"."""
    days = seconds // (24 * 60 * 60)
    if days >= 7 and days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week{'s' if weeks != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"


@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    """The cookies the site sets. Names and lifetimes come from settings, so the page
    says what the site does. No other cookie is set: nothing in our code calls
    set_cookie, and allauth's only one (MFA "trust this browser") is off."""
    context = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "session_lifetime": _lifetime(settings.SESSION_COOKIE_AGE),
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_lifetime": _lifetime(settings.CSRF_COOKIE_AGE),
        # Django's default message storage tries this cookie before the session.
        "messages_cookie": CookieStorage.cookie_name,
    }
    return render(request, "pages/cookies.html", context)


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
    """Load balancers call this (README, "Health checks").

    `/healthz?live`: liveness, 200 whenever the process answers; it checks nothing,
    so a database outage never gets every web process restarted. `/healthz`:
    readiness, 503 only without the database, which no page can do without.
    Without Redis pages still work (the cache falls back to the database, tasks
    wait in the outbox), so that is 200 with "degraded: redis", for on-call.
    """
    if "live" in request.GET:
        return JsonResponse({"status": "live"})
    checks = {"database": _database_state(), "redis": _redis_state()}
    if checks["database"].startswith("down"):
        status, code = "unavailable", 503
    elif checks["redis"].startswith("down"):
        status, code = "degraded: redis", 200
    else:
        status, code = "ok", 200
    return JsonResponse({"status": status, "checks": checks}, status=code)
