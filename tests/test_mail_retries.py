"""The outbox's send task retries transient SMTP errors and gives up at once on
permanent ones (marking the message failed for staff to see).

The SMTP server is the edge of the system, so the tests stand in for it with
an email backend that fails the way a real server does.
"""

import smtplib
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from core.mail import Failure, classify_mail_error
from core.models import OutboxMessage
from core.outbox import outbox_enqueue
from core.tasks import outbox_send_task
from marketplace.celery import app as celery_app

pytestmark = pytest.mark.django_db

ATTEMPTS: list[str] = []


class FlakyBackend(LocmemBackend):
    """Refuses with 421 (try later) twice, then delivers."""

    def send_messages(self, messages: Any) -> int:
        ATTEMPTS.append("try")
        if len(ATTEMPTS) <= 2:
            raise smtplib.SMTPResponseException(421, b"Service not available, try later")
        return super().send_messages(messages)


class RefusingBackend(LocmemBackend):
    """Refuses with 550 (mailbox unavailable): retrying cannot help."""

    def send_messages(self, messages: Any) -> int:
        ATTEMPTS.append("try")
        raise smtplib.SMTPResponseException(550, b"Mailbox unavailable")


@pytest.fixture
def message() -> OutboxMessage:
    ATTEMPTS.clear()
    row = outbox_enqueue(
        kind="test", key="test:retries", to=["sam@example.org"], subject="Hello", body="Hi"
    )
    assert row is not None
    return row


def test_transient_refusals_are_retried_until_the_email_goes(settings, monkeypatch, message):
    settings.EMAIL_BACKEND = "tests.test_mail_retries.FlakyBackend"
    # An eager retry re-applies the task with the app's propagate setting, so
    # let Celery run the retries instead of re-raising the first refusal.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    result = outbox_send_task.apply(args=(message.pk,), throw=False)
    assert result.successful()
    assert len(ATTEMPTS) == 3
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 3)


def test_a_permanent_refusal_is_not_retried(settings, message):
    settings.EMAIL_BACKEND = "tests.test_mail_retries.RefusingBackend"
    result = outbox_send_task.apply(args=(message.pk,), throw=False)
    assert result.failed()
    assert isinstance(result.result, smtplib.SMTPResponseException)
    assert len(ATTEMPTS) == 1
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "550" in message.last_error


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (smtplib.SMTPResponseException(421, b"later"), Failure.TRANSIENT),
        (smtplib.SMTPResponseException(550, b"no"), Failure.PERMANENT),
        (smtplib.SMTPServerDisconnected(), Failure.TRANSIENT),
        (ConnectionRefusedError(), Failure.TRANSIENT),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no")}), Failure.PERMANENT),
        (ValueError("bug"), Failure.PERMANENT),
    ],
)
def test_mail_errors_are_classified(exc, expected):
    assert classify_mail_error(exc) == expected
