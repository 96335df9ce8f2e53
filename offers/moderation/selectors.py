"""Reads for moderators: the queue, one listing's review page, reports.

Views call these; they never write. Screening runs here over the text the
moderator is about to read (offers.moderation.screening is pure), so an edit made while
a listing waits is screened too and a change to the term list applies at once.
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, cast

from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django_stubs_ext import WithAnnotations

from councils.models import User
from councils.selectors import user_can_act_for
from offers.models import Listing, ListingEvent, Report, ScreeningTerm
from offers.moderation.screening import Flag, screen_listing_fields
from offers.selectors import Access, listing_access, listing_for_page, listing_history
from offers.services import (
    SNAPSHOT_FIELDS,
    field_label,
    listing_field_values,
    listing_held_version,
)

Status = Listing.Status


def user_is_moderator(*, user: User) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def screening_terms() -> list[str]:
    return list(ScreeningTerm.objects.filter(is_active=True).values_list("term", flat=True))


def listing_flags(*, listing: Listing, terms: list[str]) -> list[Flag]:
    return screen_listing_fields(
        title=listing.title, summary=listing.summary, description=listing.description, terms=terms
    )


@dataclass
class QueueItem:
    listing: Listing
    flags: list[Flag]
    open_reports: int
    first_submission: bool
    waiting_since: dt.datetime | None


@dataclass
class ModerationQueue:
    submitted: list[QueueItem] = field(default_factory=list)
    # Live listings edited since approval: published, or held back by screening.
    changed: list[QueueItem] = field(default_factory=list)
    reported: list[QueueItem] = field(default_factory=list)


def _open_report_count() -> Coalesce:
    counts = (
        Report.objects.filter(listing=OuterRef("pk"), status=Report.Status.OPEN)
        .order_by()
        .values("listing")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


class _Queued(TypedDict):
    open_reports: int


def moderation_queue() -> ModerationQueue:
    """Submitted listings oldest first; live listings changed since approval, oldest
    change first; then listings in any other state with open reports, the
    longest-waiting report first. Four queries however long the queue."""
    terms = screening_terms()
    # ListingQuerySet is not generic, so mypy forgets the annotation on iteration.
    base = cast(
        "QuerySet[WithAnnotations[Listing, _Queued]]",
        Listing.objects.select_related("authority", "service").annotate(
            open_reports=_open_report_count()
        ),
    )
    queue = ModerationQueue()
    for listing in base.filter(status=Status.SUBMITTED).order_by("submitted_at", "pk"):
        queue.submitted.append(
            QueueItem(
                listing=listing,
                flags=listing_flags(listing=listing, terms=terms),
                open_reports=listing.open_reports,
                first_submission=listing.published_snapshot is None,
                waiting_since=listing.submitted_at,
            )
        )
    changed = (
        base.filter(status=Status.PUBLISHED)
        .filter(Q(changed_since_approval_at__isnull=False) | Q(held_at__isnull=False))
        .annotate(since=Coalesce("held_at", "changed_since_approval_at"))
        .order_by("since", "pk")
    )
    for listing in changed:
        queue.changed.append(
            QueueItem(
                listing=listing,
                # A held edit is flagged by definition; its flags are on its review page.
                flags=listing_flags(listing=listing, terms=terms),
                open_reports=listing.open_reports,
                first_submission=False,
                waiting_since=min(
                    t for t in (listing.held_at, listing.changed_since_approval_at) if t
                ),
            )
        )
    open_reports = Report.objects.filter(listing=OuterRef("pk"), status=Report.Status.OPEN)
    reported = (
        base.filter(Exists(open_reports))
        .exclude(status=Status.SUBMITTED)
        .annotate(oldest_report=Min("reports__created_at", filter=Q(reports__status="open")))
        .order_by("oldest_report", "pk")
    )
    for listing in reported:
        queue.reported.append(
            QueueItem(
                listing=listing,
                flags=listing_flags(listing=listing, terms=terms),
                open_reports=listing.open_reports,
                first_submission=listing.published_snapshot is None,
                waiting_since=listing.oldest_report,
            )
        )
    return queue


@dataclass(frozen=True)
class DiffRow:
    name: str
    label: str
    old: Any
    new: Any


def snapshot_diff(
    *, before: Mapping[str, Any] | None, after: Mapping[str, Any], labels: Mapping[str, str]
) -> list[DiffRow] | None:
    """Fields that differ between the published snapshot and now, in form order.

    None means there is nothing to compare with: the listing was never published.
    Pure.
    """
    if before is None:
        return None
    return [
        DiffRow(name=name, label=labels.get(name, name), old=before.get(name), new=after.get(name))
        for name in after
        if before.get(name) != after.get(name)
    ]


@dataclass
class ReviewPage:
    listing: Listing
    diff: list[DiffRow] | None
    flags: list[Flag]
    open_reports: list[Report]
    closed_reports: list[Report]
    history: list[ListingEvent]
    # A held edit: the diff and the flags are of the text waiting, not of what is live.
    held: bool = False

    @property
    def live_changes(self) -> bool:
        """Published with edits since approval (live or held) for the moderator to review."""
        return self.listing.status == Status.PUBLISHED and self.listing.has_unreviewed_changes

    @property
    def decisions(self) -> list[str]:
        """What the moderator can decide now (see offers.moderation.services.Decision)."""
        if self.listing.status == Status.SUBMITTED:
            return ["approve", "request_changes", "reject"]
        if self.live_changes:
            return ["accept_changes", "revert_changes", "request_changes", "reject"]
        if self.listing.status == Status.PUBLISHED:
            return ["request_changes", "reject"]
        return []


def moderation_review(*, pk: int) -> ReviewPage | None:
    """Everything the review page shows for one listing, or None."""
    listing = listing_for_page(pk=pk)
    if listing is None:
        return None
    held = listing_held_version(listing=listing)
    if held is not None:
        shown, partners = held
        current = listing_field_values(listing=shown, partner_names=[a.name for a in partners])
    else:
        shown, current = listing, listing_field_values(listing=listing)
    reports = list(
        Report.objects.filter(listing=listing)
        .select_related("reporter", "resolved_by")
        .order_by("created_at", "pk")
    )
    return ReviewPage(
        listing=listing,
        diff=snapshot_diff(
            before=listing.published_snapshot,
            after=current,
            labels={name: field_label(name) for name in SNAPSHOT_FIELDS},
        ),
        flags=listing_flags(listing=shown, terms=screening_terms()),
        open_reports=[r for r in reports if r.status == Report.Status.OPEN],
        closed_reports=[r for r in reports if r.status != Report.Status.OPEN],
        history=list(listing_history(listing=listing)),
        held=held is not None,
    )


def report_for_page(*, pk: int) -> Report | None:
    return Report.objects.select_related("listing").filter(pk=pk).first()


def report_open_by(*, listing: Listing, user: User) -> Report | None:
    """The user's open report on this listing, if they have one."""
    if not user.is_authenticated:
        return None
    return Report.objects.filter(listing=listing, reporter=user, status=Report.Status.OPEN).first()


def listing_reportable_by(*, listing: Listing, user: User) -> bool:
    """Signed-in users who can see a published listing, other than its own council, may report it.

    Staff moderate directly rather than report.
    """
    if not user.is_authenticated or user.is_staff:
        return False
    if listing.status != Status.PUBLISHED:
        return False
    if listing_access(listing=listing, user=user) != Access.ALLOWED:
        return False
    return not user_can_act_for(user=user, authority=listing.authority)
