"""A form mixin that applies core.text's rules to every text field of a form."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .text import RefuseControlCharacters


class PlainTextFormMixin:
    """Refuse control characters in every text field, with a GOV.UK message.

    One-line fields (any CharField whose widget is not a textarea) refuse line
    breaks too; textareas keep line breaks and tabs. Password fields are left
    alone: what a person chose as a password is theirs.
    """

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField):
                continue
            if isinstance(field.widget, forms.PasswordInput):
                continue
            if isinstance(field, forms.EmailField | forms.URLField):
                continue  # their own validators already refuse control characters
            label = str(field.label or name.replace("_", " ").capitalize())
            multiline = isinstance(field.widget, forms.Textarea)
            field.validators.append(RefuseControlCharacters(label=label, multiline=multiline))


class GovukDateInput(forms.MultiWidget):
    """GOV.UK's date input pattern: day, month and year boxes in one fieldset.

    Browsers' own date pickers show US order to some people and are hard to use
    with a screen reader; GOV.UK asks for three numbers instead
    (design-system.service.gov.uk/patterns/dates). The field template gives
    the fieldset its legend, hint and error; this widget draws the three inputs.
    """

    template_name = "forms/widgets/govuk_date.html"
    PARTS = ("day", "month", "year")

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        numeric = {"inputmode": "numeric", "spellcheck": "false"}
        super().__init__({part: forms.TextInput(attrs=numeric) for part in self.PARTS}, attrs=attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value:
            try:
                parsed = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [parsed.day, parsed.month, parsed.year]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        attrs = dict(attrs or {})
        attrs.pop("aria-describedby", None)  # on the fieldset, as GOV.UK does
        attrs.pop("class", None)
        error = bool(attrs.pop("error", False))  # set by the GOV.UK bound field
        context = super().get_context(name, value, attrs)
        context["widget"]["error"] = error
        for part, subwidget in zip(self.PARTS, context["widget"]["subwidgets"], strict=True):
            subwidget["part"] = part
            subwidget["label"] = part.capitalize()
            # The day box keeps the field's own id, so the error summary's link lands on it.
            subwidget["attrs"]["id"] = (
                attrs.get("id", name) if part == "day" else f"{attrs.get('id', name)}_{part}"
            )
        return context

    def id_for_label(self, id_: str) -> str:
        return id_


class GovukDateField(forms.Field):
    """A date from three boxes, with the GOV.UK error messages for each way it can be wrong.

    `label_in_errors` starts each message ("Earliest start date must include a month").
    """

    widget = GovukDateInput

    def __init__(self, *, label_in_errors: str, **kwargs: Any) -> None:
        self.label_in_errors = label_in_errors
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        parts = [str(part or "").strip() for part in (value or ("", "", ""))]
        if not any(parts):
            return None
        name = self.label_in_errors
        missing = [
            label for label, part in zip(GovukDateInput.PARTS, parts, strict=True) if not part
        ]
        if missing:
            raise ValidationError(
                f"{name} must include a {' and '.join(missing)}", code="incomplete"
            )
        if not all(part.isdigit() for part in parts):
            raise ValidationError(f"{name} must be a real date", code="invalid")
        day, month, year = (int(part) for part in parts)
        if len(parts[2]) != 4:
            raise ValidationError("Year must include 4 numbers", code="year")
        try:
            return dt.date(year, month, day)
        except ValueError as error:
            raise ValidationError(f"{name} must be a real date", code="invalid") from error

    def prepare_value(self, value: Any) -> Any:
        return value
