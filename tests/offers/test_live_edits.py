"""Edits to live listings stay live (issue 15, point 3): the Digital Marketplace's pattern.

An owner's edit of a published listing is published at once and joins the
"changes since approval" queue; a moderator accepts or reverts (restoring the
last approved version, every edit since reviewed together). An edit whose new
text trips screening is held while the approved version stays up.
"""

from typing import cast

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry, OutboxMessage
from councils.models import Authority, User
from offers import services
from offers.lifecycle import ListingError
from offers.models import Listing, ListingEvent, ScreeningTerm, Service
from offers.moderation import selectors as moderation_selectors
from offers.moderation import services as moderation_services
from offers.selectors import listings_browsable
from tests.factories import UserFactory, officer_of

from .factories import ADUR, ARUN, make_listing

pytestmark = pytest.mark.django_db

S = Listing.Status
A = ListingEvent.Action


@pytest.fixture
def staff() -> User:
    return cast(User, UserFactory(is_staff=True))


@pytest.fixture
def owner() -> User:
    return officer_of(ADUR)


def live(staff: User, **kwargs) -> Listing:
    """A listing approved by a moderator through the services, so it has an approved version."""
    listing = make_listing(status=S.SUBMITTED, submitted_at=timezone.now(), **kwargs)
    return services.listing_publish(listing=listing, by=staff)


def edit(listing: Listing, by: User, **changes) -> Listing:
    listing.refresh_from_db()
    return services.listing_update(listing=listing, by=by, version=listing.version, changes=changes)


def test_an_edit_of_a_live_listing_is_published_at_once_and_queued(staff, owner):
    listing = live(staff, title="Shared building control", summary="Two districts.")
    edited = edit(listing, owner, title="Shared building control for three districts")
    assert edited.status == S.PUBLISHED
    assert (
        listings_browsable(public_sector=False)
        .filter(pk=listing.pk, title="Shared building control for three districts")
        .exists()
    )
    queue = moderation_selectors.moderation_queue()
    assert [item.listing.pk for item in queue.changed] == [listing.pk]
    assert queue.submitted == []
    event = edited.events.order_by("-pk").first()
    assert event is not None and event.action == A.EDITED
    assert event.changes["title"]["old"] == "Shared building control"


def test_the_review_page_diffs_every_edit_since_approval_together(client, staff, owner):
    listing = live(staff, title="Approved title", summary="Approved summary.")
    edit(listing, owner, title="Second title")
    edit(listing, owner, summary="Third summary.")
    client.force_login(staff)
    response = client.get(reverse("offers:moderation_review", kwargs={"pk": listing.pk}))
    page = response.context["page"]
    assert [(row.name, row.old, row.new) for row in page.diff] == [
        ("title", "Approved title", "Second title"),
        ("summary", "Approved summary.", "Third summary."),
    ]
    assert page.decisions == ["accept_changes", "revert_changes", "request_changes", "reject"]
    assert "Changes since approval" in response.content.decode()


def test_revert_restores_the_approved_version_and_emails_the_owner(client, staff, owner):
    arun = Authority.objects.get(gss_code=ARUN)
    listing = make_listing(
        status=S.SUBMITTED,
        submitted_at=timezone.now(),
        title="Approved title",
        contact_email="owner@adur.example.gov.uk",
        partner_scope=Listing.PartnerScope.NAMED,
    )
    listing.named_partners.set([arun])
    listing = services.listing_publish(listing=listing, by=staff)
    other_service = Service.objects.get(slug="council-tax-collection")
    edit(
        listing,
        owner,
        title="Typo fixed",
        service=other_service,
        partner_scope=Listing.PartnerScope.ANY,
        named_partners=[],
    )
    edit(listing, owner, summary="And a later edit.")
    client.force_login(staff)
    listing.refresh_from_db()
    response = client.post(
        reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
        {
            "decision": "revert_changes",
            "revert_reason": "The new service does not match the description",
            "version": listing.version,
        },
        follow=True,
    )
    assert "is back to its approved version and stays published" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == S.PUBLISHED
    assert listing.title == "Approved title"
    assert listing.service.slug == "building-control"
    assert list(listing.named_partners.all()) == [arun]
    assert not listing.has_unreviewed_changes
    event = listing.events.order_by("-pk").first()
    assert event is not None and event.action == A.CHANGES_REVERTED
    assert event.reason == "The new service does not match the description"
    assert event.changes["title"] == {
        "label": "Title",
        "old": "Typo fixed",
        "new": "Approved title",
    }
    message = OutboxMessage.objects.get(key=f"listing.decision:{event.pk}")
    assert "owner@adur.example.gov.uk" in message.to
    assert "reverted" in message.subject
    assert "The new service does not match the description" in message.body
    entry = AuditEntry.objects.get(action="listing.revert_changes")
    assert entry.actor_id == staff.pk and entry.reason == event.reason
    assert entry.before["title"] == "Typo fixed" and entry.after["title"] == "Approved title"


def test_revert_needs_a_reason(client, staff, owner):
    listing = live(staff, title="Approved title")
    edit(listing, owner, title="Changed")
    client.force_login(staff)
    listing.refresh_from_db()
    response = client.post(
        reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
        {"decision": "revert_changes", "revert_reason": "", "version": listing.version},
    )
    assert "Enter why the changes are reverted" in response.content.decode()
    listing.refresh_from_db()
    assert listing.title == "Changed"


