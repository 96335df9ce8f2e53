"""Forms for the owner's pages. Rendered as GOV.UK markup by marketplace.forms."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from core.forms import GovukDateField, PlainTextFormMixin
from councils.models import Authority, User
from offers.models import Listing, Service
from offers.selectors import services_grouped_for
from offers.services import EDITABLE_FIELDS, listing_check_rules


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you want to post?",
        choices=[
            (Listing.Kind.OFFER, "An offer: we can deliver a service for other councils"),
            (Listing.Kind.NEED, "A need: we are looking for a partner to share a service"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you are posting an offer or a need"},
    )


_NUMERIC = forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})


class ListingForm(PlainTextFormMixin, forms.ModelForm[Listing]):
    """Create and edit. `authority` limits the services to those its tier delivers."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    annual_value_gbp = forms.IntegerField(
        label="Annual value, in pounds",
        required=False,
        min_value=0,
        max_value=10**12 - 1,
        help_text="Roughly what the service costs a year, like 250000",
        widget=_NUMERIC,
        error_messages={
            "invalid": "Annual value must be a whole number of pounds, like 250000",
            "min_value": "Annual value must be 0 or more",
            "max_value": "Annual value must be less than £1,000,000,000,000",
        },
    )
    population_served = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100_000_000,
        help_text="For example, 120000",
        widget=_NUMERIC,
        error_messages={
            "invalid": "Population served must be a whole number, like 120000",
            "min_value": "Population served must be 0 or more",
            "max_value": "Population served must be 100,000,000 or fewer",
        },
    )
    partner_radius_km = forms.IntegerField(
        label="Distance, in kilometres",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="Only if you chose a distance above.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "spellcheck": "false", "class": "govuk-input--width-4"}
        ),
        error_messages={
            "invalid": "Distance must be a whole number of kilometres, like 50",
            "min_value": "Distance must be 1 kilometre or more",
            "max_value": "Distance must be 1,000 kilometres or fewer",
        },
    )

    earliest_start = GovukDateField(
        label="Earliest start date",
        label_in_errors="Earliest start date",
        required=False,
        help_text="For example, 1 4 2027",
    )

    class Meta:
        model = Listing
        fields = list(EDITABLE_FIELDS)
        labels = {
            "service": "Service",
            "title": "Title",
            "summary": "Summary",
            "description": "Description",
            "delivery_model": "How would the service be shared?",
            "partner_scope": "Where will you partner?",
            "named_partners": "Councils you want to partner with",
            "earliest_start": "Earliest start date",
            "contact_name": "Contact officer's name",
            "contact_email": "Contact officer's email address",
            "visibility": "Who can see this listing?",
        }
        help_texts = {
            "service": "Only services your council delivers are listed.",
            "title": "For example, Shared building control service for two or three districts",
            "summary": "One or two sentences shown in search results. Up to 300 characters.",
            "description": "What you offer or need, scale, systems, what a partner would do. "
            "Up to 5,000 characters.",
            "named_partners": "Only if you chose named councils above. Hold Ctrl (or Cmd on a "
            "Mac) to choose more than one.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "delivery_model": forms.RadioSelect,
            "partner_scope": forms.RadioSelect,
            "visibility": forms.RadioSelect,
            # static/js/council-picker.js turns it into an autocomplete with the
            # chosen councils listed; without JavaScript it is this list.
            "named_partners": forms.SelectMultiple(
                attrs={"size": 8, "data-module": "app-council-picker"}
            ),
        }
        error_messages = {
            "service": {
                "required": "Select the service",
                "invalid_choice": "Select a service your council delivers",
            },
            "title": {
                "required": "Enter a title",
                "max_length": "Title must be 120 characters or fewer",
            },
            "summary": {
                "required": "Enter a summary",
                "max_length": "Summary must be 300 characters or fewer",
            },
            "description": {"max_length": "Description must be 5,000 characters or fewer"},
            "delivery_model": {"required": "Select how the service would be shared"},
            "partner_scope": {"required": "Select where you will partner"},
            "contact_name": {"required": "Enter the contact officer's name"},
            "contact_email": {
                "required": "Enter the contact officer's email address",
                "invalid": "Enter an email address in the correct format, like name@council.gov.uk",
            },
            "visibility": {"required": "Select who can see this listing"},
        }

    def __init__(self, *args: Any, authority: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.authority = authority
        service_field = self.fields["service"]
        service_field.queryset = Service.objects.delivered_by_authority(  # type: ignore[attr-defined]
            authority
        )
        service_field.choices = [  # type: ignore[attr-defined]
            ("", "Choose a service"),
            *services_grouped_for(authority=authority),
        ]
        self.fields["named_partners"].queryset = (  # type: ignore[attr-defined]
            Authority.objects.current().exclude(pk=authority.pk).only("pk", "name")
        )
        self.fields["named_partners"].error_messages["invalid_choice"] = (
            "Select councils from the list"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        service = cleaned.get("service")
        scope = cleaned.get("partner_scope")
        if scope:
            try:
                listing_check_rules(
                    authority=self.authority,
                    service=service,
                    partner_scope=scope,
                    partner_radius_km=cleaned.get("partner_radius_km"),
                    named_partners=list(cleaned.get("named_partners") or []),
                )
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    if name in self.fields and name not in self.errors:
                        for message in messages:
                            self.add_error(name, message)
        return cleaned

    def changes(self) -> dict[str, Any]:
        """The cleaned values the services accept (without the version)."""
        return {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}


class ReasonForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "Reason must be 2,000 characters or fewer"},
    )


class HandOverForm(forms.Form):
    """Choose who takes over a leaving member's listings and contacts."""

    to = forms.TypedChoiceField(
        label="Who should take over?",
        widget=forms.RadioSelect,
        coerce=int,
        error_messages={"required": "Select who should take over the listings"},
    )

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._people = {person.pk: person for person in people}
        to_field = cast(forms.TypedChoiceField, self.fields["to"])
        to_field.choices = [
            (person.pk, f"{person.display_name} ({person.email})") for person in people
        ]

    def clean_to(self) -> User:
        return self._people[self.cleaned_data["to"]]
