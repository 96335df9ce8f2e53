"""Owner-facing pages: permissions on every mutating URL, forms, conflicts, visibility."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from councils.models import Authority
from offers.models import Listing, Service
from tests.factories import UserFactory, officer_of
from tests.offers.factories import listing_form_data

from .factories import ADUR, ARUN, ListingFactory, make_listing

pytestmark = pytest.mark.django_db

S = Listing.Status


def state(listing):
    listing.refresh_from_db()
    return (listing.status, listing.version, listing.title, listing.events.count())


# --- the permissions walk -------------------------------------------------------


def mutating_requests(listing):
    """Every offers URL that changes something, with a POST body that would work."""
    post = listing_form_data(title="Hijacked", version=str(listing.version))
    return [
        (reverse("offers:create", kwargs={"kind": "offer"}), post),
        (reverse("offers:edit", kwargs={"pk": listing.pk}), post),
        (reverse("offers:submit", kwargs={"pk": listing.pk}), {"version": listing.version}),
        (reverse("offers:withdraw", kwargs={"pk": listing.pk}), {"version": listing.version}),
        (reverse("offers:renew", kwargs={"pk": listing.pk}), {"version": listing.version}),
    ]


@pytest.mark.parametrize("who", ["anonymous", "other_council_officer", "non_member"])
@pytest.mark.parametrize("status", [S.DRAFT, S.PUBLISHED, S.EXPIRED])
def test_every_mutating_url_refuses_the_wrong_user(client, who, status):
    listing = make_listing(status=status)
    if who == "other_council_officer":
        client.force_login(officer_of(ARUN))
    elif who == "non_member":
        client.force_login(UserFactory())
    listings_before = Listing.objects.count()
    before = state(listing)
    requests = mutating_requests(listing)
    if who == "other_council_officer":
        # Creating is not refused to them: it creates for their own council
        # (test_create_is_always_for_the_officers_own_council).
        requests = requests[1:]
    for url, data in requests:
        response = client.post(url, data)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login")), url
        else:
            assert response.status_code in (403, 404), url
        assert state(listing) == before, url
        assert Listing.objects.count() == listings_before, url


def test_create_is_always_for_the_officers_own_council(client):
    client.force_login(officer_of(ARUN))
    response = client.post(
        reverse("offers:create", kwargs={"kind": "offer"}),
        listing_form_data(authority=Authority.objects.get(gss_code=ADUR).pk),
    )
    assert response.status_code == 302
    assert Listing.objects.get().authority.gss_code == ARUN


def test_owner_officer_can_use_the_same_urls(client):
    owner = officer_of(ADUR)
    client.force_login(owner)
    response = client.post(reverse("offers:create", kwargs={"kind": "need"}), listing_form_data())
    listing = Listing.objects.get(title="Shared building control")
    assert response.status_code == 302 and response["Location"] == listing.get_absolute_url()
    assert (listing.kind, listing.status, listing.created_by) == ("need", S.DRAFT, owner)
    response = client.post(
        reverse("offers:submit", kwargs={"pk": listing.pk}), {"version": listing.version}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.status == S.SUBMITTED


def test_csrf_is_enforced_on_mutating_urls():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer_of(ADUR))
    listing = make_listing()
    response = client.post(
        reverse("offers:withdraw", kwargs={"pk": listing.pk}), {"version": listing.version}
    )
    assert response.status_code == 403
    assert state(listing)[0] == S.DRAFT


def test_get_on_a_confirmation_page_changes_nothing(client):
    client.force_login(officer_of(ADUR))
    listing = make_listing()
    response = client.get(reverse("offers:withdraw", kwargs={"pk": listing.pk}))
    assert response.status_code == 200
    assert "Are you sure you want to withdraw" in response.content.decode()
    assert state(listing)[0] == S.DRAFT


# --- forms ---------------------------------------------------------------------------


def test_create_form_lists_only_services_the_tier_delivers_grouped_by_family(client):
    client.force_login(officer_of(ADUR))
    html = client.get(reverse("offers:create", kwargs={"kind": "offer"})).content.decode()
    assert '<optgroup label="Planning and building control">' in html
    assert "Building control" in html
    assert "Home care" not in html
    assert "Highways maintenance" not in html


def test_form_errors_keep_every_value(client):
    client.force_login(officer_of(ADUR))
    data = listing_form_data(
        title="",
        contact_email="not-an-email",
        partner_scope=Listing.PartnerScope.RADIUS,
        partner_radius_km="",
        description="Keep <this> text & everything",
        annual_value_gbp="lots",
    )
    response = client.post(reverse("offers:create", kwargs={"kind": "offer"}), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a title" in html
    assert "Enter an email address in the correct format" in html
    assert "Enter how far away a partner can be, in kilometres" in html
    assert "Annual value must be a whole number of pounds" in html
    assert "Keep &lt;this&gt; text &amp; everything" in html
    assert 'value="not-an-email"' in html
    assert 'value="lots"' in html
    assert 'value="radius" id="id_partner_scope_1" checked' in html
    assert "<title>Error:" in html
    assert not Listing.objects.exists()


def test_service_the_tier_does_not_deliver_is_refused(client):
    client.force_login(officer_of(ADUR))
    care = Service.objects.get(slug="home-care")
    response = client.post(
        reverse("offers:create", kwargs={"kind": "offer"}), listing_form_data(service=str(care.pk))
    )
    assert response.status_code == 200
    assert "Select a service your council delivers" in response.content.decode()
    assert not Listing.objects.exists()


def test_conflicting_edit_keeps_the_second_editors_text(client):
    listing = make_listing(title="Original", summary="Original summary")
    first, second = officer_of(ADUR), officer_of(ADUR)
    loaded_version = listing.version
    client.force_login(first)
    client.post(
        reverse("offers:edit", kwargs={"pk": listing.pk}),
        listing_form_data(title="First editor's title", version=str(loaded_version)),
    )
    client.force_login(second)
    response = client.post(
        reverse("offers:edit", kwargs={"pk": listing.pk}),
        listing_form_data(
            title="Second editor's title",
            summary="Second editor's careful summary",
            version=str(loaded_version),
        ),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this listing while you were editing it" in html
    assert 'value="Second editor&#x27;s title"' in html
    assert "Second editor&#x27;s careful summary" in html
    assert "Their version" in html and "First editor&#x27;s title" in html
    listing.refresh_from_db()
    assert listing.title == "First editor's title"
    # Saving again, having seen their version, goes through.
    assert 'name="version" value="2"' in html
    response = client.post(
        reverse("offers:edit", kwargs={"pk": listing.pk}),
        listing_form_data(title="Second editor's title", version="2"),
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.title == "Second editor's title"


def test_edit_page_of_a_withdrawn_listing_explains_refusal(client):
    client.force_login(officer_of(ADUR))
    listing = make_listing(status=S.WITHDRAWN)
    response = client.post(
        reverse("offers:edit", kwargs={"pk": listing.pk}),
        listing_form_data(title="New", version=str(listing.version)),
    )
    assert response.status_code == 200
    assert "A withdrawn listing cannot be changed" in response.content.decode()
    assert state(listing)[2] != "New"


# --- the listing page --------------------------------------------------------------


def test_published_public_listing_is_visible_to_anyone_without_history(client):
    listing = make_listing(status=S.PUBLISHED, title="Payroll shared")
    response = client.get(listing.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Payroll shared" in html
    assert reverse("councils:detail", kwargs={"gss_code": ADUR}) in html
    assert 'id="history"' not in html


def test_signed_in_only_listing_asks_anonymous_to_sign_in(client):
    listing = make_listing(status=S.PUBLISHED, visibility=Listing.Visibility.SIGNED_IN)
    response = client.get(listing.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    client.force_login(UserFactory())  # signed in but not public sector
    assert client.get(listing.get_absolute_url()).status_code == 404
    client.force_login(officer_of(ARUN))
    assert client.get(listing.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.REJECTED])
def test_unpublished_listing_is_only_for_the_owner_council_and_staff(client, status):
    listing = make_listing(status=status)
    assert client.get(listing.get_absolute_url()).status_code == 404
    client.force_login(officer_of(ARUN))
    assert client.get(listing.get_absolute_url()).status_code == 404
    client.force_login(officer_of(ADUR))
    response = client.get(listing.get_absolute_url())
    assert response.status_code == 200
    assert 'id="history"' in response.content.decode()
    client.force_login(UserFactory(is_staff=True))
    assert client.get(listing.get_absolute_url()).status_code == 200


def test_history_shows_changes_to_the_owner(client):
    owner = officer_of(ADUR, full_name="Alex Editor")
    client.force_login(owner)
    listing = make_listing(title="Before")
    client.post(
        reverse("offers:edit", kwargs={"pk": listing.pk}),
        listing_form_data(title="After", version=str(listing.version)),
    )
    html = client.get(listing.get_absolute_url()).content.decode()
    assert "Edited" in html and "Alex Editor" in html
    assert "<del>Before</del>" in html and "<ins>After</ins>" in html


# --- dashboard -----------------------------------------------------------------


def test_dashboard_groups_by_state_with_next_actions(client):
    client.force_login(officer_of(ADUR))
    draft = make_listing(title="My draft")
    published = make_listing(status=S.PUBLISHED, title="My live listing")
    make_listing(authority=Authority.objects.get(gss_code=ARUN), title="Not ours")
    html = client.get(reverse("offers:dashboard")).content.decode()
    assert "My draft" in html and "My live listing" in html and "Not ours" not in html
    assert reverse("offers:submit", kwargs={"pk": draft.pk}) in html
    assert reverse("offers:renew", kwargs={"pk": published.pk}) in html
    assert reverse("offers:submit", kwargs={"pk": published.pk}) not in html
    assert html.index('id="status-draft"') < html.index('id="status-published"')


def test_dashboard_without_a_council_points_to_joining(client):
    client.force_login(UserFactory())
    html = client.get(reverse("offers:dashboard")).content.decode()
    assert reverse("councils:join") in html


def test_dashboard_queries_do_not_grow_with_rows(client, django_assert_max_num_queries):
    client.force_login(officer_of(ADUR))
    soon = timezone.now() + timedelta(days=20)
    for status in S.values:
        ListingFactory.create_batch(8, status=status, expires_at=soon)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("offers:dashboard"))
    assert response.status_code == 200
    assert response.content.decode().count('class="govuk-table__row"') == 8 * len(S.values) + 7


def test_detail_queries_do_not_grow_with_history(client, django_assert_max_num_queries):
    owner = officer_of(ADUR)
    client.force_login(owner)
    listing = make_listing()
    from offers import services

    for n in range(15):
        listing = services.listing_update(
            listing=listing, by=owner, version=listing.version, changes={"title": f"T{n}"}
        )
    with django_assert_max_num_queries(14):
        response = client.get(listing.get_absolute_url())
    assert response.status_code == 200


def test_radius_error_shows_even_when_service_is_missing(client):
    client.force_login(officer_of(ADUR))
    response = client.post(
        reverse("offers:create", kwargs={"kind": "offer"}),
        listing_form_data(
            service="", partner_scope=Listing.PartnerScope.RADIUS, partner_radius_km=""
        ),
    )
    html = response.content.decode()
    assert "Select the service" in html
    assert "Enter how far away a partner can be, in kilometres" in html


def test_visible_to_separates_public_from_public_sector_only():
    public = make_listing(status=S.PUBLISHED)
    private = make_listing(status=S.PUBLISHED, visibility=Listing.Visibility.SIGNED_IN)
    make_listing(status=S.DRAFT)
    from django.contrib.auth.models import AnonymousUser

    assert set(Listing.objects.visible_to(AnonymousUser())) == {public}
    assert set(Listing.objects.visible_to(UserFactory())) == {public}
    assert set(Listing.objects.visible_to(officer_of(ARUN))) == {public, private}
