"""/market/: the overview page and each of its tables as CSV."""

import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from .market import market_figures

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _is_staff(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_staff", False))


@require_http_methods(["GET", "HEAD"])
def market(request: HttpRequest) -> HttpResponse:
    """Public figures; staff also see drafts and moderation figures."""
    figures = market_figures(staff=_is_staff(request))
    return render(request, "api/market.html", {"figures": figures})


@require_http_methods(["GET", "HEAD"])
def market_csv(request: HttpRequest, slug: str) -> HttpResponse:
    table = market_figures(staff=_is_staff(request)).table(slug)
    if table is None:
        raise Http404("No such table")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="market-{slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(
            ["'" + c if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in row]
        )
    return response
