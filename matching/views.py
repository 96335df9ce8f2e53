"""Find a partner: the ranked list (the content), its CSV export, and the boundary
file the map draws from (the enhancement)."""

import csv
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from councils.auth import acting_user
from councils.models import Authority
from councils.selectors import membership_current, user_can_act_for
from matching import scoring as matching
from matching.forms import PartnerSearchForm, ServiceCostForm
from matching.selectors import (
    PartnerSearch,
    partner_search,
    recorded_service_costs,
    savings_evidence_page,
)
from matching.services import service_cost_record
from offers.models import Service
from offers.selectors import user_is_public_sector

SHOWN_FIRST = 25  # the rest behind "Show all"; the map and the CSV always cover all


def _search(request: HttpRequest) -> tuple[PartnerSearchForm, PartnerSearch | None]:
    user = acting_user(request)
    data = request.GET.copy()
    if not data.get("council") and user.is_authenticated:
        membership = membership_current(user=user)
        if membership is not None and membership.authority.is_current:
            data["council"] = membership.authority.gss_code
    form = PartnerSearchForm(
        data if request.GET else None, initial={"council": data.get("council")}
    )
    if not request.GET or not form.is_valid():
        return form, None
    kind = form.cleaned_data.get("kind") or ""
    result = partner_search(
        gss_code=form.cleaned_data["council"],
        service_slug=form.cleaned_data["service"],
        include_signed_in=user_is_public_sector(user=user),
        only_kinds=frozenset({kind}) if kind else frozenset(),
    )
    return form, result


def _map_data(result: PartnerSearch) -> dict[str, Any]:
    """What partner-map.js draws. A body that is not a council has no shape of its
    own in the boundaries file: `areas` gives the council areas whose union it is."""
    ranking = result.ranking
    return {
        "origin": result.authority.gss_code,
        "originName": result.authority.short_name,
        "layer": result.map_layer,
        "year": 2025,
        "topScore": round(ranking.top_score, 1),
        "ranked": [
            [s.body.gss_code, s.body.short_name, round(s.score, 1), rank]
            for rank, s in enumerate(ranking.suggestions, start=1)
        ],
        "areas": result.body_areas(),
    }


