"""Forms for what a council says about itself. Rendered with GOV.UK markup by
marketplace.forms.GovukFormRenderer; error messages follow the GOV.UK style
(say what to do, not what went wrong)."""

import re

from django import forms

from core.forms import PlainTextFormMixin

from .models import AuthorityProfile

# Digits with the usual separators; at least 7 digits (a short local number).
PHONE_RE = re.compile(r"^\+?[\d\s().-]{7,40}$")


class AuthorityProfileForm(PlainTextFormMixin, forms.ModelForm[AuthorityProfile]):
    """Only checks the input; councils.services.authority_profile_update saves it."""

    website = forms.URLField(
        required=False,
        max_length=200,
        assume_scheme="https",  # "example.gov.uk" becomes https://example.gov.uk
        help_text="For example, https://www.adur-worthing.gov.uk/shared-services",
        error_messages={
            "invalid": "Enter a website address in the correct format, "
            "like https://www.example.gov.uk",
            "max_length": "Website must be 200 characters or fewer",
        },
        widget=forms.URLInput(attrs={"spellcheck": "false"}),
    )

    class Meta:
        model = AuthorityProfile
        fields = [
            "description",
            "open_to_sharing",
            "contact_name",
            "contact_email",
            "contact_phone",
            "website",
        ]
        labels = {
            "description": "About your council",
            "open_to_sharing": "Open to sharing statement",
            "contact_name": "Contact name",
            "contact_email": "Contact email address",
            "contact_phone": "Contact telephone number",
            "website": "Website",
        }
        help_texts = {
            "description": "What other councils should know about you. "
            "You can enter up to 5,000 characters.",
            "open_to_sharing": "Which services you would share, and how (for example as lead "
            "authority or through a shared team). You can enter up to 2,000 characters.",
            "contact_name": "The person or team other councils should contact.",
            "contact_email": "Use a shared team inbox if you can.",
            "contact_phone": "For example, 01632 960 001.",
        }
        error_messages = {
            "description": {
                "max_length": "About your council must be 5,000 characters or fewer",
            },
            "open_to_sharing": {
                "max_length": "Open to sharing statement must be 2,000 characters or fewer",
            },
            "contact_name": {"max_length": "Contact name must be 200 characters or fewer"},
            "contact_email": {
                "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
                "max_length": "Contact email address must be 254 characters or fewer",
            },
            "contact_phone": {
                "max_length": "Contact telephone number must be 40 characters or fewer",
            },
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "open_to_sharing": forms.Textarea(attrs={"rows": 5}),
            "contact_name": forms.TextInput(
                attrs={"class": "govuk-!-width-two-thirds", "autocomplete": "name"}
            ),
            "contact_email": forms.EmailInput(
                attrs={"autocomplete": "email", "spellcheck": "false"}
            ),
            "contact_phone": forms.TextInput(
                attrs={"type": "tel", "class": "govuk-input--width-20", "autocomplete": "tel"}
            ),
        }

    def clean_contact_phone(self) -> str:
        phone: str = self.cleaned_data["contact_phone"].strip()
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                "Enter a telephone number, like 01632 960 001 or +44 808 157 0192",
                code="invalid",
            )
        return phone
