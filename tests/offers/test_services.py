"""Listing services: creation, edits, every lifecycle move, history, expiry, emails."""

from datetime import timedelta
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from councils.models import Authority, User
from offers import services
from offers.lifecycle import ListingError, NotPermitted, TransitionNotAllowed
from offers.models import ExpiryReminder, Listing, ListingEvent, Service
from offers.services import ListingConflict
from offers.tasks import listing_expiry_reminders_task, listings_expire_task
from tests.commits import committing
from tests.factories import UserFactory, officer_of

from .factories import ADUR, ANTRIM, ARUN, WEST_SUSSEX, make_listing

pytestmark = pytest.mark.django_db

S = Listing.Status
A = ListingEvent.Action


@pytest.fixture
def adur():
    return Authority.objects.get(gss_code=ADUR)


@pytest.fixture
def owner():
    return officer_of(ADUR)


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


def create(authority, by, **overrides):
    values: dict[str, Any] = {
        "kind": Listing.Kind.OFFER,
        "service": Service.objects.get(slug="building-control"),
        "title": "Shared building control",
        "summary": "We run building control for two districts and have room for a third.",
        "contact_name": "Sam Officer",
        "contact_email": "sam@adur-worthing.example.gov.uk",
    }
    values.update(overrides)
    return services.listing_create(authority=authority, by=by, **values)


def snapshot(listing):
    listing.refresh_from_db()
    return (listing.status, listing.version, listing.events.count())


# --- creating -----------------------------------------------------------------


def test_officer_creates_a_draft_with_a_created_event(adur, owner):
    listing = create(adur, owner)
    assert listing.status == S.DRAFT
    assert listing.version == 1
    assert listing.created_by == owner
    event = listing.events.get()
    assert (event.action, event.actor, event.to_status) == (A.CREATED, owner, S.DRAFT)


def test_officer_of_another_council_cannot_create(adur):
    with pytest.raises(NotPermitted):
        create(adur, officer_of(ARUN))
    assert not Listing.objects.filter(authority=adur).exists()


def test_a_district_cannot_list_adult_social_care(adur, owner):
    care = Service.objects.get(slug="home-care")
    with pytest.raises(ValidationError) as error:
        create(adur, owner, service=care)
    assert "do not deliver home care" in error.value.message_dict["service"][0]
    assert not Listing.objects.exists()


def test_ni_district_cannot_list_school_admissions():
    antrim = Authority.objects.get(gss_code=ANTRIM)
    with pytest.raises(ValidationError):
        create(antrim, officer_of(ANTRIM), service=Service.objects.get(slug="school-admissions"))


def test_county_can_list_waste_disposal_but_not_collection():
    county = Authority.objects.get(gss_code=WEST_SUSSEX)
    officer = officer_of(WEST_SUSSEX)
    create(county, officer, service=Service.objects.get(slug="waste-disposal-and-treatment"))
    with pytest.raises(ValidationError):
        create(county, officer, service=Service.objects.get(slug="household-waste-collection"))


def test_radius_scope_needs_a_distance_and_named_scope_needs_councils(adur, owner):
    with pytest.raises(ValidationError) as error:
        create(adur, owner, partner_scope=Listing.PartnerScope.RADIUS)
    assert "partner_radius_km" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        create(adur, owner, partner_scope=Listing.PartnerScope.NAMED)
    assert "named_partners" in error.value.message_dict
    arun = Authority.objects.get(gss_code=ARUN)
    listing = create(adur, owner, partner_scope=Listing.PartnerScope.NAMED, named_partners=[arun])
    assert list(listing.named_partners.all()) == [arun]


# --- every lifecycle move through the services ---------------------------------

