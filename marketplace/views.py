"""Site-wide pages that belong to no app (home, static content, health), and the
pages that show several rooms at once: an organisation's profile (councils, its
listings, suggested partners) and a listing (offers, suggested partners). They
are composed here, in the top layer, so no lower room imports a higher one."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from arrangements.selectors import authority_arrangements
from councils import selectors as councils_selectors
from councils.auth import acting_user
from councils.models import Authority, Membership, User
from councils.selectors import (
    authority_page,
    directory_summary,
    membership_current,
    user_can_act_for,
    user_is_authority_admin,
)
from groups.selectors import suggestions_for_authority, suggestions_for_listing
from matching.selectors import (
    arrangements_of,
    most_similar,
    suggested_groups_for_council,
    suggested_groups_for_listing,
)
from offers import views as offers_views
from offers.forms import HandOverForm
from offers.interest.selectors import interests_received
from offers.models import Listing
from offers.selectors import (
    authority_listings,
    dashboard_panel,
    live_listings_count,
    next_actions,
    predecessor_listings,
)
from offers.services import listings_hand_over

# Listings shown on an organisation's profile before "See all".
PROFILE_LISTINGS = 10


# Interest shown on the home page's panel before "See all".
PANEL_INTERESTS = 5


def _organisation_panel(*, user: User, membership: Membership) -> dict[str, Any]:
    """What the signed-in home page shows an officer about their organisation: its
    listings by state with next actions, interest received, suggested partners,
    and (for admins) join requests. A fixed number of queries (tests say so)."""
    authority = membership.authority
    is_admin = user_is_authority_admin(user=user, authority=authority)
    groups = dashboard_panel(authority=authority)
    return {
        "authority": authority,
        "is_admin": is_admin,
        "groups": groups,
        "actions_by_status": {g.status: next_actions(status=g.status) for g in groups},
        "interests": list(interests_received(authority=authority)[:PANEL_INTERESTS]),
        "suggested_groups": suggested_groups_for_council(authority=authority),
        "group_suggestions": suggestions_for_authority(authority=authority),
        "join_requests": list(councils_selectors.authority_join_requests(authority=authority))
        if is_admin
        else [],
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed in with an organisation: its panel. Otherwise: what the service does,
    live counts and how to start."""
    user = acting_user(request)
    membership = membership_current(user=user) if user.is_authenticated else None
    if membership is not None and membership.authority.is_current:
        panel = _organisation_panel(user=user, membership=membership)
        return render(request, "pages/home_signed_in.html", {"membership": membership, **panel})
    context = {
        "summary": directory_summary(),
        "live_listings": live_listings_count(),
        "organisations_with_officers": councils_selectors.organisations_with_officers_count(),
        "open_membership": councils_selectors.membership_open(user=user)
        if user.is_authenticated
        else None,
    }
    return render(request, "pages/home.html", context)


@login_required
@require_GET
def your_organisation(request: HttpRequest) -> HttpResponse:
    """The header's "Your organisation": everything an officer or admin manages."""
    user = acting_user(request)
    membership = membership_current(user=user)
    if membership is None:
        return redirect("councils:join")
    authority = membership.authority
    is_admin = user_is_authority_admin(user=user, authority=authority)
    context = {
        "membership": membership,
        "authority": authority,
        "is_admin": is_admin,
        "requests_waiting": len(councils_selectors.authority_join_requests(authority=authority))
        if is_admin
        else 0,
    }
    return render(request, "pages/your_organisation.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def listings_hand_over_view(
    request: HttpRequest, gss_code: str, membership_id: int
) -> HttpResponse:
    """An admin hands a member's listings and contacts to another member (someone
    is leaving). The person leaving may have left or been removed already."""
    authority = get_object_or_404(Authority, gss_code=gss_code)
    user = acting_user(request)
    if not user_is_authority_admin(user=user, authority=authority):
        raise PermissionDenied("Only this organisation's admins can hand over listings.")
    leaving_membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, authority=authority
    )
    leaving = leaving_membership.user
    members = [
        m.user
        for m in councils_selectors.authority_members(authority=authority)
        if m.user_id != leaving.pk
    ]
    form = HandOverForm(request.POST or None, people=members)
    if request.method == "POST" and form.is_valid():
        to = form.cleaned_data["to"]
        try:
            changed = listings_hand_over(authority=authority, leaving=leaving, to=to, by=user)
        except ValidationError as exc:
            form.add_error("to", exc.messages[0])
        else:
            messages.success(
                request,
                f"{to} now looks after {changed} listing{'s' if changed != 1 else ''} "
                f"that {leaving} looked after.",
            )
            return redirect("councils:members", gss_code=authority.gss_code)
    return render(
        request,
        "councils/hand_over.html",
        {"authority": authority, "leaving": leaving, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD"])
def organisation_profile(request: HttpRequest, gss_code: str) -> HttpResponse:
    page = authority_page(gss_code=gss_code)
    if page is None:
        raise Http404("No organisation has that code")
    user = acting_user(request)
    authority = page.authority
    listings, total = (
        authority_listings(authority=authority, user=user, limit=PROFILE_LISTINGS)
        if authority.is_current
        else ([], 0)
    )
    can_edit = user_is_authority_admin(user=user, authority=authority)
    context = {
        "page": page,
        "can_edit": can_edit,
        # Officers record their services' costs; an admin is one already (no query).
        "can_act": can_edit or user_can_act_for(user=user, authority=authority),
        "listings": listings,
        "listings_total": total,
        "suggested_groups": suggested_groups_for_council(authority=authority),
        "most_similar": most_similar(authority=authority),
        # A successor shows what its predecessors published and shared, saying whose.
        "predecessor_listings": predecessor_listings(
            predecessors=page.predecessors, user=user, limit=PROFILE_LISTINGS
        )
        if authority.is_current
        else [],
        "predecessor_arrangements": arrangements_of(authorities=page.predecessors)
        if authority.is_current
        else [],
        "arrangements": authority_arrangements(authority=authority),
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
    # Consortia and swaps name the other members' listings: shown to the owners only.
    context["group_suggestions"] = (
        suggestions_for_listing(listing=listing) if context.get("is_owner") else []
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
