"""Site-wide pages that belong to no app (home, static content, health), and the
pages that show several rooms at once: an organisation's profile (councils, its
listings, suggested partners) and a listing (offers, suggested partners). They
are composed here, in the top layer, so no lower room imports a higher one."""

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from councils.auth import acting_user
from councils.selectors import authority_page, directory_summary, user_is_authority_admin
from matching.selectors import suggested_groups_for_council, suggested_groups_for_listing
from offers import views as offers_views
from offers.models import Listing
from offers.selectors import authority_listings

# Listings shown on an organisation's profile before "See all".
PROFILE_LISTINGS = 10


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/home.html", {"summary": directory_summary()})


@require_http_methods(["GET", "HEAD"])
def organisation_profile(request: HttpRequest, gss_code: str) -> HttpResponse:
    page = authority_page(gss_code=gss_code)
    if page is None:
        raise Http404("No council has that GSS code")
    user = acting_user(request)
    authority = page.authority
    listings, total = (
        authority_listings(authority=authority, user=user, limit=PROFILE_LISTINGS)
        if authority.is_current
        else ([], 0)
    )
    context = {
        "page": page,
        "can_edit": user_is_authority_admin(user=user, authority=authority),
        "listings": listings,
        "listings_total": total,
        "suggested_groups": suggested_groups_for_council(authority=authority),
    }
    return render(request, "councils/detail.html", context)


@require_GET
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    context = offers_views.listing_detail_context(request, pk)
    if isinstance(context, HttpResponse):
        return context
    listing: Listing = context["listing"]
    context["suggested_groups"] = (
        suggested_groups_for_listing(listing=listing)
        if listing.status == Listing.Status.PUBLISHED
        else []
    )
    return render(request, "offers/listing_detail.html", context)


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
