"""The message sent to every member when a conversation is started."""

from django import forms

from core.forms import PlainTextFormMixin
from offers.interest.services import MESSAGE_MAX_LENGTH


class ConversationForm(PlainTextFormMixin, forms.Form):
    message = forms.CharField(
        label="Your message to every other member",
        help_text="Say who you are, why this group could work and how to reach you. Each "
        "listing's contact gets it with your name, organisation and email address. Up to "
        "2,000 characters.",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": "Enter a message to the other members",
            "max_length": "Message must be 2,000 characters or fewer",
        },
    )
