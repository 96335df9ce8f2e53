"""The listing state machine: which action moves which state, and who may do it.

Pure: no ORM and no import of the models (the states are plain string enums
whose values equal the models' choices), so every allowed and forbidden transition is testable
without a database. offers.services asks `transition_target` before every
write and records the result as a ListingEvent.
"""

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """A listing's states: the values of offers.models.Listing.Status (a test keeps them equal)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


# What a person reads for each state (offers.models.Listing.Status's labels).
STATUS_LABELS = {
    Status.DRAFT: "Draft",
    Status.SUBMITTED: "Waiting for review",
    Status.CHANGES_REQUESTED: "Changes requested",
    Status.PUBLISHED: "Published",
    Status.REJECTED: "Rejected",
    Status.WITHDRAWN: "Withdrawn",
    Status.EXPIRED: "Expired",
}


class Action(StrEnum):
    """What happens to a listing: the values of offers.models.ListingEvent.Action."""

    CREATED = "created"
    EDITED = "edited"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    RENEWED = "renewed"
    PUBLISHED = "published"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    EXPIRED = "expired"
    # Edits to a live listing (the Digital Marketplace's pattern): published at once and
    # reviewed afterwards, or held back when screening trips on the new text.
    EDIT_HELD = "edit_held"
    CHANGES_ACCEPTED = "changes_accepted"
    CHANGES_REVERTED = "changes_reverted"


class Role(StrEnum):
    OWNER = "owner"  # an approved officer of the listing's authority
    STAFF = "staff"  # a site moderator
    SYSTEM = "system"  # scheduled jobs (expiry)


class ListingError(Exception):
    """Base class for refusals from offers.services; the message is shown to users."""


class TransitionNotAllowed(ListingError):
    """The action does not apply to a listing in its current state."""


class NotPermitted(ListingError):
    """The action applies, but not by this person."""


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    role: Role
    # None means "stays in the same state" (edits, renewal of a published listing).
    target: str | None


TRANSITIONS: dict[str, Transition] = {
    Action.SUBMITTED: Transition(
        frozenset({Status.DRAFT, Status.CHANGES_REQUESTED}), Role.OWNER, Status.SUBMITTED
    ),
    Action.EDITED: Transition(
        frozenset({Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED}),
        Role.OWNER,
        None,
    ),
    Action.WITHDRAWN: Transition(
        frozenset({Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED}),
        Role.OWNER,
        Status.WITHDRAWN,
    ),
    Action.RENEWED: Transition(
        frozenset({Status.PUBLISHED, Status.EXPIRED}), Role.OWNER, Status.PUBLISHED
    ),
    Action.PUBLISHED: Transition(frozenset({Status.SUBMITTED}), Role.STAFF, Status.PUBLISHED),
    Action.CHANGES_REQUESTED: Transition(
        frozenset({Status.SUBMITTED, Status.PUBLISHED}), Role.STAFF, Status.CHANGES_REQUESTED
    ),
    Action.REJECTED: Transition(
        frozenset({Status.SUBMITTED, Status.PUBLISHED}), Role.STAFF, Status.REJECTED
    ),
    Action.EXPIRED: Transition(frozenset({Status.PUBLISHED}), Role.SYSTEM, Status.EXPIRED),
    # A moderator's review of the changes made to a live listing since it was approved:
    # the listing stays published either way.
    Action.CHANGES_ACCEPTED: Transition(frozenset({Status.PUBLISHED}), Role.STAFF, None),
    Action.CHANGES_REVERTED: Transition(frozenset({Status.PUBLISHED}), Role.STAFF, None),
}


class EditOutcome(StrEnum):
    """What an owner's edit does to the listing the public sees."""

    DIRECT = "direct"  # not live: the listing changes, no one else sees it yet
    LIVE = "live"  # live and clean: published at once, reviewed afterwards
    HELD = "held"  # live but screening tripped: the approved text stays up until review


def edit_outcome(*, status: str, tripped_screening: bool) -> EditOutcome:
    """Where an owner's edit goes.

    A typo fix must not take a live listing offline, so an edit to a published
    listing is published at once and joins the "changes since approval" queue.
    An edit whose new text trips screening (a link, an address, a screened
    word the approved text did not have) is the one thing the public must not
    see unread, so it waits for a moderator while the approved version stays up.
    New listings are reviewed before publication anyway: screening stays advisory there.
    """
    if status != Status.PUBLISHED:
        return EditOutcome.DIRECT
    return EditOutcome.HELD if tripped_screening else EditOutcome.LIVE


_REFUSALS: dict[str, str] = {
    Action.SUBMITTED: "Only a draft, or a listing a moderator sent back, can be submitted",
    Action.EDITED: "A {status} listing cannot be changed",
    Action.WITHDRAWN: "A {status} listing cannot be withdrawn",
    Action.RENEWED: "Only a published or expired listing can be renewed",
    Action.PUBLISHED: "Only a listing waiting for review can be published",
    Action.CHANGES_REQUESTED: "Changes can only be requested on a listing waiting for review "
    "or published",
    Action.REJECTED: "Only a listing waiting for review or published can be rejected",
    Action.EXPIRED: "Only a published listing can expire",
    Action.CHANGES_ACCEPTED: "Only changes to a published listing can be accepted",
    Action.CHANGES_REVERTED: "Only changes to a published listing can be reverted",
}


def transition_target(*, status: str, action: str, roles: set[Role]) -> str:
    """The status after `action` on a listing in `status`, or raise.

    Raises TransitionNotAllowed (wrong state) before NotPermitted (wrong person).
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionNotAllowed(f"Unknown action {action!r}")
    if status not in transition.sources:
        label = STATUS_LABELS[Status(status)].lower() if status in set(Status) else status
        raise TransitionNotAllowed(_REFUSALS[action].format(status=label) + ".")
    if transition.role not in roles:
        raise NotPermitted("You do not have permission to do that.")
    if transition.target is None:
        return status
    return transition.target


def actions_available(*, status: str, roles: set[Role]) -> list[str]:
    """Actions these roles may take on a listing in `status` (for "next actions" links)."""
    return [action for action, t in TRANSITIONS.items() if status in t.sources and t.role in roles]
