"""Forms for joining a council, deciding requests, and allauth's account pages.

The allauth subclasses only change wording: GOV.UK labels in sentence case,
error messages that say what to do ("Enter your email address"), and no
placeholder text (the GOV.UK Design System advises against it because it
vanishes as people type). allauth's own validation is untouched.
"""

from typing import Any, cast

from allauth.account import forms as allauth_forms
from django import forms
from django.contrib.auth.hashers import make_password

from core.forms import PlainTextFormMixin

from .models import Authority, Membership

# Field name -> (label, message when left empty).
_ACCOUNT_WORDING: dict[str, tuple[str, str]] = {
    "login": ("Email address", "Enter your email address"),
    "email": ("Email address", "Enter your email address"),
    "password": ("Password", "Enter your password"),
    "oldpassword": ("Current password", "Enter your current password"),
    "password1": ("Password", "Enter a password"),
    "password2": ("Confirm password", "Enter the password again"),
    "remember": ("Keep me signed in on this device", ""),
}
_NEW_PASSWORD_WORDING: dict[str, tuple[str, str]] = {
    "password1": ("New password", "Enter a new password"),
    "password2": ("Confirm new password", "Enter the new password again"),
}
_EMAIL_INVALID = "Enter an email address in the correct format, like name@example.gov.uk"
_MISMATCH_ALLAUTH = "You must type the same password each time."
_MISMATCH_GOVUK = "Enter the same password in both fields"


def _govuk_wording(
    form: forms.BaseForm, overrides: dict[str, tuple[str, str]] | None = None
) -> None:
    """Relabel allauth's fields in GOV.UK style and drop their placeholders."""
    wording = {**_ACCOUNT_WORDING, **(overrides or {})}
    for name, field in form.fields.items():
        field.widget.attrs.pop("placeholder", None)
        if name in wording:
            label, required = wording[name]
            field.label = label
            if required:
                field.error_messages["required"] = required
        if isinstance(field, forms.EmailField):
            field.error_messages["invalid"] = _EMAIL_INVALID
            field.widget.attrs.setdefault("spellcheck", "false")


def _govuk_password_mismatch(form: forms.BaseForm) -> None:
    """Reword allauth's 'same password' error after its clean() has run."""
    errors = form.errors.get("password2")
    if errors is not None:
        form.errors["password2"] = form.error_class(
            [_MISMATCH_GOVUK if str(e) == _MISMATCH_ALLAUTH else str(e) for e in errors]
        )


class LoginForm(allauth_forms.LoginForm):  # type: ignore[misc]  # allauth has no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _govuk_wording(self)
        # The "Forgot your password?" link sits under the button instead.
        self.fields["password"].help_text = ""


