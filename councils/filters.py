"""The organisation directory's filters. State lives in the query string (a GET form).

Every filter validates its value: an unknown nation or type makes the form
invalid, and the view shows a GOV.UK error instead of guessing (or failing).
"""

from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet

from .models import Authority

SORT_CHOICES = [
    ("name", "Name (A to Z)"),
    ("population-desc", "Population (highest first)"),
    ("population-asc", "Population (lowest first)"),
    ("area-desc", "Area (largest first)"),
    ("area-asc", "Area (smallest first)"),
]
# Councils without a figure (abolished ones) go last whichever way we sort;
# the name then gss_code keep page boundaries stable between requests.
_ORDERINGS = {
    "name": [F("short_name").asc(), F("gss_code").asc()],
    "population-desc": [F("population").desc(nulls_last=True), F("short_name").asc()],
    "population-asc": [F("population").asc(nulls_last=True), F("short_name").asc()],
    "area-desc": [F("area_km2").desc(nulls_last=True), F("short_name").asc()],
    "area-asc": [F("area_km2").asc(nulls_last=True), F("short_name").asc()],
}
_FULL_WIDTH = {"class": "govuk-!-width-full"}


class CheckboxFilter(django_filters.BooleanFilter):
    """A single checkbox: ticked is True, absent is False (never 'unknown')."""

    # The stub narrows field_class to NullBooleanField; django-filter takes any form field.
    field_class = forms.BooleanField  # type: ignore[assignment]


# Every kind an imported organisation can have ("other" is for staff-added bodies).
KIND_CHOICES = [(k, label) for k, label in Authority.Kind.choices if k != Authority.Kind.OTHER]


class AuthorityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Name",
        method="filter_name",
        max_length=200,
        widget=forms.TextInput(attrs={**_FULL_WIDTH, "type": "search", "spellcheck": "false"}),
        error_messages={"max_length": "Name must be 200 characters or fewer"},
    )
    kind = django_filters.ChoiceFilter(
        label="Kind of organisation",
        choices=KIND_CHOICES,
        empty_label="All kinds",
        widget=forms.Select(attrs=_FULL_WIDTH),
        error_messages={"invalid_choice": "Select a kind of organisation from the list"},
    )
    nation = django_filters.ChoiceFilter(
        choices=Authority.Nation.choices,
        empty_label="All nations",
        widget=forms.Select(attrs=_FULL_WIDTH),
        error_messages={"invalid_choice": "Select a nation from the list"},
    )
    region = django_filters.ChoiceFilter(
        choices=[],  # filled from the data in __init__
        empty_label="All regions",
        widget=forms.Select(attrs=_FULL_WIDTH),
        error_messages={"invalid_choice": "Select a region from the list"},
    )
    authority_type = django_filters.ChoiceFilter(
        label="Type of council",
        choices=Authority.Type.choices,
        empty_label="All types",
        widget=forms.Select(attrs=_FULL_WIDTH),
        error_messages={"invalid_choice": "Select a type of council from the list"},
    )
    tier = django_filters.ChoiceFilter(
        choices=Authority.Tier.choices,
        empty_label="All tiers",
        widget=forms.Select(attrs=_FULL_WIDTH),
        error_messages={"invalid_choice": "Select a tier from the list"},
    )
    combined_authority = django_filters.ModelChoiceFilter(
        label="Combined authority",
        queryset=Authority.objects.filter(kind__in=["combined", "gla"]).order_by("short_name"),
        to_field_name="gss_code",
        empty_label="Any or none",
        widget=forms.Select(attrs=_FULL_WIDTH),
        error_messages={"invalid_choice": "Select a combined authority from the list"},
    )
    include_abolished = CheckboxFilter(
        label="Include abolished organisations",
        method="filter_status",
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=SORT_CHOICES,
        empty_label=None,
        method="filter_sort",
        # The control sits above the results but belongs to the filter form,
        # so sorting keeps the filters and filtering keeps the sort.
        widget=forms.Select(attrs={"form": "directory-filters"}),
        error_messages={"invalid_choice": "Select how to sort the organisations from the list"},
    )

    class Meta:
        model = Authority
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read once per request: a lazy callable would query on every use.
        regions = (
            Authority.objects.exclude(region="")
            .order_by("region")
            .values_list("region", flat=True)
            .distinct()
        )
        self.filters["region"].extra["choices"] = [(r, r) for r in regions]

    def filter_name(
        self, queryset: QuerySet[Authority], name: str, value: str
    ) -> QuerySet[Authority]:
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value))

    def filter_status(
        self, queryset: QuerySet[Authority], name: str, value: bool
    ) -> QuerySet[Authority]:
        return queryset if value else queryset.filter(status=Authority.Status.CURRENT)

    def filter_sort(
        self, queryset: QuerySet[Authority], name: str, value: str
    ) -> QuerySet[Authority]:
        return queryset.order_by(*_ORDERINGS[value])

    @property
    def active_filters(self) -> bool:
        """True when anything other than the sort order narrows the list."""
        data = self.form.data
        return any(data.get(name) for name in self.filters if name != "sort")
