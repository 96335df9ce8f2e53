"""Pages for digests: preferences, saved-search alerts, one-click unsubscribe, staff runs.

Each view parses the request, calls one selector or service and renders.
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from councils.auth import acting_user, staff_with_mfa
from councils.membership_forms import EmailNotificationsForm
from councils.models import User
from councils.selectors import email_preference_for, membership_current
from councils.services import email_preference_save
from digests import selectors as selectors
from digests import services as services
from digests.forms import DigestPreferenceForm, SavedSearchForm
from digests.models import DigestRun, SavedSearch
from digests.unsubscribe import unsubscribe_user_id
from offers.browse.selectors import browse_viewer, listing_browse
from offers.moderation import summary as moderation_summary


def _user(request: HttpRequest) -> User:
    return acting_user(request)


def _require_staff(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_staff:
        raise Http404  # staff pages are not advertised to anyone else
    return user


@login_required
@require_http_methods(["GET", "POST"])
def digest_preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pref = services.digest_preference_for(user=user)
    if request.method == "POST":
        form = DigestPreferenceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            services.digest_preference_save(
                user=user,
                frequency=data["frequency"],
                follow_council=data["follow_council"],
                kinds=data["kinds"],
                services=data["services"],
                distance=data["distance"],
                radius_km=data["radius_km"] or pref.radius_km,
            )
            messages.success(request, "Your email preferences have been saved")
            return redirect("offers:digest_preferences")
    else:
        form = DigestPreferenceForm(
            initial={
                "frequency": pref.frequency,
                "follow_council": "yes" if pref.follow_council else "no",
                "kinds": pref.kinds,
                "services": list(pref.services.all()) if pref.pk else [],
                "distance": pref.distance,
                "radius_km": pref.radius_km,
            }
        )
    context: dict[str, Any] = {
        "form": form,
        "membership": membership_current(user=user),
        "is_default": pref.pk is None,
        "alerts": SavedSearch.objects.filter(user=user),
        "notifications_form": _notifications_form(user),
        "summary_switched_off": staff_with_mfa(user) and not settings.MODERATION_SUMMARY_ENABLED,
    }
    return render(request, "offers/digests/preferences.html", context)


def _notifications_form(user: User) -> EmailNotificationsForm:
    preference = email_preference_for(user=user)
    chosen = [name for name in NOTIFICATION_KINDS if getattr(preference, name)]
    moderator = staff_with_mfa(user)
    if moderator and moderation_summary.moderator_preference(user=user).daily_summary:
        chosen.append("moderation_summary")
    return EmailNotificationsForm(
        initial={"kinds": chosen}, prefix="notifications", moderator=moderator
    )


# The councils.EmailPreference fields the notifications form sets.
NOTIFICATION_KINDS = (
    "join_requests",
    "join_request_reminders",
    "interest_updates",
    "group_suggestions",
)


@login_required
@require_POST
def email_notifications(request: HttpRequest) -> HttpResponse:
    """Save the non-digest emails a person wants (same page as the digest settings).

    The moderators' daily summary is kept in offers.ModeratorPreference (what the
    summary job reads); this is its only switch, so it is saved here too.
    """
    user = _user(request)
    moderator = staff_with_mfa(user)
    form = EmailNotificationsForm(request.POST, prefix="notifications", moderator=moderator)
    chosen = set(form.cleaned_data["kinds"]) if form.is_valid() else set()
    email_preference_save(user=user, **{k: k in chosen for k in NOTIFICATION_KINDS})
    if moderator:
        moderation_summary.moderator_preference_set(
            user=user, daily_summary="moderation_summary" in chosen
        )
    messages.success(request, "Your email preferences have been saved")
    return redirect("offers:digest_preferences")


@login_required
@require_http_methods(["GET"])
def alerts(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "offers/digests/alerts.html",
        {
            "alerts": SavedSearch.objects.filter(user=user),
            "pref": services.digest_preference_for(user=user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def alert_create(request: HttpRequest) -> HttpResponse:
    """Save the listings page's current search (its query string) as an alert."""
    user = _user(request)
    querystring = (
        request.POST.get("querystring", "") if request.method == "POST" else request.GET.urlencode()
    )
    querystring = services.saved_search_clean_querystring(querystring=querystring)
    filterset = listing_browse(params=QueryDict(querystring), viewer=browse_viewer(user=user))
    valid = filterset.is_valid()
    if request.method == "POST":
        form = SavedSearchForm(request.POST)
        if valid and form.is_valid():
            alert, created = services.saved_search_create(
                user=user, name=form.cleaned_data["name"], querystring=querystring
            )
            messages.success(
                request,
                f"Alert ‘{alert.name}’ saved"
                if created
                else f"You already have this search as the alert ‘{alert.name}’",
            )
            return redirect("offers:alerts")
    else:
        form = SavedSearchForm(initial={"querystring": querystring})
    context = {
        "form": form,
        "filter_valid": valid,
        "tags": filterset.tags() if valid else [],
        "matching_now": filterset.qs.count() if valid else 0,
        "broad": services.saved_search_is_broad(querystring=querystring),
        "querystring": querystring,
        "pref": services.digest_preference_for(user=user),
    }
    return render(request, "offers/digests/alert_form.html", context)


@login_required
@require_POST
def alert_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    alert = get_object_or_404(SavedSearch, pk=pk, user=user)
    name = alert.name
    services.saved_search_delete(user=user, pk=pk)
    messages.success(request, f"Alert ‘{name}’ deleted")
    return redirect("offers:alerts")


@csrf_exempt  # mail clients POST here (RFC 8058) with no session; the signature is the check
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a one-button page (link scanners follow GET links, so GET changes
    nothing); POST, from that button or a mail client's one-click, unsubscribes."""
    if unsubscribe_user_id(token=token) is None:
        return render(request, "offers/digests/unsubscribe_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "offers/digests/unsubscribe.html", {"token": token})
    user = services.digest_unsubscribe(token=token)
    if user is None:
        return render(request, "offers/digests/unsubscribe_invalid.html", status=400)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        return HttpResponse("Unsubscribed", content_type="text/plain")
    return render(request, "offers/digests/unsubscribed.html", {"email": user.email})


@login_required
@require_http_methods(["GET"])
def digest_runs(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return render(request, "offers/digests/runs.html", {"runs": selectors.digest_run_summaries()})


@login_required
@require_http_methods(["GET"])
def digest_run(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    summary = selectors.digest_run_summary(pk=pk)
    if summary is None:
        raise Http404
    return render(
        request,
        "offers/digests/run.html",
        {"summary": summary, "failures": selectors.digest_run_failures(run=summary.run)},
    )


@login_required
@require_POST
def digest_run_retry(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_staff(request)
    run = get_object_or_404(DigestRun, pk=pk)
    count = services.digest_run_retry_failed(run=run, by=user)
    if count:
        messages.success(
            request, f"{count} failed digest{'s' if count != 1 else ''} queued to send again"
        )
    else:
        messages.info(request, "There were no failed digests to retry")
    return redirect(run.get_absolute_url())
