"""The moderators' daily summary email: once per day and moderator, only when
something arrived, with an off switch for the service and for each moderator."""

import datetime as dt
import re
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from core.models import OutboxMessage
from councils.models import User
from offers.models import Listing, ListingEvent, ModeratorPreference, Report
from offers.moderation.summary import moderation_summary_send, summary_window
from offers.tasks import moderation_summary_task
from tests.factories import UserFactory

from .factories import ReportFactory, make_listing

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 30)
LONDON = ZoneInfo("Europe/London")


def submitted_at(when: dt.datetime, title: str) -> Listing:
    listing = make_listing(status=Listing.Status.SUBMITTED, submitted_at=when, title=title)
    ListingEvent.objects.create(
        listing=listing,
        action=ListingEvent.Action.SUBMITTED,
        from_status="draft",
        to_status="submitted",
        version=2,
        created_at=when,
    )
    return listing


def test_the_window_is_the_24_hours_to_8am_uk_time():
    start, end = summary_window(DAY)
    assert start == dt.datetime(2026, 11, 29, 8, tzinfo=LONDON)
    assert end == dt.datetime(2026, 11, 30, 8, tzinfo=LONDON)


def test_summary_lists_the_days_submissions_and_reports_once_per_moderator():
    moderator = UserFactory(is_staff=True)
    opted_out = cast(User, UserFactory(is_staff=True))
    ModeratorPreference.objects.create(user=opted_out, daily_summary=False)
    UserFactory(is_staff=True, totp=False)  # cannot act on it: no second factor
    UserFactory()  # not staff
    submitted_at(dt.datetime(2026, 11, 29, 20, tzinfo=LONDON), "Evening submission")
    submitted_at(dt.datetime(2026, 11, 29, 7, tzinfo=LONDON), "Before the window")
    report = cast(Report, ReportFactory(reason="Advertises a product"))
    report.created_at = dt.datetime(2026, 11, 30, 7, 59, tzinfo=LONDON)
    report.save()

    assert moderation_summary_send(day=DAY) == 1
    assert moderation_summary_send(day=DAY) == 0  # a re-run sends nothing more
    message = OutboxMessage.objects.get(kind="moderation.summary")
    assert message.to == [moderator.email]
    assert "1 submitted, 1 reported" in message.subject
    assert "Evening submission" in message.body
    assert "Before the window" not in message.body
    assert "Advertises a product" in message.body


def test_a_quiet_day_sends_nothing():
    UserFactory(is_staff=True)
    assert moderation_summary_send(day=DAY) == 0
    assert not OutboxMessage.objects.exists()


def test_the_off_switch_stops_the_beat_task(settings):
    UserFactory(is_staff=True)
    submitted_at(dt.datetime(2026, 11, 29, 20, tzinfo=LONDON), "Evening submission")
    settings.MODERATION_SUMMARY_ENABLED = False
    assert moderation_summary_task(DAY.isoformat()) == 0
    settings.MODERATION_SUMMARY_ENABLED = True
    assert moderation_summary_task(DAY.isoformat()) == 1


def test_beat_runs_the_summary_each_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["moderation-summary"]
    assert entry["task"] == "offers.tasks.moderation_summary_task"
    assert entry["schedule"].hour == {8}


SUMMARY_TICKED = re.compile(r'value="moderation_summary"[^>]*\bchecked\b')


def test_a_moderator_turns_the_summary_off_on_the_email_preferences_page(client):
    """The one switch is on the email preferences page, shown to moderators only, and
    unticking it there stops that moderator's summary (and nobody else's)."""
    moderator = cast(User, UserFactory(is_staff=True))
    colleague = UserFactory(is_staff=True)
    submitted_at(dt.datetime(2026, 11, 29, 20, tzinfo=LONDON), "Evening submission")
    client.force_login(moderator)
    page = client.get("/listings/digests/").content.decode()
    assert "Moderators’ daily summary" in page
    assert SUMMARY_TICKED.search(page)  # on by default
    assert page.count('name="notifications-kinds"') == 5

    client.post(
        "/listings/digests/notifications/",
        {"notifications-kinds": ["join_requests", "interest_updates", "group_suggestions"]},
    )

    page = client.get("/listings/digests/").content.decode()
    assert 'value="moderation_summary"' in page
    assert not SUMMARY_TICKED.search(page)
    assert moderation_summary_send(day=DAY) == 1
    assert OutboxMessage.objects.get(kind="moderation.summary").to == [colleague.email]

    client.post("/listings/digests/notifications/", {"notifications-kinds": ["moderation_summary"]})
    assert ModeratorPreference.objects.get(user=moderator).daily_summary is True


def test_the_summary_switch_is_not_offered_to_people_who_cannot_moderate(client, settings):
    settings.STAFF_MFA_REQUIRED = False  # let staff without an app reach the page at all
    for user in (UserFactory(), UserFactory(is_staff=True, totp=False)):
        client.force_login(user)
        page = client.get("/listings/digests/").content.decode()
        assert "Moderators’ daily summary" not in page
        assert page.count('name="notifications-kinds"') == 4
        client.post("/listings/digests/notifications/", {"notifications-kinds": []})
    assert not ModeratorPreference.objects.exists()  # an officer's post cannot set it