SERVICE_CALLS = {
    A.SUBMITTED: lambda listing, by: services.listing_submit(listing=listing, by=by),
    A.WITHDRAWN: lambda listing, by: services.listing_withdraw(listing=listing, by=by),
    A.RENEWED: lambda listing, by: services.listing_renew(listing=listing, by=by),
    A.PUBLISHED: lambda listing, by: services.listing_publish(listing=listing, by=by),
    A.CHANGES_REQUESTED: lambda listing, by: services.listing_request_changes(
        listing=listing, by=by, reason="Say which systems you use"
    ),
    A.REJECTED: lambda listing, by: services.listing_reject(
        listing=listing, by=by, reason="Not a shared service"
    ),
    A.EDITED: lambda listing, by: services.listing_update(
        listing=listing, by=by, version=listing.version, changes={"title": "A new title"}
    ),
}
# Hand-written from the issue: (from, action) -> to. Anything else is refused.
EXPECTED = {
    (S.DRAFT, A.SUBMITTED): S.SUBMITTED,
    (S.CHANGES_REQUESTED, A.SUBMITTED): S.SUBMITTED,
    (S.DRAFT, A.WITHDRAWN): S.WITHDRAWN,
    (S.SUBMITTED, A.WITHDRAWN): S.WITHDRAWN,
    (S.CHANGES_REQUESTED, A.WITHDRAWN): S.WITHDRAWN,
    (S.PUBLISHED, A.WITHDRAWN): S.WITHDRAWN,
    (S.PUBLISHED, A.RENEWED): S.PUBLISHED,
    (S.EXPIRED, A.RENEWED): S.PUBLISHED,
    (S.SUBMITTED, A.PUBLISHED): S.PUBLISHED,
    (S.SUBMITTED, A.CHANGES_REQUESTED): S.CHANGES_REQUESTED,
    (S.PUBLISHED, A.CHANGES_REQUESTED): S.CHANGES_REQUESTED,
    (S.SUBMITTED, A.REJECTED): S.REJECTED,
    (S.PUBLISHED, A.REJECTED): S.REJECTED,
    (S.DRAFT, A.EDITED): S.DRAFT,
    (S.SUBMITTED, A.EDITED): S.SUBMITTED,
    (S.CHANGES_REQUESTED, A.EDITED): S.CHANGES_REQUESTED,
    (S.PUBLISHED, A.EDITED): S.PUBLISHED,
}


@pytest.mark.parametrize("action", list(SERVICE_CALLS))
@pytest.mark.parametrize("status", S.values)
def test_every_service_transition_from_every_state(status, action, staff):
    """Staff may do everything a person may do, so only the state decides here."""
    listing = make_listing(status=status)
    before = snapshot(listing)
    expected = EXPECTED.get((status, action))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            SERVICE_CALLS[action](listing, staff)
        assert snapshot(listing) == before, "a refused action must change nothing"
        return
    result = SERVICE_CALLS[action](listing, staff)
    assert result.status == expected
    listing.refresh_from_db()
    assert listing.status == expected
    assert listing.version == before[1] + 1
    event = listing.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        action,
        status,
        expected,
        staff,
    )
    assert event.version == listing.version


@pytest.mark.parametrize("action", [A.PUBLISHED, A.CHANGES_REQUESTED, A.REJECTED])
def test_owners_cannot_moderate_their_own_listing(action, owner):
    listing = make_listing(status=S.SUBMITTED)
    before = snapshot(listing)
    with pytest.raises(NotPermitted):
        SERVICE_CALLS[action](listing, owner)
    assert snapshot(listing) == before


@pytest.mark.parametrize("action", [A.SUBMITTED, A.WITHDRAWN, A.EDITED])
def test_officer_of_another_council_cannot_act_on_a_draft(action):
    listing = make_listing(status=S.DRAFT)
    before = snapshot(listing)
    with pytest.raises(NotPermitted):
        SERVICE_CALLS[action](listing, officer_of(ARUN))
    assert snapshot(listing) == before


def test_renew_by_a_stranger_is_refused():
    listing = make_listing(status=S.PUBLISHED)
    with pytest.raises(NotPermitted):
        services.listing_renew(listing=listing, by=cast(User, UserFactory()))


@pytest.mark.parametrize("call", [services.listing_request_changes, services.listing_reject])
def test_moderator_must_give_a_reason(call, staff):
    listing = make_listing(status=S.SUBMITTED)
    with pytest.raises(ValidationError) as error:
        call(listing=listing, by=staff, reason="   ")
    assert "reason" in error.value.message_dict
    assert snapshot(listing) == (S.SUBMITTED, 1, 0)


