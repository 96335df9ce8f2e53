"""Forms for expressing interest and marking its progress."""

from django import forms

from core.forms import PlainTextFormMixin
from offers.interest.services import MESSAGE_MAX_LENGTH
from offers.models import Interest


class InterestForm(PlainTextFormMixin, forms.Form):
    message = forms.CharField(
        label="Your message to the council",
        help_text="Say who you are, what your council is looking for and how to reach you. "
        "We will send it with your name, council and email address. Up to 2,000 characters.",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Enter a message to the council",
            "max_length": "Message must be 2,000 characters or fewer",
        },
    )


class InterestStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="How is it going?",
        choices=Interest.Status.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select the status of this expression of interest",
            "invalid_choice": "Select the status of this expression of interest",
        },
    )
