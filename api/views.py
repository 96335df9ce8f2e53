"""The open data API (/api/v1/): read-only, public, cached, licensed.

No authentication class is installed (settings REST_FRAMEWORK), so every
request is anonymous: a signed-in officer's session cannot widen what the API
shows, and the selectors only ever read public records (api/selectors.py).
"""

import functools
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponseBase
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from arrangements.changes import ARRANGEMENTS_GENERATION
from councils.changes import REFERENCE_DATA_GENERATION
from offers.changes import LISTINGS_GENERATION

from . import selectors
from .conditional import cached_json
from .filters import (
    ApiArrangementFilter,
    ApiListingFilter,
    OrganisationFilter,
    ServiceFilter,
    SpendFilter,
)
from .licence import LINK_HEADER, licence_notice
from .market import KEYS as MARKET_KEYS
from .market import market_figures
from .pagination import LICENCE_SCHEMA
from .serializers import (
    ArrangementSerializer,
    ListingSerializer,
    OrganisationSerializer,
    ServiceSerializer,
    SpendSerializer,
)
from .signals import TAXONOMY_GENERATION


@extend_schema_field(LICENCE_SCHEMA)
class LicenceField(serializers.Field[Any, Any, Any, Any]):
    """The licence notice, as the first field of a single record's body."""

    def __init__(self) -> None:
        super().__init__(source="*", read_only=True)

    def to_representation(self, value: Any) -> dict[str, Any]:
        return licence_notice()


ERROR = inline_serializer(
    name="Error",
    fields={
        "licence": LicenceField(),
        "detail": serializers.CharField(required=False),
        "reason": serializers.CharField(required=False),
    },
)
ERRORS = {
    400: OpenApiResponse(ERROR, description="A filter's value is not valid (each field says why)."),
    404: OpenApiResponse(ERROR, description="No such record, or a page past the end."),
    429: OpenApiResponse(
        ERROR, description="Too many requests from your address; `reason` says when to retry."
    ),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's errors, each with the licence notice; a 429 also says why and when to retry."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data if isinstance(response.data, dict) else {"detail": response.data}
    if isinstance(exc, exceptions.Throttled):
        seconds = getattr(exc, "wait", None)  # set by DRF; missing from the stubs
        wait = int(seconds) if seconds is not None else None
        data = {
            "detail": "Too many requests.",
            "reason": (
                "This address has made more requests than the open data API allows "
                f"({context['view'].throttle_rate_text()}). "
                + (f"Try again in {wait} seconds." if wait is not None else "Try again later.")
                + " For the whole of a dataset, use the bulk downloads on the Data page."
            ),
        }
    response.data = {"licence": licence_notice(), **data}
    return response


class PublicListViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """A list answered from the generation-keyed cache (api/conditional.py)."""

    generation_keys: tuple[str, ...] = ()
    clocked = False

    def throttle_rate_text(self) -> str:
        return f"{settings.API_THROTTLE_RATE} per address"

    # DRF returns any HttpResponseBase a view gives it; the stubs ask for a Response.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        return cached_json(
            request,
            self.generation_keys,
            lambda: super(PublicListViewSet, self).list(request, *args, **kwargs).data,
            clocked=self.clocked,
        )

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]
        response.headers["Link"] = LINK_HEADER
        return response


class PublicReadOnlyViewSet(mixins.RetrieveModelMixin, PublicListViewSet):
    """A list and one record by its key, both cached."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        def build() -> dict[str, Any]:
            data = super(PublicReadOnlyViewSet, self).retrieve(request, *args, **kwargs).data
            return {"licence": licence_notice(), **data}

        return cached_json(request, self.generation_keys, build, clocked=self.clocked)


def _detail_serializer(base: type[serializers.ModelSerializer[Any]]) -> Any:
    """`base` with the licence notice as its first field: a single record's body."""
    meta = type("Meta", (base.Meta,), {"fields": ["licence", *base.Meta.fields]})
    return type(
        f"{base.__name__.removesuffix('Serializer')}DetailSerializer",
        (base,),
        {
            "licence": LicenceField(),
            "Meta": meta,
        },
    )


OrganisationDetailSerializer = _detail_serializer(OrganisationSerializer)
ServiceDetailSerializer = _detail_serializer(ServiceSerializer)
ListingDetailSerializer = _detail_serializer(ListingSerializer)
ArrangementDetailSerializer = _detail_serializer(ArrangementSerializer)


# The browse filters that apply together in ListingFilter.filter_queryset (a method
# filter drf-spectacular cannot type): their schema, said here.
LISTING_TEXT_PARAMETERS = [
    OpenApiParameter("q", str, description="Words to search for (ranked, English stemming)."),
    OpenApiParameter(
        "near",
        {"type": "string", "maxLength": 9},
        description="GSS code of the organisation distances are measured from.",
    ),
    OpenApiParameter(
        "within",
        {"type": "integer", "minimum": 1, "maximum": 1500},
        description="Kilometres from `near` (needs `near`).",
    ),
]


