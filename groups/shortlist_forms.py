"""Shortlist forms: adding a candidate (hidden fields, posted from Find a partner)
and an officer's notes on one."""

from django import forms

from core.forms import PlainTextFormMixin


class ShortlistAddForm(PlainTextFormMixin, forms.Form):
    service = forms.SlugField(max_length=100)
    candidate = forms.CharField(max_length=12)


class ShortlistNotesForm(PlainTextFormMixin, forms.Form):
    notes = forms.CharField(
        label="Notes",
        help_text="Seen by every officer of your organisation, and printed in the pack.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": "Notes must be 2,000 characters or fewer"},
    )
