"""Site-wide form rendering: GOV.UK Frontend markup for every Django form."""

from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting

from core.forms import GovukDateInput

# Widget input_type / class name -> GOV.UK Frontend class for the control.
_CLASSES = {
    "text": "govuk-input",
    "email": "govuk-input",
    "url": "govuk-input",
    "number": "govuk-input",
    "password": "govuk-input",
    "search": "govuk-input",
    "tel": "govuk-input",
    "date": "govuk-input",
    "Textarea": "govuk-textarea",
    "Select": "govuk-select",
    "SelectMultiple": "govuk-select",
    "checkbox": "govuk-checkboxes__input",
    "file": "govuk-file-upload",
}


class GovukBoundField(BoundField):
    """Adds GOV.UK classes, error state and hint/error ids to each control."""

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            return attrs  # their options are styled in the widget templates
        if isinstance(widget, GovukDateInput):  # its template marks each box in error
            return {**attrs, "error": bool(self.errors)}
        kind = getattr(widget, "input_type", None) or type(widget).__name__
        css = _CLASSES.get(kind) or _CLASSES.get(type(widget).__name__, "")
        if css and self.errors and css != "govuk-checkboxes__input":
            css += f" {css}--error"
        # Widget(attrs={"class": ...}) would otherwise be replaced, not extended.
        existing = f"{widget.attrs.get('class', '')} {attrs.get('class', '')}".strip()
        attrs["class"] = f"{css} {existing}".strip()
        described = []
        if self.help_text:
            described.append(f"{self.auto_id}-hint")
        if self.errors:
            described.append(f"{self.auto_id}-error")
        if described:
            attrs["aria-describedby"] = " ".join(described)
        else:
            attrs.pop("aria-describedby", None)
        return attrs


class GovukFormRenderer(TemplatesSetting):
    """Renders `{{ form }}` and `{{ field.as_field_group }}` as GOV.UK form groups.

    TemplatesSetting lets templates/ override Django's widget templates, so
    radios and checkboxes carry GOV.UK markup without per-form code.
    """

    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"
    bound_field_class = GovukBoundField