def documented(list_serializer: Any, detail_serializer: Any, tag: str) -> Any:
    """The schema of a list (paginated, licensed) and a retrieve, with their errors."""
    return extend_schema_view(
        list=extend_schema(tags=[tag], responses={200: list_serializer(many=True), **ERRORS}),
        retrieve=extend_schema(
            tags=[tag], responses={200: detail_serializer, 404: ERRORS[404], 429: ERRORS[429]}
        ),
    )


@documented(OrganisationSerializer, OrganisationDetailSerializer, "Organisations")
class OrganisationViewSet(PublicReadOnlyViewSet):
    """Councils and other public bodies, every kind, with the areas they belong to.

    Current organisations only unless `include_abolished=true`, as on /councils/.
    """

    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    lookup_field = "gss_code"
    generation_keys = (REFERENCE_DATA_GENERATION,)

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_organisations()

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # One record by its code is found whether current or abolished.
        return queryset if self.action == "retrieve" else super().filter_queryset(queryset)


@documented(ServiceSerializer, ServiceDetailSerializer, "Services")
class ServiceViewSet(PublicReadOnlyViewSet):
    """The service taxonomy: families, services, the tiers that deliver each and
    the revenue outturn line that holds its spend."""

    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter
    lookup_field = "slug"
    generation_keys = (TAXONOMY_GENERATION,)

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_services()


@documented(ListingSerializer, ListingDetailSerializer, "Listings")
@extend_schema_view(list=extend_schema(parameters=LISTING_TEXT_PARAMETERS))
class ListingViewSet(PublicReadOnlyViewSet):
    """Published offers and needs that anyone may see, with the /listings/ filters.

    Listings shown only to signed-in public-sector users are never served here.
    Contact an organisation through the listing's page on the site (`url`).
    """

    serializer_class = ListingSerializer
    filterset_class = ApiListingFilter
    generation_keys = (LISTINGS_GENERATION, REFERENCE_DATA_GENERATION, TAXONOMY_GENERATION)
    clocked = True  # a listing drops out when it expires, before any bump

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_listings()

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset if self.action == "retrieve" else super().filter_queryset(queryset)


@documented(ArrangementSerializer, ArrangementDetailSerializer, "Arrangements")
class ArrangementViewSet(PublicReadOnlyViewSet):
    """The register of shared arrangements: published ones only (from public sources,
    or recorded, confirmed by every partner and moderated). No contact details."""

    serializer_class = ArrangementSerializer
    filterset_class = ApiArrangementFilter
    generation_keys = (ARRANGEMENTS_GENERATION, REFERENCE_DATA_GENERATION, TAXONOMY_GENERATION)

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_arrangements()


@extend_schema_view(
    list=extend_schema(tags=["Spend"], responses={200: SpendSerializer(many=True), **ERRORS})
)
class SpendViewSet(PublicListViewSet):
    """Net current expenditure (£ thousands) per organisation, financial year and
    revenue outturn line (England; MHCLG). A line is an upper bound for any one
    service in it, never that service's cost."""

    serializer_class = SpendSerializer
    filterset_class = SpendFilter
    generation_keys = (REFERENCE_DATA_GENERATION,)

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.api_spend()


@functools.cache
def api_schema() -> dict[str, Any]:
    """The OpenAPI document, built once per process: it depends on the code only."""
    generator = SchemaGenerator(patterns=None, urlconf=None)  # type: ignore[no-untyped-call]
    schema: dict[str, Any] = generator.get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    return schema


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (JSON by default; `?format=yaml` for YAML), licensed like the rest."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiYamlRenderer]

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(api_schema())

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]
        response.headers["Link"] = LINK_HEADER
        return response


@extend_schema(exclude=True)
@api_view(["GET", "HEAD"])
def not_found(request: Request) -> Response:
    """Any other address under /api/v1/: a JSON 404 with the licence, not the site's HTML page."""
    raise exceptions.NotFound("There is no such API address. The operations are listed at /api/.")


MARKET_TABLE = inline_serializer(
    name="MarketTable",
    fields={
        "slug": serializers.CharField(),
        "caption": serializers.CharField(),
        "columns": serializers.ListField(child=serializers.CharField()),
        "rows": serializers.ListField(child=serializers.ListField(child=serializers.JSONField())),
        "note": serializers.CharField(),
    },
)
MARKET = inline_serializer(
    name="Market",
    fields={
        "licence": LicenceField(),
        "computed_at": serializers.DateTimeField(),
        "tables": MARKET_TABLE.__class__(many=True),
    },
)


class MarketView(GenericAPIView):  # type: ignore[type-arg]
    """The market overview's public figures (the tables of /market/), with when they
    were computed. Never the staff-only figures."""

    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(tags=["Market"], responses={200: MARKET, 429: ERRORS[429]})
    def get(self, request: Request) -> HttpResponseBase:
        return cached_json(request, MARKET_KEYS, _market_body)

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]
        response.headers["Link"] = LINK_HEADER
        return response


def _market_body() -> dict[str, Any]:
    figures = market_figures(staff=False)
    return {
        "licence": licence_notice(),
        "computed_at": figures.computed_at.isoformat(),
        "tables": [
            {
                "slug": t.slug,
                "caption": t.caption,
                "columns": t.columns,
                "rows": t.rows,
                "note": t.note,
            }
            for t in figures.tables
        ],
    }
