"""Email tasks retry transient SMTP errors and give up at once on permanent ones.

The SMTP server is the edge of the system, so the tests stand in for it with
an email backend that fails the way a real server does.
"""

import smtplib
from typing import Any, cast

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from councils.models import Authority, Membership, User
from councils.services import membership_request
from councils.tasks import membership_decision_notify_task
from marketplace.celery import app as celery_app
from marketplace.mail import Failure, classify_mail_error
from tests.factories import UserFactory

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
def decided_membership() -> Membership:
    ATTEMPTS.clear()
    user = cast(User, UserFactory())
    membership = membership_request(
        user=user, authority=Authority.objects.get(gss_code="E07000223"), message="Hello"
    )
    Membership.objects.filter(pk=membership.pk).update(status=Membership.Status.REJECTED)
    return membership


def test_transient_refusals_are_retried_until_the_email_goes(
    settings, monkeypatch, decided_membership
):
    settings.EMAIL_BACKEND = "tests.test_mail_retries.FlakyBackend"
    # An eager retry re-applies the task with the app's propagate setting, so
    # let Celery run the retries instead of re-raising the first refusal.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    result = membership_decision_notify_task.apply(args=(decided_membership.pk,), throw=False)
    assert result.successful()
    assert len(ATTEMPTS) == 3
    assert len(mail.outbox) == 1


def test_a_permanent_refusal_is_not_retried(settings, decided_membership):
    settings.EMAIL_BACKEND = "tests.test_mail_retries.RefusingBackend"
    result = membership_decision_notify_task.apply(args=(decided_membership.pk,), throw=False)
    assert result.failed()
    assert isinstance(result.result, smtplib.SMTPResponseException)
    assert len(ATTEMPTS) == 1
    assert mail.outbox == []


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
