"""The moderators' daily summary email: what arrived in the 24 hours before 08:00.

Beat calls offers.tasks.moderation_summary_task each morning with no date; it
passes the day on, so a retry on another day still reports the day it was for.
One outbox row per (day, moderator), unique by key, so a re-run sends nothing
more. Moderators are staff with an authenticator app (the people who can act
on it) who have not turned the email off (ModeratorPreference). A day with
nothing new sends nothing.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse

from core.outbox import outbox_enqueue
from councils.models import User
from offers.models import Listing, ListingEvent, ModeratorPreference, Report

SUMMARY_HOUR = 8  # UK time: after the night's submissions, before the working day


@dataclass(frozen=True)
class ModerationSummary:
    day: dt.date
    submitted: list[Listing]
    edits_held: list[Listing]
    reports: list[Report]
    waiting_total: int

    @property
    def is_empty(self) -> bool:
        return not (self.submitted or self.edits_held or self.reports)


def summary_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """08:00 UK time the day before to 08:00 on `day` (clock changes included)."""
    london = ZoneInfo("Europe/London")
    end = dt.datetime.combine(day, dt.time(SUMMARY_HOUR), tzinfo=london)
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(SUMMARY_HOUR), tzinfo=london)
    return start, end


def moderation_summary_for(*, day: dt.date) -> ModerationSummary:
    """New submissions, held edits and reports in the window: four queries."""
    start, end = summary_window(day)

    def listings_with(action: str) -> list[Listing]:
        ids = ListingEvent.objects.filter(
            action=action, created_at__gte=start, created_at__lt=end
        ).values("listing_id")
        return list(
            Listing.objects.filter(pk__in=ids)
            .select_related("authority")
            .order_by("submitted_at", "pk")
        )

    return ModerationSummary(
        day=day,
        submitted=listings_with(ListingEvent.Action.SUBMITTED),
        edits_held=listings_with(ListingEvent.Action.EDIT_HELD),
        reports=list(
            Report.objects.filter(created_at__gte=start, created_at__lt=end)
            .select_related("listing")
            .order_by("created_at", "pk")
        ),
        waiting_total=Listing.objects.filter(status=Listing.Status.SUBMITTED).count(),
    )


def moderation_summary_recipients() -> QuerySet[User]:
    """Active staff with an authenticator app who have not turned the summary off."""
    with_totp = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
    opted_out = ModeratorPreference.objects.filter(daily_summary=False).values("user_id")
    return (
        User.objects.filter(is_active=True, is_staff=True, pk__in=with_totp)
        .exclude(pk__in=opted_out)
        .order_by("pk")
    )


def moderation_summary_send(*, day: dt.date) -> int:
    """Queue the day's summary for each moderator; returns how many were queued.

    Safe to re-run: the outbox key is unique per (day, moderator).
    """
    summary = moderation_summary_for(day=day)
    if summary.is_empty:
        return 0
    queue_url = settings.SITE_URL.rstrip("/") + reverse("offers:moderation_queue")
    context = {"summary": summary, "queue_url": queue_url, "site_name": settings.SITE_NAME}
    body = render_to_string("offers/email/moderation_summary.txt", context)
    subject = (
        f"[{settings.SITE_NAME}] Moderation summary for {day:%-d %B %Y}: "
        f"{len(summary.submitted)} submitted, {len(summary.reports)} reported"
    )
    queued = 0
    with transaction.atomic():
        for user in moderation_summary_recipients():
            message = outbox_enqueue(
                kind="moderation.summary",
                key=f"moderation.summary:{day.isoformat()}:{user.pk}",
                to=[user.email],
                subject=subject,
                body=body,
            )
            queued += message is not None
    return queued


def moderator_preference(*, user: User) -> ModeratorPreference:
    return ModeratorPreference.objects.filter(user=user).first() or ModeratorPreference(user=user)


@transaction.atomic
def moderator_preference_set(*, user: User, daily_summary: bool) -> ModeratorPreference:
    preference, _ = ModeratorPreference.objects.update_or_create(
        user=user, defaults={"daily_summary": daily_summary}
    )
    return preference
