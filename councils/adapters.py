"""allauth adapter: after sign-in, send people without a council to the join page."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        from .selectors import membership_open

        user = request.user
        if user.is_authenticated and not user.is_staff and membership_open(user=user) is None:
            return reverse("councils:join")
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """After sign-up the first sign-in happens on email confirmation; by then a
        matching email domain has already made the person an officer, so the
        same rule as any sign-in applies."""
        if request.user.is_authenticated:
            return self.get_login_redirect_url(request)
        return super().get_signup_redirect_url(request)
