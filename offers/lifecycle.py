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
}

# Editing a published listing sends it back to moderation: the public never
# sees text a moderator has not read. Its published snapshot is kept for the diff.
EDIT_TARGETS: dict[str, str] = {Status.PUBLISHED: Status.SUBMITTED}

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
        return EDIT_TARGETS.get(status, status)
    return transition.target


def actions_available(*, status: str, roles: set[Role]) -> list[str]:
    """Actions these roles may take on a listing in `status` (for "next actions" links)."""
    return [action for action, t in TRANSITIONS.items() if status in t.sources and t.role in roles]
