"""Thin Celery tasks: take ids, call one service."""

from celery import shared_task

from . import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def membership_decision_notify_task(membership_id: int) -> None:
    services.membership_decision_send_email(membership_id=membership_id)
