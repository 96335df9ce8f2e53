"""A form mixin that applies core.text's rules to every text field of a form."""

from typing import Any

from django import forms

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
