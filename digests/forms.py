"""Forms for digest preferences and saved-search alerts (GOV.UK markup via FORM_RENDERER)."""

from typing import Any

from django import forms

from core.forms import PlainTextFormMixin
from digests.models import DigestFrequency, DigestPreference
from offers.models import Service


class DigestPreferenceForm(PlainTextFormMixin, forms.Form):
    frequency = forms.ChoiceField(
        label="How often do you want an email?",
        choices=[
            (DigestFrequency.WEEKLY, "Weekly, on Monday morning"),
            (DigestFrequency.DAILY, "Daily, at 7am"),
            (DigestFrequency.OFF, "Never (turn emails off)"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select how often you want an email"},
    )
    follow_council = forms.TypedChoiceField(
        label="Which listings do you want to hear about?",
        choices=[
            ("yes", "Listings that match my council's own listings"),
            ("no", "Listings for the services I choose below"),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        help_text="If your council needs a service, you hear about offers of it; "
        "if your council offers one, you hear about councils that need it.",
        error_messages={"required": "Select which listings you want to hear about"},
    )
    services = forms.ModelMultipleChoiceField(
        label="Services",
        queryset=Service.objects.select_related("family"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only used if you choose the services yourself. Choose none for every service.",
    )
    kinds = forms.ChoiceField(
        label="Offers, needs or both?",
        choices=DigestPreference.Kinds.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select offers, needs or both"},
    )
    distance = forms.ChoiceField(
        label="How far away?",
        choices=DigestPreference.Distance.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how far away a partner can be"},
    )
    radius_km = forms.IntegerField(
        label="Distance in kilometres",
        min_value=1,
        max_value=1500,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
        help_text="Used if you choose ‘Within a distance of my council’.",
        error_messages={
            "invalid": "Enter the distance as a whole number of kilometres, like 50",
            "min_value": "Distance must be 1 km or more",
            "max_value": "Distance must be 1,500 km or less",
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("distance") == DigestPreference.Distance.RADIUS and not data.get("radius_km"):
            self.add_error("radius_km", "Enter how far away a partner can be, in kilometres")
        return data


class SavedSearchForm(PlainTextFormMixin, forms.Form):
    name = forms.CharField(
        label="Name this alert",
        max_length=100,
        help_text="For example ‘ICT offers in the South West’. It is shown in your emails.",
        error_messages={
            "required": "Enter a name for the alert",
            "max_length": "Name must be 100 characters or fewer",
        },
    )
    querystring = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)
