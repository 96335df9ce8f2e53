"""The Find a partner form: which organisation, which service, which kinds of partner.
A GET form (shareable URLs)."""

from typing import Any

from django import forms

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
