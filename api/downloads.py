"""Bulk downloads of each dataset (CSV and JSON) and the Data page that lists them.

The same selectors and serializers as the API, so a download holds exactly the
records and fields the API serves (public only, no personal data), streamed so
50,000 listings never sit in memory. A download carries the same validators as
the API (ETag, Last-Modified from core.generations) and the same throttle.
"""

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from arrangements.changes import ARRANGEMENTS_GENERATION
from councils.changes import REFERENCE_DATA_GENERATION
from offers.changes import LISTINGS_GENERATION

from . import selectors
from .conditional import Validator
from .licence import ATTRIBUTION, LICENCE_NAME, LICENCE_URL, LINK_HEADER, licence_notice
from .serializers import (
    ArrangementSerializer,
    ListingSerializer,
    OrganisationSerializer,
    ServiceSerializer,
    SpendSerializer,
    flatten,
)
from .signals import TAXONOMY_GENERATION

# Spreadsheets run a cell that starts with one of these as a formula; listing
# text is typed by users, so such a cell is written with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    description: str
    queryset: Callable[[], QuerySet[Any]]
    serializer: type[serializers.Serializer[Any]]
    generation_keys: tuple[str, ...]
    api_path: str
    clocked: bool = False


DATASETS: dict[str, Dataset] = {
    d.slug: d
    for d in [
        Dataset(
            "organisations",
            "Organisations",
            "Every council and other public body we list, current and abolished, with "
            "its kind, tier, nation, region, county, combined authority and successors.",
            selectors.api_organisations,
            OrganisationSerializer,
            (REFERENCE_DATA_GENERATION,),
            "/api/v1/organisations/",
        ),
        Dataset(
            "services",
            "Services",
            "The service taxonomy: family, service, front or back office, the tiers "
            "that deliver it and its revenue outturn line.",
            selectors.api_services,
            ServiceSerializer,
            (TAXONOMY_GENERATION,),
            "/api/v1/services/",
        ),
        Dataset(
            "listings",
            "Offers and needs",
            "Published listings that anyone may see. Listings for signed-in public-sector "
            "users only are not included, nor are contact details.",
            selectors.api_listings,
            ListingSerializer,
            (LISTINGS_GENERATION, REFERENCE_DATA_GENERATION, TAXONOMY_GENERATION),
            "/api/v1/listings/",
            clocked=True,
        ),
        Dataset(
            "arrangements",
            "Shared arrangements",
            "The public register: partners (and whether each has confirmed), services, "
            "how it is shared, years, reported savings and sources. No contact details.",
            selectors.api_arrangements,
            ArrangementSerializer,
            (ARRANGEMENTS_GENERATION, REFERENCE_DATA_GENERATION, TAXONOMY_GENERATION),
            "/api/v1/arrangements/",
        ),
        Dataset(
            "spend",
            "Spend by year and line",
            "Net current expenditure (£ thousands) per organisation, financial year and "
            "revenue outturn line, England (MHCLG revenue outturn).",
            selectors.api_spend,
            SpendSerializer,
            (REFERENCE_DATA_GENERATION,),
            "/api/v1/spend/",
        ),
    ]
}


def _rows(dataset: Dataset) -> Iterator[dict[str, Any]]:
    serializer = dataset.serializer()
    for obj in dataset.queryset().iterator(chunk_size=2000):
        yield serializer.to_representation(obj)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(dataset: Dataset) -> Iterator[str]:
    """The dataset as CSV text, a line at a time: a header, then one row per record."""
    writer = csv.writer(_Echo())
    header: list[str] | None = None
    for row in _rows(dataset):
        flat = flatten(row)
        if header is None:
            header = list(flat)
            yield writer.writerow(header)
        yield writer.writerow([_csv_cell(flat.get(name, "")) for name in header])
    if header is None:  # no records: the header from the serializer's fields
        yield writer.writerow(list(dataset.serializer().fields))


def json_chunks(dataset: Dataset) -> Iterator[str]:
    """The dataset as one JSON document: the licence, then `results`, a record at a time."""
    head = {
        "licence": licence_notice(),
        "dataset": dataset.slug,
        "generated_at": timezone.now().isoformat(),
    }
    yield json.dumps(head)[:-1] + ', "results": ['
    for index, row in enumerate(_rows(dataset)):
        yield ("," if index else "") + json.dumps(row, default=str)
    yield "]}"


class DownloadView(APIView):
    """GET /data/<dataset>.csv or .json."""

    schema = None  # documented on the Data page, not in the API schema

    def get(self, request: Request, dataset: str, fmt: str) -> HttpResponseBase:
        chosen = DATASETS.get(dataset)
        if chosen is None or fmt not in ("csv", "json"):
            raise Http404("No such dataset")
        validator = Validator(request, chosen.generation_keys, clocked=chosen.clocked)
        not_modified = validator.not_modified(request)
        if not_modified is not None:
            return not_modified
        response: StreamingHttpResponse
        if fmt == "csv":
            response = StreamingHttpResponse(
                csv_lines(chosen), content_type="text/csv; charset=utf-8"
            )
        else:
            response = StreamingHttpResponse(json_chunks(chosen), content_type="application/json")
        stamp = timezone.localdate().isoformat()
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{chosen.slug}-{stamp}.{fmt}"'
        )
        validator.apply(response)
        response.headers["Link"] = LINK_HEADER
        return response


download = DownloadView.as_view()


@require_http_methods(["GET", "HEAD"])
def data_page(request: HttpRequest) -> HttpResponse:
    context = {
        "datasets": list(DATASETS.values()),
        "licence_name": LICENCE_NAME,
        "licence_url": LICENCE_URL,
        "attribution": ATTRIBUTION,
    }
    return render(request, "api/data.html", context)
