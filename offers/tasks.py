"""Thin Celery tasks: take ids and ISO dates, call one service.

Beat runs `listings_expire_task` and `listing_expiry_reminders_task` daily
(CELERY_BEAT_SCHEDULE); both honour the LISTING_JOBS_ENABLED off switch.
Emails about decisions and interest are not sent from here: the deciding
service writes them to the outbox (core.outbox), which sends them.
"""

import datetime as dt
from typing import Any

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import digests, services


def _jobs_enabled() -> bool:
    return bool(getattr(settings, "LISTING_JOBS_ENABLED", True))


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


# --- Digests (offers/digests.py) ---------------------------------------------------------
# Beat calls digests_send_task at 07:00 UK time, daily and (Mondays) weekly. It
# fixes the period and fans out one digest_batch_task per batch of user ids with
# that period's run id, so a retry on Tuesday still sends Monday's digest.
# Off switch: DIGESTS_ENABLED.


@shared_task(acks_late=True)
def digests_send_task(frequency: str, period_start: str | None = None) -> int:
    """Coordinator. Returns how many batches it queued."""
    if not digests.digests_enabled():
        return 0
    day = (
        dt.date.fromisoformat(period_start)
        if period_start
        else digests.digest_period_start(frequency=frequency, today=timezone.localdate())
    )
    run, batches = digests.digest_run_start(frequency=frequency, period_start=day)
    for user_ids in batches:
        digest_batch_task.delay(run.pk, user_ids)
    return len(batches)


@shared_task(bind=True, acks_late=True, max_retries=6)
def digest_batch_task(self: Any, run_id: int, user_ids: list[int]) -> dict[str, int]:
    """Send one batch. Transient mail errors retry with exponential backoff (1, 2, 4...
    minutes); after the last retry the unsent rows are recorded as failed."""
    if not digests.digests_enabled():
        return {}
    try:
        result = digests.digest_batch_send(run_id=run_id, user_ids=user_ids)
    except digests.DigestTransientError as exc:
        if self.request.retries >= self.max_retries:
            digests.digest_batch_give_up(run_id=run_id, user_ids=user_ids, error=str(exc))
            return {"gave_up": len(user_ids)}
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    if result.busy:
        # Another worker holds these rows; look again once its claim would have expired.
        digest_batch_task.apply_async(
            (run_id, result.busy), countdown=digests.claim_timeout().total_seconds()
        )
    return {"sent": result.sent, "skipped": result.skipped, "failed": result.failed}
