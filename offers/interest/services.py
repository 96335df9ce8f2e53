"""Writes about expressions of interest: register one, email the listing's contact,
let the owner council mark its progress.

One expression per person per listing: a unique constraint plus get_or_create,
and the email is enqueued on commit only when the row is new, so a double
click or a resubmitted form sends one email.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.outbox import outbox_enqueue
from core.ratelimit import rate_limit_take
from councils.models import User
from councils.selectors import email_wanted
from offers.interest.selectors import Eligibility, interest_check, interest_is_owner
from offers.lifecycle import ListingError, NotPermitted
from offers.models import Interest, Listing

MESSAGE_MAX_LENGTH = 2000

REFUSALS = {
    Eligibility.SIGN_IN: "Sign in to express interest.",
    Eligibility.NO_COUNCIL: "Only approved officers of a council can express interest.",
    Eligibility.OWN_COUNCIL: "You cannot express interest in your own council's listing.",
    Eligibility.NOT_PUBLISHED: "You can only express interest in a published listing.",
}


class InterestRateLimited(ListingError):
    """Too many new expressions of interest from one person in the window."""


def _rate_limit_take(*, user_id: int) -> bool:
    """Count one attempt; False once the person has used up the window's allowance
    (core.ratelimit: shared by every web process). Read at call time so tests can
    change the settings."""
    return rate_limit_take(
        bucket=f"interest:user:{user_id}",
        limit=settings.INTEREST_RATE_LIMIT,
        window_seconds=settings.INTEREST_RATE_WINDOW_SECONDS,
    )


@transaction.atomic
def interest_register(*, listing: Listing, by: User, message: str) -> tuple[Interest, bool]:
    """Express interest in a published listing. Returns (interest, created).

    Safe to call twice: the second call returns the first interest and sends nothing.
    Raises ValidationError (message), NotPermitted or InterestRateLimited.
    """
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Enter a message to the council"})
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"message": "Message must be 2,000 characters or fewer"})
    check = interest_check(listing=listing, user=by)
    if check.eligibility == Eligibility.ALREADY and check.interest is not None:
        return check.interest, False
    if check.eligibility != Eligibility.ALLOWED or check.authority is None:
        raise NotPermitted(REFUSALS.get(check.eligibility, "You cannot do that."))
    if not _rate_limit_take(user_id=by.pk):
        raise InterestRateLimited(
            "You have expressed interest in too many listings in the last hour. Try again later."
        )
    interest, created = Interest.objects.get_or_create(
        listing=listing,
        sender=by,
        defaults={"sender_authority": check.authority, "message": message},
    )
    if created:  # a double click must not email the listing's contact twice
        interest_email(interest_id=interest.pk)
    return interest, created


@transaction.atomic
def interest_set_status(*, interest: Interest, by: User, status: str) -> Interest:
    """The listing's council marks how the conversation is going."""
    if status not in Interest.Status.values:
        raise ValidationError({"status": "Select the status of this expression of interest"})
    locked = (
        Interest.objects.select_for_update(of=("self",))
        .select_related("listing__authority", "sender")
        .get(pk=interest.pk)
    )
    if not interest_is_owner(interest=locked, user=by):
        raise NotPermitted("Only officers of the listing's council can change this.")
    if locked.status != status:
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        interest_status_email(interest=locked, by=by)
    return locked


def interest_status_email(*, interest: Interest, by: User) -> bool:
    """Tell the sender how the owner marked their interest (not when set back to new).

    Called in the transaction that changes the status. One email per interest
    and status reached: the outbox key says so, so flicking a status back and
    forth sends nothing more. False if nothing was queued (the sender deleted
    their account or turned these emails off, or was told before).
    """
    sender = interest.sender
    if (
        interest.status == Interest.Status.NEW
        or sender is None
        or not email_wanted(user=sender, preference="interest_updates")
    ):
        return False
    listing = interest.listing
    site_url = settings.SITE_URL.rstrip("/")
    context = {
        "interest": interest,
        "listing": listing,
        "sender": sender,
        "by": by,
        "site_name": settings.SITE_NAME,
        "listing_url": site_url + listing.get_absolute_url(),
        "preferences_url": site_url + reverse("offers:digest_preferences"),
    }
    return (
        outbox_enqueue(
            kind="interest.status",
            key=f"interest.status:{interest.pk}:{interest.status}",
            to=[sender.email],
            reply_to=[listing.contact_email],
            subject=f"[{settings.SITE_NAME}] {listing.authority.name} marked your interest "
            f"as {interest.get_status_display().lower()}: {listing.title}",
            body=render_to_string("offers/email/interest_status.txt", context),
        )
        is not None
    )


def interest_email(*, interest_id: int) -> bool:
    """Put the email to the listing's contact about a new interest in the outbox.

    Called in the transaction that records the interest. False if it was queued
    before, or if the sender has deleted their account: nobody to reply to.
    """
    with transaction.atomic():
        interest = (
            Interest.objects.select_for_update(of=("self",))
            .select_related("listing__authority", "sender", "sender_authority")
            .get(pk=interest_id)
        )
        if interest.notified_at is not None or interest.sender is None:
            return False
        listing = interest.listing
        site_url = settings.SITE_URL.rstrip("/")
        context = {
            "interest": interest,
            "listing": listing,
            "site_name": settings.SITE_NAME,
            "listing_url": site_url + listing.get_absolute_url(),
            "interest_url": site_url + interest.get_absolute_url(),
            "dashboard_url": site_url + reverse("offers:dashboard"),
        }
        outbox_enqueue(
            kind="interest.received",
            key=f"interest.received:{interest.pk}:{listing.contact_email}",
            to=[listing.contact_email],
            reply_to=[interest.sender.email],
            subject=f"[{settings.SITE_NAME}] {interest.sender_authority.name} is interested in "
            f"your listing: {listing.title}",
            body=render_to_string("offers/email/interest_received.txt", context),
        )
        # notified_at: when the email went into the outbox (sent once from there).
        interest.notified_at = timezone.now()
        interest.save(update_fields=["notified_at"])
    return True
