"""Thin Celery tasks: take ids and ISO dates, call one service.

Beat runs `listings_expire_task` and `listing_expiry_reminders_task` daily
(CELERY_BEAT_SCHEDULE); both honour the LISTING_JOBS_ENABLED off switch.
Emails about decisions and interest are not sent from here: the deciding
service writes them to the outbox (core.outbox), which sends them.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from offers import services
from offers.moderation import summary


def _jobs_enabled() -> bool:
    enabled: bool = settings.LISTING_JOBS_ENABLED
    return enabled


def _when(now_iso: str | None) -> dt.datetime:
    return dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()


@shared_task(acks_late=True)
def listings_expire_task(now_iso: str | None = None) -> int:
    if not _jobs_enabled():
        return 0
    return services.listing_expire_due(now=_when(now_iso))


@shared_task(acks_late=True)
def listing_expiry_reminders_task(now_iso: str | None = None) -> int:
    """Coordinator: one small task per listing, each passed the same moment."""
    if not _jobs_enabled():
        return 0
    now = _when(now_iso)
    ids = services.listing_expiry_reminders_due(now=now)
    for listing_id in ids:
        listing_expiry_reminder_task.delay(listing_id, now.isoformat())
    return len(ids)


@shared_task(acks_late=True)
def listing_expiry_reminder_task(listing_id: int, now_iso: str | None = None) -> bool:
    return services.listing_expiry_reminder_send(listing_id=listing_id, now=_when(now_iso))


@shared_task(acks_late=True)
def moderation_summary_task(day_iso: str | None = None) -> int:
    """Beat, 08:00: the moderators' summary of the day given (today, UK time, when none)."""
    if not settings.MODERATION_SUMMARY_ENABLED:
        return 0
    day = dt.date.fromisoformat(day_iso) if day_iso else timezone.localdate()
    return summary.moderation_summary_send(day=day)
