"""Moderators' pages (queue, review, decisions, reports) and "Report this listing".

Thin: parse the request, call one selector or service, render. Staff are
checked here (403) and again in the services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from councils.auth import acting_user, require_staff_with_mfa
from councils.models import User
from offers.lifecycle import ListingError
from offers.models import Listing, ScreeningTerm
from offers.moderation import screening_terms
from offers.moderation import selectors as selectors
from offers.moderation import services as services
from offers.moderation.forms import (
    DecisionForm,
    ReportForm,
    ScreeningTermForm,
)
from offers.selectors import Access, listing_access, listing_for_page
from offers.services import ListingConflict


def _user(request: HttpRequest) -> User:
    return acting_user(request)


def _require_moderator(request: HttpRequest) -> User:
    user = _user(request)
    if not selectors.user_is_moderator(user=user):
        raise PermissionDenied("Only moderators can see this page.")
    return user


def _posted_version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


@login_required
@require_http_methods(["GET"])
def moderation_queue(request: HttpRequest) -> HttpResponse:
    _require_moderator(request)
    return render(request, "offers/moderation/queue.html", {"queue": selectors.moderation_queue()})


@login_required
@require_http_methods(["GET", "POST"])
def moderation_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_moderator(request)
    page = selectors.moderation_review(pk=pk)
    if page is None:
        raise Http404("No such listing")
    listing = page.listing
    form = DecisionForm(
        request.POST or None,
        decisions=page.decisions,
        published=listing.status == Listing.Status.PUBLISHED,
        initial={"version": listing.version},
    )
    if request.method == "POST" and page.decisions and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            services.listing_moderate(
                listing=listing,
                by=user,
                decision=decision,
                reason=form.reason,
                version=_posted_version(request),
            )
        except ListingConflict:
            page = selectors.moderation_review(pk=pk) or page
            data = request.POST.copy()
            data["version"] = str(page.listing.version)
            form = DecisionForm(
                data,
                decisions=page.decisions,
                published=page.listing.status == Listing.Status.PUBLISHED,
            )
            form.is_valid()
            form.add_error(
                None,
                "The council changed this listing after you opened this page. "
                "Check the changes below, then decide again.",
            )
        except ValidationError as error:
            field = {"reject": "reject_reason", "revert_changes": "revert_reason"}.get(
                decision, "changes_reason"
            )
            for message in error.messages:
                form.add_error(field, message)
        except ListingError as error:
            form.add_error(None, str(error))
        else:
            done = {
                "approve": "is published. We have emailed the council.",
                "request_changes": "has been sent back to the council with your changes. "
                "We have emailed them.",
                "reject": "has been rejected. We have emailed the council the reason.",
                "accept_changes": "stays published with the changes, which are now approved.",
                "revert_changes": "is back to its approved version and stays published. "
                "We have emailed the council the reason.",
            }[decision]
            messages.success(request, f"“{listing.title}” {done}")
            return redirect("offers:moderation_queue")
    return render(request, "offers/moderation/review.html", {"page": page, "form": form})


@login_required
@require_POST
def report_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    user = _require_moderator(request)
    report = selectors.report_for_page(pk=pk)
    if report is None:
        raise Http404("No such report")
    try:
        services.report_dismiss(report=report, by=user)
    except ListingError as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "The report has been dismissed. The listing is unchanged.")
    return redirect("offers:moderation_review", pk=report.listing_id)


def _reportable_listing(request: HttpRequest, pk: int) -> Listing:
    listing = listing_for_page(pk=pk)
    if listing is None:
        raise Http404("No such listing")
    if listing_access(listing=listing, user=_user(request)) != Access.ALLOWED:
        raise Http404("No such listing")
    return listing


@login_required
@require_http_methods(["GET", "POST"])
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _reportable_listing(request, pk)
    user = _user(request)
    if not selectors.listing_reportable_by(listing=listing, user=user):
        raise PermissionDenied("You cannot report this listing.")
    existing = selectors.report_open_by(listing=listing, user=user)
    form = ReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            services.report_create(listing=listing, by=user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error("reason", message)
        except services.ReportRateLimited as error:
            form.add_error("reason", str(error))  # what was typed is kept
            status = 429
        except ListingError as error:
            raise PermissionDenied(str(error)) from error
        else:
            return redirect("offers:report_sent", pk=listing.pk)
    return render(
        request,
        "offers/moderation/report_form.html",
        {"listing": listing, "form": form, "existing": existing},
        status=status,
    )


@login_required
@require_http_methods(["GET"])
def report_sent(request: HttpRequest, pk: int) -> HttpResponse:
    listing = _reportable_listing(request, pk)
    report = selectors.report_open_by(listing=listing, user=_user(request))
    if report is None:
        return redirect(listing)
    return render(request, "offers/moderation/report_sent.html", {"listing": listing})


@login_required
@require_http_methods(["GET", "POST"])
def screening_terms_page(request: HttpRequest) -> HttpResponse:
    """The screened-word list: add, switch off or on, remove. Staff with MFA only."""
    user = require_staff_with_mfa(request)
    form = ScreeningTermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            term = screening_terms.screening_term_add(
                term=form.cleaned_data["term"], note=form.cleaned_data["note"], by=user
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error("term", message)
        else:
            messages.success(request, f"“{term.term}” has been added to the screened words.")
            return redirect("offers:screening_terms")
    return render(
        request,
        "offers/staff/screening_terms.html",
        {"form": form, "terms": screening_terms.screening_terms_all()},
    )


@login_required
@require_POST
def screening_term_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = require_staff_with_mfa(request)
    term = ScreeningTerm.objects.filter(pk=pk).first()
    if term is None:
        raise Http404("No such screened word")
    action = request.POST.get("action")
    if action == "delete":
        screening_terms.screening_term_delete(term=term, by=user)
        messages.success(request, f"“{term.term}” has been removed from the screened words.")
    elif action in ("off", "on"):
        screening_terms.screening_term_set_active(term=term, active=action == "on", by=user)
        state = "switched on" if action == "on" else "switched off"
        messages.success(request, f"“{term.term}” has been {state}.")
    return redirect("offers:screening_terms")
