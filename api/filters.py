"""The API's filters: the site's own filtersets, so a query string that works on
/councils/ or /listings/ means the same on /api/v1/ (same names, values, errors).

The site fills some choices (regions, families, services) from the data when a
filterset is made. The schema is built from the class, so the subclasses here
give those filters a callable instead: drf-spectacular then documents them as
free strings rather than as an empty enum, and each request still validates
against the real values.
"""

import django_filters
from django.db.models import QuerySet

from arrangements.selectors import ArrangementFilter
from councils.filters import AuthorityFilter
from councils.models import Authority, SpendRecord
from offers.browse.filters import ListingFilter
from offers.models import Listing, Office, Service


def _no_choices() -> list[tuple[str, str]]:
    return []  # replaced per request by the site filterset's __init__


def _multiple(label: str, field_name: str) -> django_filters.MultipleChoiceFilter:
    return django_filters.MultipleChoiceFilter(
        label=label,
        field_name=field_name,
        choices=_no_choices,
        distinct=False,
        error_messages={"invalid_choice": f"{label}: choose only from the options shown"},
    )


class OrganisationFilter(AuthorityFilter):
    """The organisation directory's filters (kind, nation, region, type, tier, ...)."""

    region = django_filters.ChoiceFilter(
        choices=_no_choices, error_messages={"invalid_choice": "Select a region from the list"}
    )
    # The directory takes one kind; the API takes several (?kind=fire&kind=police).
    kind = django_filters.MultipleChoiceFilter(  # type: ignore[assignment]
        label="Kind of organisation",
        choices=Authority.Kind.choices,
        error_messages={"invalid_choice": "Kind of organisation: choose only from the list"},
    )

    class Meta(AuthorityFilter.Meta):
        pass


class ApiListingFilter(ListingFilter):
    """The /listings/ browse filters (search, kind, family, service, distance, ...)."""

    family = _multiple("Service family", "service__family__slug")
    service = _multiple("Service", "service__slug")
    region = _multiple("Region", "authority__region")

    class Meta(ListingFilter.Meta):
        model = Listing
        fields: list[str] = []


class ApiArrangementFilter(ArrangementFilter):
    """The register's filters (family, kind, model, region, running or ended)."""

    family = django_filters.ChoiceFilter(
        choices=_no_choices,
        method="filter_family",
        error_messages={"invalid_choice": "Select a service family from the list"},
    )
    region = django_filters.ChoiceFilter(
        choices=_no_choices,
        method="filter_region",
        error_messages={"invalid_choice": "Select a region from the list"},
    )

    class Meta(ArrangementFilter.Meta):
        pass


class ServiceFilter(django_filters.FilterSet):
    family = django_filters.CharFilter(field_name="family__slug", max_length=100)
    office = django_filters.ChoiceFilter(choices=Office.choices)
    tier = django_filters.ChoiceFilter(
        label="Delivered by tier", choices=Authority.Tier.choices, method="filter_tier"
    )

    class Meta:
        model = Service
        fields: list[str] = []

    def filter_tier(self, queryset: QuerySet[Service], name: str, value: str) -> QuerySet[Service]:
        # The value was checked against Authority.Tier, so it names a field.
        return queryset.filter(**{Service.TIER_FIELDS[value]: True})


class SpendFilter(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        label="GSS code", field_name="authority__gss_code", max_length=9
    )
    year = django_filters.CharFilter(label="Financial year, e.g. 2023-24", max_length=7)
    line = django_filters.CharFilter(
        label="Revenue outturn line code", field_name="line__code", max_length=10
    )

    class Meta:
        model = SpendRecord
        fields: list[str] = []
