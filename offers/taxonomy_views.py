"""Moderators' pages for the service taxonomy. Staff with MFA only; writes in offers.taxonomy."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.forms import PlainTextFormMixin
from councils.auth import require_staff_with_mfa
from offers import taxonomy
from offers.models import BODY_KINDS, Service, ServiceFamily


class ServiceForm(PlainTextFormMixin, forms.ModelForm[Service]):
    # Councils deliver by tier (the four checkboxes above); every other kind of
    # body by kind, one checkbox each. The model field's default form field is a
    # comma-separated text box, which would make staff type Authority.Kind codes.
    body_kinds = forms.MultipleChoiceField(
        label="Other kinds of body that deliver it",
        help_text="Select all that apply. Leave empty if only councils deliver it.",
        choices=BODY_KINDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Select only from the kinds of body shown"},
    )

    class Meta:
        model = Service
        fields = list(taxonomy.SERVICE_FIELDS)
        labels = {
            "family": "Service family",
            "name": "Name",
            "office": "Front or back office",
            "by_upper": "County councils deliver it",
            "by_lower": "District councils deliver it",
            "by_unitary": "Single-tier councils deliver it",
            "by_ni_district": "Northern Ireland districts deliver it",
            "ro_line": "Revenue outturn line",
            "lgsl_code": "LGSL code",
        }
        widgets = {"office": forms.RadioSelect, "description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {
            "name": {
                "required": "Enter the service's name",
                "unique": "A service with this name already exists",
                "max_length": "Name must be 120 characters or fewer",
            },
            "family": {"required": "Select the service family"},
            "office": {"required": "Select front or back office"},
            "description": {"max_length": "Description must be 300 characters or fewer"},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = list(self.fields["office"].choices)[1:]  # type: ignore[attr-defined]


@login_required
@require_http_methods(["GET"])
def taxonomy_page(request: HttpRequest) -> HttpResponse:
    require_staff_with_mfa(request)
    return render(
        request, "offers/staff/taxonomy.html", {"families": taxonomy.taxonomy_for_staff()}
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = require_staff_with_mfa(request)
    service = Service() if pk is None else Service.objects.filter(pk=pk).first()
    if service is None:
        raise Http404("No such service")
    # A bound ModelForm writes the posted values onto its instance: it gets its own
    # copy, so the service keeps its saved values for the audit entry's "before".
    copy = Service() if pk is None else Service.objects.get(pk=pk)
    form = ServiceForm(request.POST or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in taxonomy.SERVICE_FIELDS}
        try:
            saved = taxonomy.service_save(service=service, values=values, by=user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{saved.name} has been saved.")
            return redirect("offers:taxonomy")
    return render(request, "offers/staff/service_form.html", {"form": form, "service": service})


class FamilyForm(PlainTextFormMixin, forms.ModelForm[ServiceFamily]):
    class Meta:
        model = ServiceFamily
        fields = list(taxonomy.FAMILY_FIELDS)
        labels = {"name": "Name", "office": "Front or back office", "position": "Position"}
        help_texts = {"position": "Families are listed by this number, lowest first, then by name."}
        widgets = {"office": forms.RadioSelect}
        error_messages = {
            "name": {
                "required": "Enter the service family's name",
                "unique": "A service family with this name already exists",
                "max_length": "Name must be 100 characters or fewer",
            },
            "office": {"required": "Select front or back office"},
            "position": {
                "required": "Enter a position, like 0",
                "invalid": "Position must be a whole number, like 0",
                "min_value": "Position must be 0 or more",
                "max_value": "Position must be 32767 or less",
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = list(self.fields["office"].choices)[1:]  # type: ignore[attr-defined]
        self.fields["position"].widget.attrs.update(
            {"inputmode": "numeric", "class": "govuk-input--width-4"}
        )


@login_required
@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = require_staff_with_mfa(request)
    family = ServiceFamily() if pk is None else ServiceFamily.objects.filter(pk=pk).first()
    if family is None:
        raise Http404("No such service family")
    # As in service_edit: the form writes onto its own copy, so `family` keeps the
    # saved values for the audit entry's "before".
    copy = ServiceFamily() if pk is None else ServiceFamily.objects.get(pk=pk)
    form = FamilyForm(request.POST or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in taxonomy.FAMILY_FIELDS}
        try:
            saved = taxonomy.family_save(family=family, values=values, by=user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{saved.name} has been saved.")
            return redirect("offers:taxonomy")
    return render(request, "offers/staff/family_form.html", {"form": form, "family": family})
