"""The email outbox: every email the service sends is a row first, then a send.

Why: an email queued straight to Celery can be lost (broker down when the
decision commits) or sent twice (a worker killed after the mail server
accepted it redelivers the task an hour later). Here the service that makes a
decision calls `outbox_enqueue` inside its transaction, so the row exists if
and only if the decision does, unique per logical message. After commit the
send task is queued; `outbox_send` claims the row with a conditional UPDATE,
sends it and marks it sent. A claim older than OUTBOX_CLAIM_TIMEOUT_SECONDS is
taken over; `outbox_relay` (beat) queues rows whose task never ran.

The one window left: the mail server accepted the message and the worker died
before `_mark_sent` committed. The row is then re-sent after the claim timeout,
so that one message can arrive twice. Nothing else can.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .mail import Failure, classify_mail_error
from .models import OutboxMessage
from .text import single_line

logger = logging.getLogger(__name__)

SEND_TASK = "core.tasks.outbox_send_task"
Status = OutboxMessage.Status


def outbox_enqueue(
    *,
    kind: str,
    key: str,
    to: Iterable[str],
    subject: str,
    body: str,
    html: str = "",
    reply_to: Iterable[str] = (),
    headers: dict[str, str] | None = None,
) -> OutboxMessage | None:
    """Record one message to send after the current transaction commits.

    Returns the new row, or None if a row with this key exists already (the
    decision was taken before: nothing more is sent). Call it inside the
    transaction that records the decision.
    """
    recipients = [address for address in to if address]
    if not recipients:
        logger.warning("Outbox: %s has no recipient; nothing to send", key)
        return None
    with transaction.atomic():
        message, created = OutboxMessage.objects.get_or_create(
            key=key[:255],
            defaults={
                "kind": kind,
                "to": recipients,
                "reply_to": list(reply_to),
                "headers": headers or {},
                "subject": single_line(subject)[:998],
                "body": body,
                "html": html,
            },
        )
    if not created:
        return None
    transaction.on_commit(partial(outbox_queue, message_id=message.pk))
    return message


def outbox_queue(*, message_id: int) -> bool:
    """Hand the row to a worker. A broker outage is logged, never raised: the
    decision has committed, and the relay will queue the row later."""
    try:
        # By name, so this module needs no import of core.tasks (which imports it);
        # through the registry rather than send_task, so eager mode runs it here.
        current_app.tasks[SEND_TASK].delay(message_id)
    except Exception:  # the broker is down or refused: the row waits for the relay
        logger.warning("Outbox: could not queue message %s; the relay will", message_id)
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # in-process sending: a failure here is the send itself failing
        return False
    return True


def _claim(message_id: int, *, now: dt.datetime) -> bool:
    """Take the row for this worker: pending, or a stale claim of a worker that died."""
    stale = now - dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    return bool(
        OutboxMessage.objects.filter(pk=message_id)
        .filter(Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=stale))
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def _email(message: OutboxMessage) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        subject=single_line(message.subject),
        body=message.body,
        to=message.to,
        reply_to=message.reply_to or None,
        headers={"X-Outbox-Key": message.key, **message.headers},
    )
    if message.html:
        email.attach_alternative(message.html, "text/html")
    return email


def outbox_send(*, message_id: int) -> bool:
    """Send one row if nobody else has. True if this call sent it.

    Transient mail errors put the row back to pending and re-raise, so the
    task retries with backoff; permanent refusals mark it failed (shown to
    staff with a retry button).
    """
    now = timezone.now()
    if not _claim(message_id, now=now):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        _email(message).send()
    except Exception as exc:
        transient = isinstance(exc, OSError) and classify_mail_error(exc) == Failure.TRANSIENT
        OutboxMessage.objects.filter(pk=message_id, claimed_at=now).update(
            status=Status.PENDING if transient else Status.FAILED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        raise
    # THE WINDOW: the mail server has accepted the message; if this process
    # dies before the next line commits, the claim goes stale and the relay
    # sends the message once more. Kept to this one UPDATE.
    _mark_sent(message_id, claimed_at=now)
    return True


def _mark_sent(message_id: int, *, claimed_at: dt.datetime) -> None:
    OutboxMessage.objects.filter(pk=message_id, claimed_at=claimed_at).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )


def outbox_due(*, now: dt.datetime | None = None) -> list[int]:
    """Rows the relay should queue: pending for longer than a task takes to start
    (its task was never queued, or was lost), or claimed by a worker that died."""
    now = now or timezone.now()
    settle = now - dt.timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS)
    stale = now - dt.timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    return list(
        OutboxMessage.objects.filter(
            Q(status=Status.PENDING, created_at__lt=settle)
            | Q(status=Status.SENDING, claimed_at__lt=stale)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[: settings.OUTBOX_RELAY_BATCH]
    )


def outbox_relay(*, now: dt.datetime | None = None) -> int:
    """Queue every due row again. Safe to run any time: the claim decides who sends."""
    queued = 0
    for message_id in outbox_due(now=now):
        queued += outbox_queue(message_id=message_id)
    return queued


@transaction.atomic
def outbox_retry(*, message_id: int) -> bool:
    """Staff put a failed or stuck message back in the queue. False if it was sent."""
    updated = (
        OutboxMessage.objects.filter(pk=message_id)
        .exclude(status=Status.SENT)
        .update(status=Status.PENDING, claimed_at=None, last_error="")
    )
    if updated:
        transaction.on_commit(partial(outbox_queue, message_id=message_id))
    return bool(updated)
