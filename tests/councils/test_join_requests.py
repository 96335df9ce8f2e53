"""Join requests that get answered: who is emailed, the staff queue, reminders after
3 working days, and what the person asking sees.

Emails are read from what was really sent (locmem `mailoutbox`, after the
outbox's on-commit hand-over), never from a mock.
"""

import datetime as dt
import re
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from core.models import OutboxMessage
from councils import selectors, services, tasks
from councils.models import Authority, EmailPreference, Membership, User
from tests.commits import committing
from tests.factories import MembershipFactory, UserFactory, officer_of, totp_code

pytestmark = pytest.mark.django_db

ADUR = "E07000223"
WORTHING = "E07000229"
LONDON = ZoneInfo("Europe/London")


def _user(**kwargs: Any) -> User:
    return cast(User, UserFactory(**kwargs))


def _ask(client: Client, user: User, gss_code: str = ADUR) -> Any:
    client.force_login(user)
    with committing():
        return client.post(
            "/councils/join/",
            {
                "authority": gss_code,
                "full_name": "Pat Jones",
                "job_title": "Planner",
                "message": "I run planning.",
            },
        )


def _staff(**kwargs: Any) -> User:
    return _user(is_staff=True, **kwargs)


def test_request_emails_each_admin_of_the_organisation_and_not_staff(client, mailoutbox):
    admin_a = officer_of(ADUR, role=Membership.Role.ADMIN, email="a@adur.example.gov.uk")
    admin_b = officer_of(ADUR, role=Membership.Role.ADMIN, email="b@adur.example.gov.uk")
    officer_of(ADUR, email="officer@adur.example.gov.uk")  # officers do not decide
    _staff(email="staff@example.org")
    asker = _user(email="pat@example.org")

    assert _ask(client, asker).status_code == 302

    assert sorted(m.to[0] for m in mailoutbox) == sorted([admin_a.email, admin_b.email])
    message = mailoutbox[0]
    assert message.subject == (
        "[Find a shared service partner] Pat Jones asks to join Adur District Council"
    )
    membership = Membership.objects.get(user=asker)
    assert f"/councils/{ADUR}/members/{membership.pk}/decide/" in message.body
    assert "You are an authority admin of Adur District Council" in message.body
    assert "I run planning." in message.body


def test_request_to_an_organisation_with_no_admin_emails_staff_with_the_queue(
    client, mailoutbox, settings
):
    settings.SITE_URL = "http://portal.example:8250"
    staff = _staff(email="staff@example.org")
    _staff(email="gone@example.org", is_active=False)
    officer_of(ADUR)  # an officer, not an admin: staff must decide

    _ask(client, _user())

    assert [m.to for m in mailoutbox] == [[staff.email]]
    body = mailoutbox[0].body
    assert "has no authority admin yet, so site staff decide" in body
    assert "http://portal.example:8250/councils/join-requests/" in body
    # Every link in the email is built from SITE_URL.
    for link in re.findall(r"https?://\S+", body):
        assert link.startswith("http://portal.example:8250/"), link


def test_request_email_is_queued_once_per_request_and_recipient(client):
    officer_of(ADUR, role=Membership.Role.ADMIN)
    _ask(client, _user())
    membership = Membership.objects.get(status=Membership.Status.PENDING)

    with committing():
        again = services._join_request_email(membership, reminder=False)

    assert again == 0
    assert OutboxMessage.objects.filter(kind="membership.request").count() == 1


def test_admin_who_turned_join_request_emails_off_is_not_emailed(client, mailoutbox):
    quiet = officer_of(ADUR, role=Membership.Role.ADMIN)
    loud = officer_of(ADUR, role=Membership.Role.ADMIN)
    EmailPreference.objects.create(user=quiet, join_requests=False)

    _ask(client, _user())

    assert [m.to for m in mailoutbox] == [[loud.email]]


def test_pending_page_says_who_decides_admins_by_name(client):
    officer_of(ADUR, role=Membership.Role.ADMIN, full_name="Alex Admin")

    _ask(client, _user())
    text = client.get("/councils/join/").content.decode()

    assert "Waiting for approval" in text
    assert "Adur’s authority admin: Alex Admin" in text


def test_pending_page_says_staff_decide_when_there_is_no_admin(client):
    _ask(client, _user())

    text = client.get("/councils/join/").content.decode()

    assert "has no authority admin on this service yet, so the service’s staff decide" in text


# The staff queue ---------------------------------------------------------------


def _staff_client(client: Client) -> User:
    staff = _staff()
    client.force_login(staff)
    return staff


def _pending(gss_code: str, created: dt.datetime) -> Membership:
    membership = cast(
        Membership,
        MembershipFactory(
            authority=Authority.objects.get(gss_code=gss_code),
            status=Membership.Status.PENDING,
            method=Membership.Method.REQUEST,
        ),
    )
    Membership.objects.filter(pk=membership.pk).update(created_at=created)
    return membership


def test_staff_queue_lists_pending_requests_oldest_first_with_working_day_age(client):
    _staff_client(client)
    now = timezone.now()
    newer = _pending(WORTHING, now - dt.timedelta(hours=1))
    older = _pending(ADUR, now - dt.timedelta(days=10))
    officer_of(WORTHING, role=Membership.Role.ADMIN)

    response = client.get("/councils/join-requests/")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(older.user.email) < html.index(newer.user.email)
    rows = selectors.staff_join_queue(today=timezone.localdate())
    assert [r.membership.pk for r in rows] == [older.pk, newer.pk]
    assert rows[0].working_days_old >= 6  # 10 calendar days hold at least 6 working days
    assert rows[0].admin_count == 0 and rows[1].admin_count == 1
    assert "Staff: it has no authority admin" in html
    assert "Overdue" in html


