"""Writes for moderation: decisions on listings, and reports from users.

Decisions go through offers.services (listing_publish / listing_request_changes /
listing_reject), which lock the listing, check the state machine, record a
ListingEvent and email the owner on commit. This module adds what reports
need: taking a listing down resolves its open reports in the same transaction.
"""

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from councils.models import User

from . import services
from .lifecycle import ListingError, NotPermitted
from .models import Listing, Report
from .moderation_selectors import listing_reportable_by

REASON_MAX_LENGTH = 2000


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"


_REASON_REQUIRED = {
    Decision.REQUEST_CHANGES: "Enter the changes the council needs to make",
    Decision.REJECT: "Enter a reason for rejecting the listing",
}


def _require_staff(by: User) -> None:
    if not (by.is_authenticated and by.is_staff):
        raise NotPermitted("Only moderators can do that.")


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
        return services.listing_publish(listing=listing, by=by, version=version)
    if decision == Decision.REQUEST_CHANGES:
        moderated = services.listing_request_changes(
            listing=listing, by=by, reason=reason, version=version
        )
    elif decision == Decision.REJECT:
        moderated = services.listing_reject(listing=listing, by=by, reason=reason, version=version)
    else:
        raise ListingError("Select what you want to do with the listing.")
    _resolve_open_reports(listing=moderated, by=by)
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
    return locked
