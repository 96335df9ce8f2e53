"""Reads about expressions of interest. Views (and the dashboard's template tag) call these."""

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import QuerySet

from councils.models import Authority, User
from councils.selectors import membership_current, user_can_act_for
from offers.models import Interest, Listing
from offers.selectors import Access, listing_access


class Eligibility(StrEnum):
    ALLOWED = "allowed"
    SIGN_IN = "sign_in"
    NO_COUNCIL = "no_council"  # signed in, but not an approved officer of a council
    OWN_COUNCIL = "own_council"  # an officer of the listing's own council
    NOT_PUBLISHED = "not_published"
    ALREADY = "already"  # this person has already expressed interest


@dataclass(frozen=True)
class InterestCheck:
    eligibility: Eligibility
    authority: Authority | None = None  # the council the sender acts for
    interest: Interest | None = None  # their earlier expression, if any


def interest_check(*, listing: Listing, user: User) -> InterestCheck:
    """Whether `user` may express interest in `listing`, and if not, why."""
    if not user.is_authenticated:
        return InterestCheck(Eligibility.SIGN_IN)
    existing = Interest.objects.filter(listing=listing, sender=user).first()
    if existing is not None:
        return InterestCheck(Eligibility.ALREADY, existing.sender_authority, existing)
    if listing.status != Listing.Status.PUBLISHED:
        return InterestCheck(Eligibility.NOT_PUBLISHED)
    membership = membership_current(user=user)
    if membership is None or not membership.authority.is_current:
        return InterestCheck(Eligibility.NO_COUNCIL)
    if membership.authority_id == listing.authority_id:
        return InterestCheck(Eligibility.OWN_COUNCIL, membership.authority)
    if listing_access(listing=listing, user=user) != Access.ALLOWED:
        return InterestCheck(Eligibility.NOT_PUBLISHED)
    return InterestCheck(Eligibility.ALLOWED, membership.authority)


def interest_for_page(*, pk: int) -> Interest | None:
    return (
        Interest.objects.select_related(
            "listing__authority", "listing__service", "sender", "sender_authority"
        )
        .filter(pk=pk)
        .first()
    )


def interest_is_owner(*, interest: Interest, user: User) -> bool:
    """Officers of the listing's council (and staff) manage the interests it receives."""
    return user_can_act_for(user=user, authority=interest.listing.authority)


def interests_received(*, authority: Authority) -> QuerySet[Interest]:
    """Interests in the authority's listings, newest first. One query."""
    return (
        Interest.objects.filter(listing__authority=authority)
        .select_related("listing", "sender", "sender_authority")
        .order_by("-created_at", "-pk")
    )


def interests_sent(*, user: User) -> QuerySet[Interest]:
    """Interests this person sent, newest first. One query."""
    return (
        Interest.objects.filter(sender=user)
        .select_related("listing__authority")
        .order_by("-created_at", "-pk")
    )
