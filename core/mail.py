"""How every email-sending task treats mail errors: retry the transient, record the rest.

SMTPException subclasses OSError, so Celery's `autoretry_for=(OSError,)` would
retry a permanent 5xx refusal too; tasks use `retry_transient_mail_errors`.
"""

import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

logger = logging.getLogger(__name__)


class Failure(StrEnum):
    TRANSIENT = "transient"
    PERMANENT = "permanent"


def classify_mail_error(exc: BaseException) -> Failure:
    """4xx replies and lost connections are worth retrying; 5xx replies are not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return (
            Failure.TRANSIENT if codes and all(400 <= c < 500 for c in codes) else Failure.PERMANENT
        )
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return Failure.TRANSIENT
    if isinstance(exc, smtplib.SMTPResponseException):
        return Failure.TRANSIENT if 400 <= exc.smtp_code < 500 else Failure.PERMANENT
    if isinstance(exc, OSError):  # refused, reset, timed out, DNS
        return Failure.TRANSIENT
    return Failure.PERMANENT


@contextmanager
def retry_transient_mail_errors(task: Any, *, base_delay: int = 60) -> Iterator[None]:
    """Inside a bound Celery task: retry transient mail errors with exponential backoff.

    A permanent error is logged and re-raised, so the task fails once and is
    visible in the worker's log instead of being retried against a refusal.
    """
    try:
        yield
    except Exception as exc:
        if isinstance(exc, OSError) and classify_mail_error(exc) == Failure.TRANSIENT:
            raise task.retry(exc=exc, countdown=base_delay * 2**task.request.retries) from exc
        if isinstance(exc, OSError):
            logger.error("Permanent mail failure in %s: %s", task.name, exc)
        raise
