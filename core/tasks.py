"""Thin Celery tasks for the outbox: take ids, call one function in core.outbox."""

from typing import Any

from celery import shared_task
from django.conf import settings

from . import outbox
from .mail import retry_transient_mail_errors


@shared_task(bind=True, acks_late=True, max_retries=8, name=outbox.SEND_TASK)
def outbox_send_task(self: Any, message_id: int) -> bool:
    with retry_transient_mail_errors(self, base_delay=settings.OUTBOX_RETRY_BASE_SECONDS):
        return outbox.outbox_send(message_id=message_id)


@shared_task(acks_late=True, name="core.tasks.outbox_relay_task")
def outbox_relay_task() -> int:
    """Beat, every minute: queue rows whose task never ran or whose worker died."""
    if not settings.OUTBOX_RELAY_ENABLED:
        return 0
    return outbox.outbox_relay()
