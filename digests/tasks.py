"""Thin Celery tasks for digests: take ids and ISO dates, call one service.

Beat calls digests_send_task at 07:00 UK time, daily and (Mondays) weekly. It
fixes the period and fans out one digest_batch_task per batch of user ids with
that period's run id, so a retry on Tuesday still sends Monday's digest.
Off switch: DIGESTS_ENABLED. The task names are pinned to where these tasks
lived before (offers.tasks) so beat entries and queued messages still resolve.
"""

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone

from . import services as digests

BATCH_TASK = "offers.tasks.digest_batch_task"


@shared_task(acks_late=True, name="offers.tasks.digests_send_task")
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


@shared_task(bind=True, acks_late=True, max_retries=6, name=BATCH_TASK)
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
