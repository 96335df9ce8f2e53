"""allauth adapter: where people go after signing in, and how account emails leave.

Account emails (confirmation, "you already have an account", password reset)
are rendered here and sent through the outbox, like every other email. One path
for all of them means sign-up does the same work whether or not the address
is registered, so its timing tells nobody who has an account.

Every link in them is built from SITE_URL, not the request's host: behind a
proxy, or reached by an internal address, allauth's request.build_absolute_uri
would send people a link to a host they cannot reach (or one a forged Host
header chose), and the other emails already use SITE_URL.
"""

import uuid
from typing import Any
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.urls import reverse

from core.outbox import outbox_enqueue

from .selectors import membership_open


def _site_url(path: str) -> str:
    base: str = settings.SITE_URL
    return base.rstrip("/") + path


# Links allauth builds from the request's host outside the adapter, by email and
# context name, with the page each is for: send_mail rebuilds them from SITE_URL.
# (In the password reset email "password_reset_url" is the key link, which
# get_reset_password_from_key_url builds, so it is not listed.)
_CONTEXT_LINKS = {
    "account/email/account_already_exists": {
        "signup_url": "account_signup",
        "password_reset_url": "account_reset_password",
    },
    "account/email/unknown_account": {"signup_url": "account_signup"},
}


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth has no type hints
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if user.is_authenticated and not user.is_staff and membership_open(user=user) is None:
            return reverse("councils:join")
        url: str = super().get_login_redirect_url(request)
        return url

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """After sign-up the first sign-in happens on email confirmation; by then a
        matching email domain has already made the person an officer, so the
        same rule as any sign-in applies."""
        if request.user.is_authenticated:
            return self.get_login_redirect_url(request)
        url: str = super().get_signup_redirect_url(request)
        return url

    def get_email_confirmation_url(
        self, request: HttpRequest | None, emailconfirmation: Any
    ) -> str:
        return _site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # allauth's own path trick: its URL pattern has the user id and key apart.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return _site_url(path.replace("UID-KEY", quote(key)))

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render now (the request is needed for links), send through the outbox."""
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": get_current_site(request),
            # The service's own name and address: templates/account/email/ never
            # say "Hello from 127.0.0.1:8000" (the host allauth's defaults use).
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL.rstrip("/"),
            "contact_email": settings.SERVICE_CONTACT_EMAIL,
        }
        ctx.update(context)
        for name, url_name in _CONTEXT_LINKS.get(template_prefix, {}).items():
            if name in ctx:
                ctx[name] = _site_url(reverse(url_name))
        message = self.render_mail(template_prefix, email, ctx)
        html = next(
            (
                content
                for content, mimetype in getattr(message, "alternatives", [])
                if mimetype == "text/html" and isinstance(content, str)
            ),
            "",
        )
        # Each account email is its own logical message (a second reset
        # request is a second email), so the key is unique per call.
        outbox_enqueue(
            kind=f"account.{template_prefix.rsplit('/', 1)[-1]}",
            key=f"account:{template_prefix}:{uuid.uuid4().hex}",
            to=message.to,
            subject=str(message.subject),
            body=str(message.body),
            html=html,
            headers=dict(message.extra_headers),
        )
