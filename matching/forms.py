"""The Find a partner form: which organisation, which service, which kinds of partner.
A GET form (shareable URLs)."""

from typing import Any, cast

from django import forms

from core.forms import PlainTextFormMixin
from councils.models import Authority
from councils.selectors import authority_join_choices
from offers.models import Service


def _service_choices() -> list[tuple[str, Any]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for service in Service.objects.select_related("family"):
        groups.setdefault(service.family.name, []).append((service.slug, service.name))
    return [("", "Choose a service"), *groups.items()]


class PartnerSearchForm(forms.Form):
    council = forms.ChoiceField(
        label="Your organisation",
        help_text="Defaults to the organisation you act for: a council or another public body.",
        error_messages={
            "required": "Select your organisation",
            "invalid_choice": "Select a current organisation from the list",
        },
    )
    service = forms.ChoiceField(
        label="Service you want to share",
        error_messages={
            "required": "Select the service you want to share",
            "invalid_choice": "Select a service from the list",
        },
    )

    kind = forms.ChoiceField(
        label="Kind of organisation to suggest",
        required=False,
        help_text="Leave as every kind to see councils and other public bodies together.",
        error_messages={"invalid_choice": "Select a kind of organisation from the list"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["council"].choices = [  # type: ignore[attr-defined]
            ("", "Choose an organisation"),
            # Councils only until other kinds of body are ranked (matching across kinds).
            *authority_join_choices(),
        ]
        self.fields["service"].choices = _service_choices()  # type: ignore[attr-defined]
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            ("", "Every kind"),
            *Authority.Kind.choices,
        ]


FINANCIAL_YEAR = r"^\d{4}-\d{2}$"


class ServiceCostForm(PlainTextFormMixin, forms.Form):
    """What one service costs the organisation a year: the base of its savings estimates."""

    service = forms.ChoiceField(
        label="Service",
        error_messages={
            "required": "Select the service",
            "invalid_choice": "Select a service from the list",
        },
    )
    annual_cost_gbp = forms.IntegerField(
        label="What it costs a year, in pounds",
        help_text=(
            "The service's own budget or outturn, for example 180000, not the whole spending line."
        ),
        min_value=1,
        max_value=10_000_000_000,
        error_messages={
            "required": "Enter what the service costs a year",
            "invalid": "Enter the cost as a whole number of pounds, like 180000",
            "min_value": "The cost must be at least £1",
            "max_value": "The cost must be at most £10,000,000,000",
        },
    )
    financial_year = forms.RegexField(
        label="Financial year",
        help_text="For example 2025-26.",
        regex=FINANCIAL_YEAR,
        max_length=7,
        error_messages={
            "required": "Enter the financial year",
            "invalid": "Enter the financial year like 2025-26",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = _service_choices()

    def clean_financial_year(self) -> str:
        year: str = self.cleaned_data["financial_year"]
        start, end = int(year[:4]), int(year[5:])
        if (start + 1) % 100 != end:
            raise forms.ValidationError("Enter a financial year whose years follow, like 2025-26")
        return year
