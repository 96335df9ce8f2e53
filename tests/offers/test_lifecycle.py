"""The state machine on its own: every (state, action, role) is allowed or refused."""

import itertools

import pytest

from offers.lifecycle import (
    EditOutcome,
    NotPermitted,
    Role,
    TransitionNotAllowed,
    actions_available,
    edit_outcome,
    transition_target,
)
from offers.models import Listing, ListingEvent

S = Listing.Status
A = ListingEvent.Action

# Written out by hand from the issue, not derived from lifecycle.TRANSITIONS.
# (from, action) -> (to, role that may do it)
ALLOWED = {
    (S.DRAFT, A.SUBMITTED): (S.SUBMITTED, Role.OWNER),
    (S.CHANGES_REQUESTED, A.SUBMITTED): (S.SUBMITTED, Role.OWNER),
    (S.DRAFT, A.EDITED): (S.DRAFT, Role.OWNER),
    (S.SUBMITTED, A.EDITED): (S.SUBMITTED, Role.OWNER),
    (S.CHANGES_REQUESTED, A.EDITED): (S.CHANGES_REQUESTED, Role.OWNER),
    # An edit of a live listing keeps it live (issue 15): reviewed after, not before.
    (S.PUBLISHED, A.EDITED): (S.PUBLISHED, Role.OWNER),
    (S.DRAFT, A.WITHDRAWN): (S.WITHDRAWN, Role.OWNER),
    (S.SUBMITTED, A.WITHDRAWN): (S.WITHDRAWN, Role.OWNER),
    (S.CHANGES_REQUESTED, A.WITHDRAWN): (S.WITHDRAWN, Role.OWNER),
    (S.PUBLISHED, A.WITHDRAWN): (S.WITHDRAWN, Role.OWNER),
    (S.PUBLISHED, A.RENEWED): (S.PUBLISHED, Role.OWNER),
    (S.EXPIRED, A.RENEWED): (S.PUBLISHED, Role.OWNER),
    (S.SUBMITTED, A.PUBLISHED): (S.PUBLISHED, Role.STAFF),
    (S.SUBMITTED, A.CHANGES_REQUESTED): (S.CHANGES_REQUESTED, Role.STAFF),
    (S.PUBLISHED, A.CHANGES_REQUESTED): (S.CHANGES_REQUESTED, Role.STAFF),
    (S.SUBMITTED, A.REJECTED): (S.REJECTED, Role.STAFF),
    (S.PUBLISHED, A.REJECTED): (S.REJECTED, Role.STAFF),
    (S.PUBLISHED, A.EXPIRED): (S.EXPIRED, Role.SYSTEM),
    (S.PUBLISHED, A.CHANGES_ACCEPTED): (S.PUBLISHED, Role.STAFF),
    (S.PUBLISHED, A.CHANGES_REVERTED): (S.PUBLISHED, Role.STAFF),
}
ACTIONS = [a for a in A.values if a != A.CREATED]


@pytest.mark.parametrize(
    ("status", "action", "role"), list(itertools.product(S.values, ACTIONS, list(Role)))
)
def test_every_transition_is_allowed_or_refused(status, action, role):
    expected = ALLOWED.get((status, action))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            transition_target(status=status, action=action, roles={role})
    elif expected[1] != role:
        with pytest.raises(NotPermitted):
            transition_target(status=status, action=action, roles={role})
    else:
        assert transition_target(status=status, action=action, roles={role}) == expected[0]


def test_rejected_and_withdrawn_are_final_for_everyone():
    everyone = set(Role)
    assert actions_available(status=S.REJECTED, roles=everyone) == []
    assert actions_available(status=S.WITHDRAWN, roles=everyone) == []


def test_refusal_message_names_the_state():
    with pytest.raises(TransitionNotAllowed, match="withdrawn listing cannot be changed"):
        transition_target(status=S.WITHDRAWN, action=A.EDITED, roles={Role.OWNER})


def test_owner_next_actions_for_a_draft():
    assert set(actions_available(status=S.DRAFT, roles={Role.OWNER})) == {
        A.SUBMITTED,
        A.EDITED,
        A.WITHDRAWN,
    }


def test_the_pure_state_names_are_the_models_choices():
    """offers.lifecycle imports no models, so its enums must match them by value."""
    from offers import lifecycle
    from offers.models import Listing, ListingEvent

    assert [s.value for s in lifecycle.Status] == list(Listing.Status.values)
    assert [lifecycle.STATUS_LABELS[s] for s in lifecycle.Status] == list(Listing.Status.labels)
    assert [a.value for a in lifecycle.Action] == list(ListingEvent.Action.values)


@pytest.mark.parametrize("status", [s for s in S.values if s != S.PUBLISHED])
def test_an_edit_of_a_listing_nobody_sees_changes_it_directly(status):
    for tripped in (False, True):
        assert edit_outcome(status=status, tripped_screening=tripped) == EditOutcome.DIRECT


def test_an_edit_of_a_live_listing_goes_live_unless_screening_trips():
    assert edit_outcome(status=S.PUBLISHED, tripped_screening=False) == EditOutcome.LIVE
    assert edit_outcome(status=S.PUBLISHED, tripped_screening=True) == EditOutcome.HELD
