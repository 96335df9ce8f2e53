"""The form that confirms a person means to delete their account."""

from typing import Any

from django import forms

from .models import User


class AccountDeleteForm(forms.Form):
    """Asks for the password again, so a session left open on a shared computer cannot
    delete someone's account."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        error_messages={"required": "Enter your password"},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not correct", code="wrong_password")
        return password
