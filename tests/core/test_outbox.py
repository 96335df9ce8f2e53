"""The email outbox: one row per logical message, written with the decision,
sent once by whichever worker claims it, never lost when the broker is down."""

import datetime as dt
from typing import cast

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from councils.models import Authority, Membership, User
from councils.services import membership_decide, membership_request
from offers import services
from offers.interest import services as interest_services
from offers.models import Listing
from tests.commits import committing
from tests.factories import UserFactory, officer_of
from tests.offers.factories import ADUR, ARUN, make_listing

pytestmark = pytest.mark.django_db
S = OutboxMessage.Status


def _enqueue(key: str = "test:1", **kwargs: object) -> OutboxMessage | None:
    values: dict[str, object] = {
        "kind": "test",
        "key": key,
        "to": ["sam@example.org"],
        "subject": "Hello",
        "body": "Hi",
        **kwargs,
    }
    return outbox.outbox_enqueue(**values)  # type: ignore[arg-type]


def test_a_message_is_sent_after_commit_and_marked_sent():
    with committing():
        message = _enqueue()
        assert mail.outbox == []  # nothing leaves before the decision commits
    assert message is not None
    message.refresh_from_db()
    assert message.status == S.SENT and message.sent_at is not None
    assert [m.subject for m in mail.outbox] == ["Hello"]
    assert mail.outbox[0].extra_headers["X-Outbox-Key"] == "test:1"


def test_a_rolled_back_decision_leaves_no_message():
    with committing():
        try:
            with transaction.atomic():
                _enqueue()
                raise RuntimeError("the decision failed")
        except RuntimeError:
            pass
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_the_same_logical_message_is_recorded_once():
    with committing():
        first = _enqueue()
        second = _enqueue(subject="Hello again")
    assert first is not None and second is None
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_subject_is_always_one_line():
    message = _enqueue(subject="Payroll\r\nBcc: x@example.org")
    assert message is not None and message.subject == "Payroll Bcc: x@example.org"


def test_a_second_send_of_the_same_row_sends_nothing():
    message = _enqueue()
    assert message is not None
    assert outbox.outbox_send(message_id=message.pk) is True
    assert outbox.outbox_send(message_id=message.pk) is False
    assert len(mail.outbox) == 1