@require_GET
def find_partner(request: HttpRequest) -> HttpResponse:
    form, result = _search(request)
    context: dict[str, Any] = {"form": form, "result": result}
    if result is not None:
        suggestions = result.ranking.suggestions
        show_all = request.GET.get("all") == "1"
        shown = suggestions if show_all else suggestions[:SHOWN_FIRST]
        kind = form.cleaned_data.get("kind") or ""
        context.update(
            # (candidate, the one above it, what that one has more of) for "Why not higher?"
            shown=[
                (s, shown[i - 1] if i else None, s.lacks(shown[i - 1]) if i else [])
                for i, s in enumerate(shown)
            ],
            kind=kind,
            kind_label=dict(Authority.Kind.choices).get(kind, "") if kind else "",
            show_all=show_all,
            total=len(suggestions),
            excluded=result.excluded_by_kind(),
            map_data=_map_data(result) if result.ranking.asker_eligible else None,
            weights=result.ranking.weights,
            rate=result.ranking.rate,
        )
    return render(request, "offers/matching/find_partner.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def service_costs_edit(request: HttpRequest, gss_code: str) -> HttpResponse:
    """An organisation records what a service costs it: the base of its savings
    estimates, in place of the broad spending line. Its officers and site staff only."""
    authority = get_object_or_404(Authority.objects.current(), gss_code=gss_code)
    user = acting_user(request)
    if not user_can_act_for(user=user, authority=authority):
        raise PermissionDenied("Only this organisation's officers can record its costs.")
    form = ServiceCostForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        service = get_object_or_404(Service, slug=form.cleaned_data["service"])
        service_cost_record(
            authority=authority,
            service=service,
            annual_cost_gbp=form.cleaned_data["annual_cost_gbp"],
            financial_year=form.cleaned_data["financial_year"],
            by=user,
        )
        messages.success(request, f"{service.name} cost recorded for {authority.short_name}")
        return redirect("offers:service_costs", gss_code=authority.gss_code)
    context = {
        "authority": authority,
        "form": form,
        "costs": recorded_service_costs(authority=authority),
    }
    return render(request, "offers/matching/service_costs.html", context)


@require_GET
def savings_evidence(request: HttpRequest) -> HttpResponse:
    """The rates behind every savings estimate and the reported savings they rest on."""
    return render(request, "offers/matching/savings_evidence.html", savings_evidence_page())


CSV_COLUMNS = [
    "rank",
    "gss_code",
    "council",
    "tier",
    "score",
    "distance_km",
    "shares_boundary",
    *[f"points_{factor}" for factor in matching.FACTORS],
    "reasons",
    "spend_line",
    "spend_year",
    "spend_your_council_gbp",
    "spend_partner_gbp",
    "savings_estimate_low_gbp",
    "savings_estimate_high_gbp",
    "savings_rate",
    "savings_source",
    "savings_base",
    "whole_organisation_low_gbp",
    "whole_organisation_high_gbp",
    "live_listings",
]


def _csv_safe(value: object) -> object:
    """Spreadsheets run cells that start with = + - @ as formulas; listing titles are
    typed by users, so such text gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@require_GET
def find_partner_csv(request: HttpRequest) -> HttpResponse:
    _form, result = _search(request)
    if result is None:
        raise Http404("Choose a council and a service first")
    ranking = result.ranking
    filename = f"partners-{result.authority.gss_code}-{slugify(result.service.slug)}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    rate = ranking.rate
    if not ranking.asker_eligible:
        # Nothing is ranked; the rows name who delivers the service here instead.
        for d in ranking.deliverers:
            row = dict.fromkeys(CSV_COLUMNS, "")
            row.update(
                gss_code=d.gss_code,
                council=d.name,
                tier=d.tier or d.kind,
                reasons=f"{ranking.asker_reason} {d.short_name} delivers it for "
                f"{ranking.origin.short_name}'s area: rank its partners instead.",
            )
            writer.writerow(_csv_safe(row[c]) for c in CSV_COLUMNS)
        return response
    for rank, s in enumerate(ranking.suggestions, start=1):
        points = dict(s.points)
        spend = s.spend
        savings, whole = s.savings, s.whole_organisation
        writer.writerow(
            _csv_safe(v)
            for v in [
                rank,
                s.body.gss_code,
                s.body.name,
                s.body.tier or s.body.kind,
                f"{s.score:.2f}",
                "" if s.distance_km is None else f"{s.distance_km:.1f}",
                "yes" if "boundary" in points else "no",
                *[f"{points.get(factor, 0.0):.2f}" for factor in matching.FACTORS],
                " | ".join(s.reasons),
                spend.line_name,
                spend.year,
                "" if spend.origin_thousands is None else round(spend.origin_thousands * 1000),
                ""
                if spend.candidate_thousands is None
                else round(spend.candidate_thousands * 1000),
                "" if savings.low_gbp is None else round(savings.low_gbp),
                "" if savings.high_gbp is None else round(savings.high_gbp),
                f"{rate.low_percent:g}%-{rate.high_percent:g}% (estimate)",
                rate.source,
                "; ".join(b.label for b in savings.bases)
                + (" (upper bound)" if savings.upper_bound else ""),
                "" if whole.low_gbp is None else round(whole.low_gbp),
                "" if whole.high_gbp is None else round(whole.high_gbp),
                " | ".join(f"{x.title} ({x.kind})" for x in s.listings),
            ]
        )
    return response


@lru_cache(maxsize=1)
def _boundaries() -> bytes:
    path = Path(settings.BASE_DIR) / "data" / "reference" / "boundaries"
    return (path / "ons_uk_topojson_2014_2025.json").read_bytes()


@require_GET
def partner_boundaries(request: HttpRequest) -> HttpResponse:
    """The ONS TopoJSON the map draws (served by us: no CDN, no tiles)."""
    response = HttpResponse(_boundaries(), content_type="application/json")
    response["Cache-Control"] = "public, max-age=86400"
    return response
