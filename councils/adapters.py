"""allauth adapter: where people go after signing in, and how account emails leave.

Account emails (confirmation, "you already have an account", password reset)
are rendered here and sent by a Celery task, like every other email. One path
for all of them means sign-up does the same work whether or not the address
is registered, so its timing tells nobody who has an account.
"""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse

from core.text import single_line


def email_message_to_payload(message: EmailMessage) -> dict[str, Any]:
    """What a task needs to send the message again: JSON, no objects."""
    alternatives = [
        [content, mimetype]
        for content, mimetype in getattr(message, "alternatives", [])
        if isinstance(content, str)
    ]
    return {
        "subject": single_line(str(message.subject)),
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "headers": dict(message.extra_headers),
        "alternatives": alternatives,
    }


def email_message_from_payload(payload: dict[str, Any]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        headers=payload["headers"],
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


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

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Render now (the request is needed for links), send from a task."""
        from .tasks import account_email_send_task  # tasks import services, not adapters

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        account_email_send_task.delay(email_message_to_payload(message))