def test_publish_sets_dates_and_snapshot(staff):
    listing = make_listing(status=S.SUBMITTED, title="Payroll for districts")
    published = services.listing_publish(listing=listing, by=staff)
    assert published.published_at is not None
    assert published.expires_at is not None
    assert published.published_snapshot is not None
    assert published.first_published_at == published.published_at
    assert (published.expires_at - published.published_at).days == 182
    assert published.published_snapshot["title"] == "Payroll for districts"
    assert published.published_snapshot["service"] == "Building control"
    assert published.published_snapshot["delivery_model"] == "Lead authority"


def test_moderator_request_keeps_the_reason_on_the_listing_and_event(staff):
    listing = make_listing(status=S.SUBMITTED)
    services.listing_request_changes(listing=listing, by=staff, reason="Add the annual value")
    listing.refresh_from_db()
    assert listing.status_reason == "Add the annual value"
    assert listing.events.get().reason == "Add the annual value"


# --- edits and history ------------------------------------------------------------


def test_edit_records_old_and_new_values(owner):
    listing = make_listing(title="Old title", annual_value_gbp=None)
    updated = services.listing_update(
        listing=listing,
        by=owner,
        version=1,
        changes={"title": "New title", "annual_value_gbp": 250000, "summary": listing.summary},
    )
    assert updated.version == 2
    event = updated.events.get()
    assert event.action == A.EDITED and event.actor == owner
    assert event.changes == {
        "title": {"label": "Title", "old": "Old title", "new": "New title"},
        "annual_value_gbp": {"label": "Annual value (£)", "old": None, "new": 250000},
    }


def test_saving_without_changes_records_nothing(owner):
    listing = make_listing()
    services.listing_update(listing=listing, by=owner, version=1, changes={"title": listing.title})
    assert snapshot(listing) == (S.DRAFT, 1, 0)


def test_editing_a_published_listing_keeps_it_published_and_keeps_the_snapshot(owner, staff):
    listing = make_listing(status=S.SUBMITTED, title="Before")
    services.listing_publish(listing=listing, by=staff)
    listing.refresh_from_db()
    edited = services.listing_update(
        listing=listing, by=owner, version=listing.version, changes={"title": "After"}
    )
    assert edited.status == S.PUBLISHED
    assert edited.changed_since_approval_at is not None
    assert edited.published_snapshot is not None
    assert edited.published_snapshot["title"] == "Before"
    assert edited.title == "After"


def test_stale_version_raises_conflict_and_keeps_the_first_save(owner):
    listing = make_listing(title="Original")
    first = officer_of(ADUR)
    services.listing_update(listing=listing, by=first, version=1, changes={"title": "First"})
    with pytest.raises(ListingConflict) as conflict:
        services.listing_update(listing=listing, by=owner, version=1, changes={"title": "Second"})
    assert conflict.value.current.title == "First"
    listing.refresh_from_db()
    assert (listing.title, listing.version) == ("First", 2)


def test_unknown_field_is_refused(owner):
    with pytest.raises(ValueError, match="Not editable: status"):
        services.listing_update(
            listing=make_listing(), by=owner, version=1, changes={"status": "published"}
        )


def test_stale_version_on_publish_is_refused(staff):
    listing = make_listing(status=S.SUBMITTED, version=3)
    with pytest.raises(ListingConflict):
        services.listing_publish(listing=listing, by=staff, version=2)
    assert snapshot(listing) == (S.SUBMITTED, 3, 0)


def test_listing_errors_share_a_base_class():
    assert issubclass(ListingConflict, ListingError)
    assert issubclass(NotPermitted, ListingError)


# --- moderation emails --------------------------------------------------------------


def test_decision_email_goes_to_the_owner_after_commit_once(
    staff, owner, mailoutbox, django_capture_on_commit_callbacks
):
    listing = make_listing(status=S.SUBMITTED, created_by=owner, contact_email="c@x.gov.uk")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.listing_request_changes(listing=listing, by=staff, reason="Add costs please")
    assert mailoutbox == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert set(message.to) == {"c@x.gov.uk", owner.email}
    assert "Changes needed" in message.subject
    assert "Add costs please" in message.body
    event = listing.events.get()
    assert services.listing_decision_email(event_id=event.pk) is False
    assert len(mailoutbox) == 1


