"""The audit log page's filters: action, who acted and a date range (a GET form).

Every value is validated: an unknown action, a date that does not exist or a
range that ends before it starts makes the form invalid, and the page shows a
GOV.UK error summary instead of guessing.
"""

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEntry

_DATE_ERRORS = {"invalid": "Enter a real date, like 27/3/2026"}
_DATE_WIDGET = forms.TextInput(attrs={"class": "govuk-input--width-10", "inputmode": "numeric"})


def _start_of_day(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in UK time (TIME_ZONE): what staff mean by a date."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AuditFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The ‘to’ date must be the same as or after the ‘from’ date")
        return cleaned


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(
        label="Action",
        choices=[],  # the actions in the log, filled in __init__
        empty_label="All actions",
        error_messages={"invalid_choice": "Select an action from the list"},
    )
    actor = django_filters.CharFilter(
        label="Email address of the person who acted",
        field_name="actor_label",
        lookup_expr="icontains",
        max_length=254,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
        error_messages={"max_length": "Email address must be 254 characters or fewer"},
    )
    date_from = django_filters.DateFilter(
        label="From",
        method="filter_from",
        help_text="For example, 27/3/2026",
        widget=_DATE_WIDGET,
        error_messages=_DATE_ERRORS,
    )
    date_to = django_filters.DateFilter(
        label="To",
        method="filter_to",
        help_text="For example, 31/3/2026",
        widget=_DATE_WIDGET,
        error_messages=_DATE_ERRORS,
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []
        form = AuditFilterForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # One query per page view: the codes actually in the log, so the list never
        # offers an action that finds nothing and needs no update when one is added.
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        self.filters["action"].extra["choices"] = [(action, action) for action in actions]

    # Ranges on `at` itself (not at__date), so the index on `at` is used.
    def filter_from(
        self, queryset: QuerySet[AuditEntry], name: str, value: dt.date
    ) -> QuerySet[AuditEntry]:
        return queryset.filter(at__gte=_start_of_day(value))

    def filter_to(
        self, queryset: QuerySet[AuditEntry], name: str, value: dt.date
    ) -> QuerySet[AuditEntry]:
        return queryset.filter(at__lt=_start_of_day(value + dt.timedelta(days=1)))

    @property
    def active_filters(self) -> bool:
        return any(self.form.data.get(name) for name in self.filters)