def test_accept_makes_the_current_text_the_approved_version(staff, owner):
    listing = live(staff, title="Approved title")
    edit(listing, owner, title="Better title")
    listing.refresh_from_db()
    moderation_services.listing_moderate(
        listing=listing, by=staff, decision="accept_changes", version=listing.version
    )
    listing.refresh_from_db()
    assert (listing.status, listing.title) == (S.PUBLISHED, "Better title")
    assert listing.published_snapshot is not None
    assert listing.published_snapshot["title"] == "Better title"
    assert (
        listing.approved_values is not None and listing.approved_values["title"] == "Better title"
    )
    assert moderation_selectors.moderation_queue().changed == []
    assert AuditEntry.objects.filter(action="listing.accept_changes", actor_id=staff.pk).exists()
    # Nothing is left to review, so a second accept is refused.
    with pytest.raises(ListingError):
        moderation_services.listing_moderate(listing=listing, by=staff, decision="accept_changes")


def test_editing_back_to_the_approved_text_leaves_nothing_to_review(staff, owner):
    listing = live(staff, title="Approved title")
    edit(listing, owner, title="Changed")
    edited = edit(listing, owner, title="Approved title")
    assert edited.changed_since_approval_at is None
    assert moderation_selectors.moderation_queue().changed == []


def test_an_edit_that_trips_screening_is_held_and_the_approved_version_stays_up(
    client, staff, owner
):
    ScreeningTerm.objects.create(term="guaranteed savings")
    listing = live(staff, title="Approved title", summary="Approved summary.")
    held = edit(listing, owner, summary="Guaranteed savings: see www.cheap-deals.com")
    assert held.status == S.PUBLISHED
    assert held.summary == "Approved summary."  # the public still sees the approved text
    assert held.held_values is not None and held.held_at is not None
    assert (
        listings_browsable(public_sector=False)
        .filter(pk=listing.pk, summary="Approved summary.")
        .exists()
    )
    event = held.events.order_by("-pk").first()
    assert event is not None and event.action == A.EDIT_HELD
    assert "cheap-deals.com" in event.reason and "guaranteed savings" in event.reason
    # The owner goes on editing the held text, and is told it waits.
    client.force_login(owner)
    form = client.get(reverse("offers:edit", kwargs={"pk": listing.pk})).context["form"]
    assert form.initial["summary"] == "Guaranteed savings: see www.cheap-deals.com"
    page = client.get(listing.get_absolute_url()).content.decode()
    assert 'data-testid="edit-held"' in page and "Approved summary." in page
    # The moderator reviews the held text, and accepting publishes it.
    client.force_login(staff)
    review = client.get(reverse("offers:moderation_review", kwargs={"pk": listing.pk}))
    assert review.context["page"].held
    assert [row.new for row in review.context["page"].diff] == [
        "Guaranteed savings: see www.cheap-deals.com"
    ]
    held.refresh_from_db()
    moderation_services.listing_moderate(
        listing=held, by=staff, decision="accept_changes", version=held.version
    )
    held.refresh_from_db()
    assert held.summary == "Guaranteed savings: see www.cheap-deals.com"
    assert held.held_values is None


def test_a_held_edit_edited_into_clean_text_goes_live(staff, owner):
    listing = live(staff, title="Approved title", summary="Approved summary.")
    edit(listing, owner, summary="Call us at www.example.com")
    clean = edit(listing, owner, summary="Call the contact officer.")
    assert clean.summary == "Call the contact officer."
    assert clean.held_values is None and clean.changed_since_approval_at is not None


def test_a_flag_the_moderator_already_approved_does_not_hold_later_edits(staff, owner):
    listing = live(staff, title="Approved title", summary="Details at www.adur-worthing.gov.uk")
    edited = edit(listing, owner, title="Approved title, typo fixed")
    assert edited.held_values is None
    assert edited.title == "Approved title, typo fixed"


def test_screening_stays_advisory_for_listings_that_are_not_live(owner):
    draft = make_listing(status=S.DRAFT, summary="Plain.")
    edited = edit(draft, owner, summary="See www.example.com")
    assert edited.summary == "See www.example.com" and edited.held_values is None


def test_a_held_edit_sent_back_by_a_moderator_becomes_the_text_to_fix(staff, owner):
    listing = live(staff, summary="Approved summary.")
    edit(listing, owner, summary="See www.example.com")
    listing.refresh_from_db()
    moderation_services.listing_moderate(
        listing=listing, by=staff, decision="request_changes", reason="Remove the link"
    )
    listing.refresh_from_db()
    assert listing.status == S.CHANGES_REQUESTED
    assert listing.summary == "See www.example.com"
    assert listing.held_values is None


def test_only_staff_can_accept_or_revert(staff, owner):
    listing = live(staff, title="Approved title")
    edit(listing, owner, title="Changed")
    listing.refresh_from_db()
    with pytest.raises(ListingError):
        services.listing_changes_revert(listing=listing, by=owner, reason="no")
    with pytest.raises(ListingError):
        moderation_services.listing_moderate(listing=listing, by=owner, decision="accept_changes")


def test_the_queue_of_changes_costs_the_same_queries_however_long(
    client, staff, owner, django_assert_max_num_queries
):
    for n in range(6):
        listing = live(staff, title=f"Approved {n}")
        edit(listing, owner, title=f"Changed {n}")
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("offers:moderation_queue"))
    assert response.content.decode().count("Changes live") == 6