class SignupForm(PlainTextFormMixin, allauth_forms.SignupForm):  # type: ignore[misc]  # allauth has no type hints
    """Sign up with a name as well, so council admins know who is asking to join."""

    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    field_order = ["full_name", "email", "password1", "password2"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _govuk_wording(self)
        self.fields["email"].help_text = (
            "Use your work address. If your council's email domain is registered "
            "with us you can act for your council as soon as you confirm it."
        )
        if "password1" in self.fields:
            self.fields["password1"].help_text = "Must be at least 12 characters."

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        _govuk_password_mismatch(self)
        return cleaned

    def try_save(self, request: Any) -> Any:
        """Do the new-account path's expensive work on the known-address path too.

        A new account hashes the password (about 300 ms with the production
        hasher); allauth's "account already exists" path does not, which told
        anyone timing the response whether an address is registered. Hashing
        the typed password and discarding the result makes both paths cost
        the same; both then queue one email through the same task.
        """
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1"))
        return super().try_save(request)

    def custom_signup(self, request: Any, user: Any) -> None:
        user.full_name = self.cleaned_data["full_name"].strip()
        user.save(update_fields=["full_name"])


class ResetPasswordForm(allauth_forms.ResetPasswordForm):  # type: ignore[misc]  # allauth has no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _govuk_wording(self)


class _NewPasswordWording(forms.Form):
    """GOV.UK wording for allauth's three "choose a new password" forms (a mixin:
    it comes first in their bases, so super() reaches allauth's form)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _govuk_wording(self, _NEW_PASSWORD_WORDING)
        self.fields["password1"].help_text = "Must be at least 12 characters."

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        _govuk_password_mismatch(self)
        return cleaned


class ResetPasswordKeyForm(_NewPasswordWording, allauth_forms.ResetPasswordKeyForm):  # type: ignore[misc]  # allauth has no type hints
    pass


class ChangePasswordForm(_NewPasswordWording, allauth_forms.ChangePasswordForm):  # type: ignore[misc]  # allauth has no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oldpassword"].help_text = ""


class SetPasswordForm(_NewPasswordWording, allauth_forms.SetPasswordForm):  # type: ignore[misc]  # allauth has no type hints
    pass


class AddEmailForm(allauth_forms.AddEmailForm):  # type: ignore[misc]  # allauth has no type hints
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _govuk_wording(self)
        self.fields["email"].label = "New email address"


class JoinRequestForm(PlainTextFormMixin, forms.Form):
    """Ask to act for a council. The council list comes from the view (a selector)."""

    authority = forms.ChoiceField(
        label="Your council",
        help_text="The council you work for. Councils are grouped by nation.",
        error_messages={
            "required": "Select your council",
            "invalid_choice": "Select your council from the list",
        },
    )
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={"required": "Enter your full name"},
        widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
    )
    job_title = forms.CharField(
        label="Job title",
        max_length=200,
        required=False,
        error_messages={"max_length": "Job title must be 200 characters or fewer"},
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    message = forms.CharField(
        label="Message to the people who decide",
        help_text="Its authority admins, or our staff if it has none. For example, your "
        "team and why you want to use the service.",
        max_length=1000,
        required=False,
        error_messages={"max_length": "Message must be 1,000 characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, authority_choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101  (narrows the type)
        field.choices = [("", "Choose your council"), *authority_choices]

    def clean_authority(self) -> Authority:
        gss_code = self.cleaned_data["authority"]
        authority = Authority.objects.current().filter(gss_code=gss_code).first()
        if authority is None:
            raise forms.ValidationError("Select your council from the list")
        return authority


class MembershipDecisionForm(PlainTextFormMixin, forms.Form):
    """Approve or reject a join request. A rejection needs a reason: the person is told it."""

    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("reject", "Reject")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether to approve or reject this request"},
    )
    reason = forms.CharField(
        label="Reason",
        help_text="Required if you reject the request. We will email it to the person.",
        max_length=1000,
        required=False,
        error_messages={"max_length": "Reason must be 1,000 characters or fewer"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("decision") == "reject" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Enter a reason for rejecting this request")
        return cleaned

    @property
    def approve(self) -> bool:
        decision: str = self.cleaned_data["decision"]
        return decision == "approve"


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        error_messages={
            "required": "Select a role",
            "invalid_choice": "Select officer or authority admin",
        },
    )


class InvitationForm(PlainTextFormMixin, forms.Form):
    email = forms.EmailField(
        label="Their work email address",
        max_length=254,
        help_text="We will email them a link. They join when they confirm this address.",
        error_messages={
            "required": "Enter their email address",
            "invalid": _EMAIL_INVALID,
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


NOTIFICATION_CHOICES = [
    (
        "join_requests",
        "Requests to join your organisation (authority admins, and site staff for "
        "organisations with no admin)",
    ),
    (
        "join_request_reminders",
        "Reminders of join requests still waiting after three working days",
    ),
    ("interest_updates", "Updates when a council marks interest you expressed"),
    (
        "group_suggestions",
        "When a listing you created first becomes part of a suggested consortium or swap",
    ),
]


class EmailNotificationsForm(PlainTextFormMixin, forms.Form):
    """The notification emails on the email preferences page (councils.EmailPreference)."""

    kinds = forms.MultipleChoiceField(
        label="Which other emails do you want?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=NOTIFICATION_CHOICES,
        help_text="Untick an email to stop it. Emails about your own account and listings "
        "always come.",
    )

    def __init__(self, *args: Any, moderator: bool = False, **kwargs: Any) -> None:
        """`moderator` adds the moderators' daily summary, so the one page where people
        turn emails off lists every email they can receive (stored in offers, which
        the view saves; this form only asks)."""
        super().__init__(*args, **kwargs)
        if moderator:
            field = cast(forms.MultipleChoiceField, self.fields["kinds"])
            field.choices = [*NOTIFICATION_CHOICES, MODERATION_SUMMARY_CHOICE]


MODERATION_SUMMARY_CHOICE = (
    "moderation_summary",
    "Moderators’ daily summary of new submissions and reports, at 8am on days when "
    "something new arrived (site staff with an authenticator app)",
)
