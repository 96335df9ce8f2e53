"""Thin Celery tasks for memberships: take ids and ISO dates, call one service.

Beat runs `join_request_reminders_task` on weekday mornings (CELERY_BEAT_SCHEDULE);
it honours the JOIN_REQUEST_REMINDERS_ENABLED off switch and passes the same
moment to every per-request task, so a retried task judges "3 working days"
as the coordinator did.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


def _when(now_iso: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()


@shared_task(acks_late=True)
def join_request_reminders_task(now_iso: str | None = None) -> int:
    """Coordinator: one small task per request waiting too long."""
    if not settings.JOIN_REQUEST_REMINDERS_ENABLED:
        return 0
    now = _when(now_iso)
    ids = services.join_request_reminders_due(now=now)
    for membership_id in ids:
        join_request_reminder_task.delay(membership_id, now.isoformat())
    return len(ids)


@shared_task(acks_late=True)
def join_request_reminder_task(membership_id: int, now_iso: str | None = None) -> bool:
    return services.join_request_remind(membership_id=membership_id, now=_when(now_iso))
