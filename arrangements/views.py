"""The register's pages. Views parse the request, call one selector or service, render."""

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.pagination import paginate
from councils.auth import acting_user, require_staff_with_mfa
from councils.models import Authority
from councils.selectors import membership_current
from offers.models import Interest

from . import selectors, services
from .forms import AnswerForm, ArrangementForm, CorrectionForm, ModerationForm
from .models import SharedArrangement

PER_PAGE = 25
# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


@require_http_methods(["GET", "HEAD"])
def register(request: HttpRequest) -> HttpResponse:
    filterset = selectors.arrangement_register(params=request.GET)
    valid = filterset.is_valid()
    results = filterset.qs if valid else SharedArrangement.objects.none()
    context: dict[str, Any] = {
        "filter": filterset,
        "form": filterset.form,
        **paginate(request, results, per_page=PER_PAGE),
        "query": request.GET.urlencode(),
        "map_data": selectors.register_map_data(results) if valid else None,
    }
    return render(request, "arrangements/register.html", context)


@require_http_methods(["GET", "HEAD"])
def register_csv(request: HttpRequest) -> HttpResponse:
    filterset = selectors.arrangement_register(params=request.GET)
    if not filterset.is_valid():
        return redirect(f"{request.path.removesuffix('download.csv')}?{request.GET.urlencode()}")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="shared-arrangements.csv"'
    writer = csv.writer(response)
    writer.writerow(selectors.CSV_HEADER)
    for row in selectors.arrangements_csv_rows(filterset.qs):
        writer.writerow([_csv_safe(cell) for cell in row])
    return response


@require_http_methods(["GET", "HEAD"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    view = selectors.arrangement_for_page(pk=pk, user=acting_user(request))
    if view is None:
        raise Http404("No arrangement with that number is public")
    form = (
        AnswerForm(seeded=view.arrangement.origin == SharedArrangement.Origin.PUBLIC_SOURCES)
        if view.answer_for
        else None
    )
    return render(request, "arrangements/detail.html", {"view": view, "answer_form": form})


def _prefill(interest: Interest | None, own: Authority) -> dict[str, Any]:
    """Initial values from an expression of interest marked Partnered."""
    if interest is None:
        return {}
    sides = [interest.listing.authority, interest.sender_authority]
    other = sides[1] if own == sides[0] else sides[0]
    return {
        "name": f"{sides[0].short_name} and {sides[1].short_name}: {interest.listing.service.name}",
        "service_1": interest.listing.service.slug,
        "partner_1": other.gss_code,
        "delivery_model": interest.listing.delivery_model,
    }


@login_required
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    membership = membership_current(user=user)
    if membership is None:
        raise PermissionDenied("Only officers of a member organisation can record an arrangement.")
    own = membership.authority
    # ?interest=ID stays in the form's address, so the POST records where it came from.
    interest = selectors.partnered_interest(raw=request.GET.get("interest", ""), own=own)
    if interest is not None:
        existing = selectors.arrangement_from_interest(interest=interest, own=own)
        if existing is not None:
            messages.info(
                request,
                "This arrangement is already recorded from that expression of interest: "
                "confirm it here rather than recording it twice.",
            )
            return redirect(existing.get_absolute_url())
    if request.method == "POST":
        form = ArrangementForm(request.POST, own=own)
        if form.is_valid():
            arrangement = services.arrangement_record(
                data=form.to_input(interest=interest), by=user, for_authority=own
            )
            messages.success(
                request,
                "Arrangement recorded. It stays private to its partners until every partner "
                "confirms, then a moderator checks it before it is public.",
            )
            return redirect(arrangement.get_absolute_url())
    else:
        form = ArrangementForm(initial=_prefill(interest, own), own=own)
    return render(request, "arrangements/record.html", {"form": form, "own": own})


@login_required
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    view = selectors.arrangement_for_page(pk=pk, user=user)
    if view is None or view.answer_for is None:
        raise PermissionDenied("Only an officer of a partner that has not yet answered can answer.")
    arrangement = view.arrangement
    form = AnswerForm(
        request.POST, seeded=arrangement.origin == SharedArrangement.Origin.PUBLIC_SOURCES
    )
    if not form.is_valid():
        return render(
            request, "arrangements/detail.html", {"view": view, "answer_form": form}, status=400
        )
    try:
        services.arrangement_answer(
            arrangement=arrangement,
            authority=view.answer_for.authority,
            by=user,
            state=form.cleaned_data["state"],
            reason=form.cleaned_data["reason"],
        )
    except services.ArrangementStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your organisation's answer is recorded.")
    return redirect(arrangement.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    """A named partner's officer corrects an arrangement from public sources."""
    user = acting_user(request)
    view = selectors.arrangement_for_page(pk=pk, user=user)
    if view is None or view.correct_for is None:
        raise PermissionDenied(
            "Only an officer of a named partner can correct an arrangement from public sources."
        )
    arrangement = view.arrangement
    own = view.correct_for.authority
    if request.method == "POST":
        form = CorrectionForm(request.POST, own=own, arrangement=arrangement)
        if form.is_valid():
            try:
                services.arrangement_correct(
                    arrangement=arrangement, authority=own, by=user, data=form.to_correction()
                )
            except services.ArrangementStateError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    "Correction sent. A moderator checks it before the arrangement is public "
                    "again, and the other partners are asked to confirm the corrected version.",
                )
                return redirect(arrangement.get_absolute_url())
    else:
        form = CorrectionForm(
            initial=CorrectionForm.initial_for(arrangement), own=own, arrangement=arrangement
        )
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "arrangements/correct.html",
        {"form": form, "own": own, "arrangement": arrangement},
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def moderation_queue(request: HttpRequest) -> HttpResponse:
    require_staff_with_mfa(request)
    items = [
        (a, services.arrangement_screen(arrangement=a))
        for a in selectors.arrangements_for_moderation()
    ]
    return render(
        request, "arrangements/moderation.html", {"items": items, "form": ModerationForm()}
    )


@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    user = require_staff_with_mfa(request)
    arrangement = get_object_or_404(SharedArrangement, pk=pk)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            services.arrangement_moderate(
                arrangement=arrangement,
                by=user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except services.ArrangementStateError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Decision recorded for “{arrangement.name}”.")
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("arrangements:moderation")