def test_staff_queue_queries_do_not_grow_with_requests(client, django_assert_max_num_queries):
    _staff_client(client)
    for i in range(30):
        _pending(ADUR if i % 2 else WORTHING, timezone.now() - dt.timedelta(days=i))

    with django_assert_max_num_queries(7):
        response = client.get("/councils/join-requests/")

    assert response.status_code == 200
    assert response.content.decode().count('class="govuk-summary-card__title"') == 30


def test_staff_queue_is_closed_to_officers_and_admins(client):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))

    assert client.get("/councils/join-requests/").status_code == 403


def test_staff_queue_is_closed_to_staff_without_an_authenticator(client, settings):
    # Even with the site-wide MFA middleware turned off, the view checks for itself.
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(_user(is_staff=True, totp=False))

    assert client.get("/councils/join-requests/").status_code == 403


def test_staff_signed_in_with_totp_decides_from_the_queue(client, mailoutbox):
    staff = _staff(email="mo@example.org")
    pending = _pending(ADUR, timezone.now() - dt.timedelta(days=1))
    client.post("/accounts/login/", {"login": staff.email, "password": "correct-horse-battery"})
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})

    queue = client.get("/councils/join-requests/").content.decode()
    decide = f"/councils/{ADUR}/members/{pending.pk}/decide/"
    assert decide in queue
    with committing():
        response = client.post(decide, {"decision": "approve", "reason": ""})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Membership.Status.APPROVED
    assert pending.decided_by == staff
    assert [m.to for m in mailoutbox] == [[pending.user.email]]


# Reminders after 3 working days -------------------------------------------------


def _at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=LONDON)


def test_reminder_waits_three_working_days_skipping_a_bank_holiday(mailoutbox):
    """Asked Thursday 2 April 2026: Good Friday (3rd) and Easter Monday (6th) are bank
    holidays, so the three working days are 7, 8 and 9 April: no reminder on the
    8th, one on the 9th."""
    staff = _staff()
    pending = _pending(ADUR, _at(2026, 4, 2))

    assert tasks.join_request_reminders_task(_at(2026, 4, 8, 9).isoformat()) == 0
    with committing():
        assert tasks.join_request_reminders_task(_at(2026, 4, 9, 9).isoformat()) == 1

    pending.refresh_from_db()
    assert pending.reminded_at == _at(2026, 4, 9, 9)
    assert [m.to for m in mailoutbox] == [[staff.email]]
    assert mailoutbox[0].subject.startswith("[Find a shared service partner] Reminder: ")
    assert "is still waiting for an answer" in mailoutbox[0].body


def test_reminder_is_sent_once_however_often_the_job_runs(mailoutbox):
    _staff()
    _pending(ADUR, _at(2026, 11, 2))  # a Monday

    with committing():
        first = tasks.join_request_reminders_task(_at(2026, 11, 9).isoformat())
        second = tasks.join_request_reminders_task(_at(2026, 11, 10).isoformat())

    assert (first, second) == (1, 0)
    assert len(mailoutbox) == 1


def test_reminder_job_has_an_off_switch(settings, mailoutbox):
    settings.JOIN_REQUEST_REMINDERS_ENABLED = False
    _staff()
    pending = _pending(ADUR, _at(2026, 11, 2))

    with committing():
        assert tasks.join_request_reminders_task(_at(2026, 11, 9).isoformat()) == 0

    pending.refresh_from_db()
    assert pending.reminded_at is None
    assert mailoutbox == []


def test_reminders_have_their_own_switch_apart_from_new_requests(mailoutbox):
    """An admin who wants new requests but not reminders gets the first, not the second."""
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    colleague = officer_of(ADUR, role=Membership.Role.ADMIN)
    EmailPreference.objects.create(user=admin, join_request_reminders=False)
    pending = _pending(ADUR, _at(2026, 11, 2))

    with committing():
        assert services._join_request_email(pending, reminder=False) == 2
        assert services.join_request_remind(membership_id=pending.pk, now=_at(2026, 11, 9))

    kinds = {(m.kind, m.to[0]) for m in OutboxMessage.objects.all()}
    assert kinds == {
        ("membership.request", admin.email),
        ("membership.request", colleague.email),
        ("membership.request_reminder", colleague.email),
    }


def test_decided_request_is_not_reminded(mailoutbox):
    _staff()
    pending = _pending(ADUR, _at(2026, 11, 2))
    Membership.objects.filter(pk=pending.pk).update(status=Membership.Status.APPROVED)

    assert services.join_request_remind(membership_id=pending.pk, now=_at(2026, 11, 9)) is False
    assert mailoutbox == []


def test_reminder_is_scheduled_on_weekday_mornings(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["join-request-reminders"]

    assert entry["task"] == "councils.tasks.join_request_reminders_task"
    assert entry["schedule"].day_of_week == {1, 2, 3, 4, 5}


def test_splitting_the_switch_keeps_reminders_off_for_who_had_requests_off():
    """Migration 0010: the old single switch covered reminders too."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("councils.migrations.0010_email_preference_join_request_reminders")
    quiet, keen = _user(), _user()
    EmailPreference.objects.create(user=quiet, join_requests=False)
    EmailPreference.objects.create(user=keen)

    migration.keep_reminders_off_for_who_turned_requests_off(apps, None)

    assert EmailPreference.objects.get(user=quiet).join_request_reminders is False
    assert EmailPreference.objects.get(user=keen).join_request_reminders is True
