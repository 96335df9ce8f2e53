"""Writes for moderation: decisions on listings, and reports from users.

Decisions go through offers.services (listing_publish / listing_request_changes /
listing_reject), which lock the listing, check the state machine, record a
ListingEvent and email the owner on commit. This module adds what reports
need: taking a listing down resolves its open reports in the same transaction.
"""

from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.ratelimit import rate_limit_take
from councils.models import User
from offers import services
from offers.lifecycle import ListingError, NotPermitted
from offers.models import Listing, Report
from offers.moderation.selectors import listing_reportable_by

REASON_MAX_LENGTH = 2000


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    # On a live listing's changes since approval; it stays published either way.
    ACCEPT_CHANGES = "accept_changes"
    REVERT_CHANGES = "revert_changes"


_REASON_REQUIRED = {
    Decision.REQUEST_CHANGES: "Enter the changes the council needs to make",
    Decision.REJECT: "Enter a reason for rejecting the listing",
    Decision.REVERT_CHANGES: "Enter why the changes are reverted",
}


class ReportRateLimited(ListingError):
    """Too many reports from one person, or about one listing, in the window."""


def _report_rate_limit_take(*, listing: Listing, by: User) -> None:
    """Count a new report against the person and the listing; refuse past either limit.

    Per person, so one account cannot flood the moderation queue; per listing,
    so many accounts cannot bury one council's listing under reports.
    """
    window = settings.REPORT_RATE_WINDOW_SECONDS
    if not rate_limit_take(
        bucket=f"report:user:{by.pk}",
        limit=settings.REPORT_RATE_LIMIT_PER_USER,
        window_seconds=window,
    ):
        raise ReportRateLimited(
            "You have reported too many listings in the last hour. Try again later, "
            f"or email {settings.SERVICE_CONTACT_EMAIL} if it is urgent."
        )
    if not rate_limit_take(
        bucket=f"report:listing:{listing.pk}",
        limit=settings.REPORT_RATE_LIMIT_PER_LISTING,
        window_seconds=window,
    ):
        raise ReportRateLimited(
            "This listing has had many reports in the last hour and moderators are "
            "looking at it. You do not need to report it again."
        )


def _require_staff(by: User) -> None:
    if not (by.is_authenticated and by.is_staff):
        raise NotPermitted("Only moderators can do that.")


def _audit_decision(
    *, listing: Listing, by: User, decision: str, reason: str, resolved: int
) -> None:
    """One audit entry per decision, with the state the listing left as its history
    recorded it (under the service's row lock), and the open reports it closed."""
    from_status = listing.events.order_by("-pk").values_list("from_status", flat=True).first()
    before: dict[str, Any] = {"status": from_status}
    after: dict[str, Any] = {"status": listing.status}
    if resolved:
        before["open_reports"], after["open_reports"] = resolved, 0
    audit_record(
        actor=by,
        action=f"listing.{decision}",
        target=listing,
        before=before,
        after=after,
        reason=reason,
    )


def _resolve_open_reports(*, listing: Listing, by: User) -> int:
    return Report.objects.filter(listing=listing, status=Report.Status.OPEN).update(
        status=Report.Status.RESOLVED, resolved_by=by, resolved_at=timezone.now()
    )


@transaction.atomic
def listing_moderate(
    *, listing: Listing, by: User, decision: str, reason: str = "", version: int | None = None
) -> Listing:
    """Apply a moderator's decision. Taking a listing down resolves its open reports.

    Raises ValidationError (missing reason), ListingConflict (someone changed the
    listing since `version`) or ListingError (wrong state, not staff).
    """
    _require_staff(by)
    reason = (reason or "").strip()
    if decision in _REASON_REQUIRED and not reason:
        raise ValidationError({"reason": _REASON_REQUIRED[Decision(decision)]})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": "Reason must be 2,000 characters or fewer"})
    if decision == Decision.APPROVE:
        moderated = services.listing_publish(listing=listing, by=by, version=version)
        _audit_decision(listing=moderated, by=by, decision=decision, reason=reason, resolved=0)
        return moderated
    if decision in (Decision.ACCEPT_CHANGES, Decision.REVERT_CHANGES):
        return _review_changes(
            listing=listing, by=by, decision=Decision(decision), reason=reason, version=version
        )
    if decision == Decision.REQUEST_CHANGES:
        moderated = services.listing_request_changes(
            listing=listing, by=by, reason=reason, version=version
        )
    elif decision == Decision.REJECT:
        moderated = services.listing_reject(listing=listing, by=by, reason=reason, version=version)
    else:
        raise ListingError("Select what you want to do with the listing.")
    resolved = _resolve_open_reports(listing=moderated, by=by)
    _audit_decision(listing=moderated, by=by, decision=decision, reason=reason, resolved=resolved)
    return moderated


def _review_changes(
    *, listing: Listing, by: User, decision: Decision, reason: str, version: int | None
) -> Listing:
    """Accept or revert the edits made to a live listing since approval, audited with
    the fields as they were shown and as they are now (the history has the same diff)."""
    if decision == Decision.ACCEPT_CHANGES:
        moderated = services.listing_changes_accept(listing=listing, by=by, version=version)
    else:
        moderated = services.listing_changes_revert(
            listing=listing, by=by, reason=reason, version=version
        )
    event = moderated.events.order_by("-pk").first()
    changes = event.changes if event is not None else {}
    audit_record(
        actor=by,
        action=f"listing.{decision}",
        target=moderated,
        before={name: change["old"] for name, change in changes.items()},
        after={name: change["new"] for name, change in changes.items()},
        reason=reason,
    )
    return moderated


@transaction.atomic
def report_create(*, listing: Listing, by: User, reason: str) -> tuple[Report, bool]:
    """Report a published listing. Returns (report, created); a second report by the
    same person while the first is open is the first one (unique constraint)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why you are reporting this listing"})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": "Reason must be 2,000 characters or fewer"})
    if not listing_reportable_by(listing=listing, user=by):
        raise NotPermitted("You cannot report this listing.")
    open_report = Report.objects.filter(
        listing=listing, reporter=by, status=Report.Status.OPEN
    ).first()
    if open_report is not None:  # a second click counts nothing and changes nothing
        return open_report, False
    _report_rate_limit_take(listing=listing, by=by)
    return Report.objects.get_or_create(
        listing=listing, reporter=by, status=Report.Status.OPEN, defaults={"reason": reason}
    )


@transaction.atomic
def report_dismiss(*, report: Report, by: User) -> Report:
    """A moderator decides the report needs no action. The listing is unchanged."""
    _require_staff(by)
    locked = Report.objects.select_for_update().get(pk=report.pk)
    if locked.status != Report.Status.OPEN:  # state guard: a second click does nothing
        raise ListingError("This report has already been dealt with.")
    locked.status = Report.Status.DISMISSED
    locked.resolved_by = by
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "resolved_by", "resolved_at"])
    audit_record(
        actor=by,
        action="report.dismiss",
        target=locked,
        before={"status": Report.Status.OPEN},
        after={"status": locked.status},
    )
    return locked