def test_publish_email_says_published(staff, mailoutbox, django_capture_on_commit_callbacks):
    listing = make_listing(status=S.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_publish(listing=listing, by=staff)
    assert len(mailoutbox) == 1
    assert "is published" in mailoutbox[0].subject


def test_owner_actions_send_no_email(owner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.listing_submit(listing=make_listing(), by=owner)
    assert mailoutbox == []


# --- expiry and reminders ---------------------------------------------------------


def test_expire_due_expires_only_past_listings_once():
    now = timezone.now()
    old = make_listing(status=S.PUBLISHED, expires_at=now - timedelta(minutes=1))
    fresh = make_listing(status=S.PUBLISHED, expires_at=now + timedelta(days=1))
    draft = make_listing(status=S.DRAFT, expires_at=now - timedelta(days=1))
    assert services.listing_expire_due(now=now) == 1
    assert services.listing_expire_due(now=now) == 0
    old.refresh_from_db()
    fresh.refresh_from_db()
    draft.refresh_from_db()
    assert (old.status, fresh.status, draft.status) == (S.EXPIRED, S.PUBLISHED, S.DRAFT)
    event = old.events.get()
    assert (event.action, event.actor) == (A.EXPIRED, None)


def test_expire_task_respects_off_switch(settings):
    make_listing(status=S.PUBLISHED, expires_at=timezone.now() - timedelta(days=1))
    settings.LISTING_JOBS_ENABLED = False
    assert listings_expire_task.delay().get() == 0
    settings.LISTING_JOBS_ENABLED = True
    assert listings_expire_task.delay().get() == 1


def test_renew_extends_an_expired_listing_and_republishes(owner):
    listing = make_listing(status=S.EXPIRED, expires_at=timezone.now() - timedelta(days=3))
    renewed = services.listing_renew(listing=listing, by=owner)
    assert renewed.status == S.PUBLISHED
    assert renewed.expires_at is not None
    assert renewed.expires_at > timezone.now() + timedelta(days=180)
    assert (
        renewed.events.get().changes["expires_at"]["new"] == renewed.expires_at.date().isoformat()
    )


def test_expiry_reminder_is_sent_once_per_expiry_date(owner, mailoutbox):
    now = timezone.now()
    soon = make_listing(status=S.PUBLISHED, expires_at=now + timedelta(days=3))
    make_listing(status=S.PUBLISHED, expires_at=now + timedelta(days=30))
    assert services.listing_expiry_reminders_due(now=now) == [soon.pk]
    with committing():  # as the worker's transaction commits
        assert listing_expiry_reminders_task.delay(now.isoformat()).get() == 1
    assert len(mailoutbox) == 1
    assert "expires soon" in mailoutbox[0].subject
    assert soon.contact_email in mailoutbox[0].to
    # The coordinator runs again (a retry, or tomorrow): nothing more is sent.
    assert listing_expiry_reminders_task.delay(now.isoformat()).get() == 0
    assert services.listing_expiry_reminder_send(listing_id=soon.pk, now=now) is False
    assert len(mailoutbox) == 1
    assert ExpiryReminder.objects.filter(listing=soon).count() == 1


def test_renewed_listing_gets_a_new_reminder_before_its_new_expiry(owner, mailoutbox):
    now = timezone.now()
    listing = make_listing(status=S.PUBLISHED, expires_at=now + timedelta(days=2))
    with committing():
        assert services.listing_expiry_reminder_send(listing_id=listing.pk, now=now) is True
    renewed = services.listing_renew(listing=listing, by=owner)
    assert renewed.expires_at is not None
    later = renewed.expires_at - timedelta(days=3)
    assert services.listing_expiry_reminders_due(now=later) == [listing.pk]
    with committing():
        assert services.listing_expiry_reminder_send(listing_id=listing.pk, now=later) is True
    assert len(mailoutbox) == 2


def test_no_reminder_for_a_withdrawn_listing(mailoutbox):
    listing = make_listing(status=S.WITHDRAWN, expires_at=timezone.now() + timedelta(days=2))
    assert services.listing_expiry_reminder_send(listing_id=listing.pk) is False
    assert mailoutbox == []