def test_a_fresh_claim_is_respected_and_a_stale_one_taken_over(settings):
    settings.OUTBOX_CLAIM_TIMEOUT_SECONDS = 300
    message = _enqueue()
    assert message is not None
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=S.SENDING, claimed_at=timezone.now() - dt.timedelta(seconds=60), attempts=1
    )
    assert outbox.outbox_send(message_id=message.pk) is False  # another worker has it
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - dt.timedelta(seconds=301)
    )
    assert outbox.outbox_send(message_id=message.pk) is True  # that worker died
    message.refresh_from_db()
    assert (message.status, message.attempts) == (S.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_broker_outage_at_commit_loses_nothing_and_the_relay_sends_it(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as in production: queue to a broker
    from celery import current_app

    task = current_app.tasks[outbox.SEND_TASK]

    def broker_down(*args: object, **kwargs: object) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(task, "delay", broker_down)
    with committing():
        message = _enqueue()  # the request does not fail
    assert message is not None
    message.refresh_from_db()
    assert message.status == S.PENDING and mail.outbox == []

    monkeypatch.undo()
    settings.CELERY_TASK_ALWAYS_EAGER = True
    soon = timezone.now() + dt.timedelta(seconds=5)
    assert outbox.outbox_due(now=soon) == []  # not yet: its task may still be on the way
    later = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_RELAY_AFTER_SECONDS + 1)
    assert outbox.outbox_relay(now=later) == 1
    message.refresh_from_db()
    assert message.status == S.SENT
    assert len(mail.outbox) == 1
    assert outbox.outbox_relay(now=later) == 0  # sent rows are never queued again


def test_the_relay_has_an_off_switch(settings):
    from core.tasks import outbox_relay_task

    settings.OUTBOX_RELAY_ENABLED = False
    _enqueue()
    assert outbox_relay_task.apply().get() == 0


# --- every kind of email goes through it -------------------------------------------------


def test_membership_decisions_are_outbox_messages_once_each(mailoutbox):
    adur = Authority.objects.get(gss_code=ADUR)
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    with committing():
        asking = membership_request(user=cast(User, UserFactory()), authority=adur, message="Hi")
    with committing():
        membership_decide(membership=asking, by=admin, approve=True)
    rows = sorted(OutboxMessage.objects.values_list("kind", "status"))
    # The request tells the organisation's admin; the decision tells the person who asked.
    assert rows == [("membership.decision", S.SENT), ("membership.request", S.SENT)]
    assert sorted(m.to[0] for m in mailoutbox) == sorted([admin.email, asking.user.email])


def test_listing_decisions_interest_and_reminders_are_outbox_messages(mailoutbox):
    staff = cast(User, UserFactory(is_staff=True))
    listing = make_listing(status=Listing.Status.SUBMITTED, submitted_at=timezone.now())
    with committing():
        published = services.listing_publish(listing=listing, by=staff)
        interest_services.interest_register(listing=published, by=officer_of(ARUN), message="Yes")
        Listing.objects.filter(pk=published.pk).update(
            expires_at=timezone.now() + dt.timedelta(days=2)
        )
        services.listing_expiry_reminder_send(listing_id=published.pk)
    kinds = sorted(OutboxMessage.objects.values_list("kind", flat=True))
    assert kinds == ["interest.received", "listing.decision", "listing.expiry_reminder"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {S.SENT}
    assert len(mailoutbox) == 3


def test_account_emails_are_outbox_messages(client):
    with committing():
        client.post(
            "/accounts/signup/",
            {
                "full_name": "Jo",
                "email": "jo@example.org",
                "password1": "correct-horse-battery",
                "password2": "correct-horse-battery",
            },
        )
    assert list(OutboxMessage.objects.values_list("kind", "status")) == [
        ("account.email_confirmation_signup", S.SENT)
    ]


# --- the staff page ----------------------------------------------------------------------


def test_staff_see_failed_and_stuck_messages_and_retry_one(client, django_assert_num_queries):
    old = timezone.now() - dt.timedelta(hours=2)
    failed = _enqueue("test:failed")
    stuck = _enqueue("test:stuck")
    _enqueue("test:fine")  # just queued: not a problem yet
    assert failed is not None and stuck is not None
    OutboxMessage.objects.filter(pk=failed.pk).update(status=S.FAILED, last_error="550 no")
    OutboxMessage.objects.filter(pk=stuck.pk).update(created_at=old)
    client.force_login(cast(User, UserFactory(is_staff=True)))

    page = client.get(reverse("core:outbox"))

    assert page.status_code == 200
    assert list(page.context["page_obj"]) == [failed, stuck] or list(page.context["page_obj"]) == [
        stuck,
        failed,
    ]
    assert "550 no" in page.content.decode()

    with committing():
        response = client.post(reverse("core:outbox_retry", kwargs={"message_id": failed.pk}))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == S.SENT
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(action="outbox.retry").count() == 1


def test_the_outbox_page_costs_the_same_queries_for_more_rows(client, django_assert_num_queries):
    client.force_login(cast(User, UserFactory(is_staff=True)))
    for n in range(2):
        message = _enqueue(f"test:f{n}")
        assert message is not None
        OutboxMessage.objects.filter(pk=message.pk).update(status=S.FAILED)
    client.get(reverse("core:outbox"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:outbox"))
    for n in range(2, 20):
        message = _enqueue(f"test:f{n}")
        assert message is not None
        OutboxMessage.objects.filter(pk=message.pk).update(status=S.FAILED)
    with django_assert_num_queries(len(few)):
        client.get(reverse("core:outbox"))


def test_only_staff_open_the_outbox_page(client):
    message = _enqueue()
    assert message is not None
    assert client.get(reverse("core:outbox"))["Location"].startswith("/accounts/login/")
    client.force_login(officer_of(ADUR))
    assert client.get(reverse("core:outbox")).status_code == 403
    retry = reverse("core:outbox_retry", kwargs={"message_id": message.pk})
    assert client.post(retry).status_code == 403
