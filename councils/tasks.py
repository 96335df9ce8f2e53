"""Thin Celery tasks: take ids, call one service."""

from typing import Any

from celery import shared_task

from marketplace.mail import retry_transient_mail_errors

from . import services


@shared_task(bind=True, acks_late=True, max_retries=5)
def membership_decision_notify_task(self: Any, membership_id: int) -> None:
    with retry_transient_mail_errors(self):
        services.membership_decision_send_email(membership_id=membership_id)


@shared_task(
    bind=True, acks_late=True, max_retries=5, name="councils.tasks.account_email_send_task"
)
def account_email_send_task(self: Any, payload: dict[str, Any]) -> None:
    """Send an account email allauth asked for (rendered by councils.adapters)."""
    from .adapters import email_message_from_payload

    with retry_transient_mail_errors(self):
        email_message_from_payload(payload).send()
