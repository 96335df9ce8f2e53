"""Moderation: the staff queue, the review page and its decisions, reports, screening flags."""

from datetime import timedelta
from typing import cast

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from councils.models import User
from offers import services
from offers.models import Listing, ListingEvent, Report, ScreeningTerm
from offers.moderation import services as moderation_services
from tests.factories import UserFactory, officer_of

from .factories import ADUR, ARUN, make_listing

pytestmark = pytest.mark.django_db

S = Listing.Status


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def owner():
    return officer_of(ADUR)


def submitted(days_ago: float = 0, **kwargs) -> Listing:
    return make_listing(
        status=S.SUBMITTED, submitted_at=timezone.now() - timedelta(days=days_ago), **kwargs
    )


def published(**kwargs) -> Listing:
    """A listing published through the services, so it has a snapshot."""
    listing = make_listing(status=S.SUBMITTED, submitted_at=timezone.now(), **kwargs)
    return services.listing_publish(listing=listing, by=cast(User, UserFactory(is_staff=True)))


def state(listing: Listing) -> tuple:
    listing.refresh_from_db()
    return (listing.status, listing.version, listing.status_reason, listing.events.count())


# --- the queue ---------------------------------------------------------------------------


def test_queue_lists_submitted_listings_oldest_first(client, staff):
    newest = submitted(days_ago=1, title="Newest")
    oldest = submitted(days_ago=9, title="Oldest")
    middle = submitted(days_ago=4, title="Middle")
    make_listing(status=S.DRAFT, title="A draft")
    make_listing(status=S.PUBLISHED, title="Already published")
    client.force_login(staff)
    response = client.get(reverse("offers:moderation_queue"))
    assert response.status_code == 200
    items = response.context["queue"].submitted
    assert [i.listing for i in items] == [oldest, middle, newest]
    html = response.content.decode()
    assert html.index("Oldest") < html.index("Middle") < html.index("Newest")
    assert "A draft" not in html and "Already published" not in html
    assert "Adur District Council" in html and "Building control" in html
    assert "First submission" in html
    assert "1\xa0week, 2\xa0days" in html  # age


def test_queue_shows_screening_flags_and_open_report_counts(client, staff):
    ScreeningTerm.objects.create(term="jackpot")
    flagged = submitted(description="Visit www.example.com or win the jackpot.")
    reported = published(title="Reported one")
    for _ in range(2):
        moderation_services.report_create(
            listing=reported, by=officer_of(ARUN), reason="This is advertising"
        )
    client.force_login(staff)
    response = client.get(reverse("offers:moderation_queue"))
    queue = response.context["queue"]
    assert [f.message for f in queue.submitted[0].flags] == [
        "Contains a link: www.example.com (in the description)",
        "Contains a screened word: “jackpot” (in the description)",
    ]
    assert queue.submitted[0].listing == flagged
    assert [(i.listing, i.open_reports) for i in queue.reported] == [(reported, 2)]
    html = response.content.decode()
    assert "Contains a link: www.example.com" in html
    assert "Reported listings" in html and "Reported one" in html


def test_seeded_screening_terms_flag_listings(client, staff):
    assert ScreeningTerm.objects.filter(term__in=["guaranteed", "crypto", "casino"]).count() == 3
    submitted(summary="Guaranteed savings, paid in crypto")
    client.force_login(staff)
    flags = client.get(reverse("offers:moderation_queue")).context["queue"].submitted[0].flags
    assert {f.match for f in flags} == {"guaranteed", "crypto"}


def test_flags_do_not_block_submission(owner):
    listing = make_listing(description="Email me at x@example.com, see www.example.com")
    services.listing_submit(listing=listing, by=owner)
    assert state(listing)[0] == S.SUBMITTED


def test_queue_queries_do_not_grow_with_rows(client, staff, django_assert_max_num_queries):
    for i in range(3):
        submitted(days_ago=i)
    client.force_login(staff)
    client.get(reverse("offers:moderation_queue"))  # warm the session
    with django_assert_max_num_queries(50) as few:
        client.get(reverse("offers:moderation_queue"))
    for i in range(25):
        submitted(days_ago=i, description=f"see www.site{i}.com")
    for _ in range(10):
        moderation_services.report_create(listing=published(), by=officer_of(ARUN), reason="Spam")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("offers:moderation_queue"))
    assert len(response.context["queue"].submitted) == 28
    assert len(response.context["queue"].reported) == 10


@pytest.mark.parametrize("who", ["officer", "non_member"])
def test_queue_is_refused_to_non_staff(client, who):
    client.force_login(officer_of(ADUR) if who == "officer" else UserFactory())
    assert client.get(reverse("offers:moderation_queue")).status_code == 403


def test_queue_sends_anonymous_users_to_sign_in(client):
    response = client.get(reverse("offers:moderation_queue"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# --- the review page ---------------------------------------------------------------------


def test_review_of_a_never_published_listing_says_first_submission(client, staff):
    listing = submitted(title="Brand new")
    client.force_login(staff)
    response = client.get(reverse("offers:moderation_review", kwargs={"pk": listing.pk}))
    assert response.status_code == 200
    assert response.context["page"].diff is None
    html = response.content.decode()
    assert "First submission" in html
    assert "Brand new" in html and listing.summary in html


def test_review_diff_shows_the_fields_changed_since_publication(client, staff, owner):
    listing = published(title="Old title", summary="Old summary")
    listing = services.listing_update(
        listing=listing,
        by=owner,
        version=listing.version,
        changes={"title": "New title", "annual_value_gbp": 90000},
    )
    assert listing.status == S.PUBLISHED  # an edit of a live listing stays live
    client.force_login(staff)
    response = client.get(reverse("offers:moderation_review", kwargs={"pk": listing.pk}))
    diff = response.context["page"].diff
    assert [(row.name, row.old, row.new) for row in diff] == [
        ("title", "Old title", "New title"),
        ("annual_value_gbp", None, 90000),
    ]
    html = response.content.decode()
    assert "<del>Old title</del>" in html and "<ins>New title</ins>" in html
    assert "Annual value (£)" in html
    assert "<del>Old summary</del>" not in html  # unchanged fields are not in the diff


def test_approve_publishes_and_emails_the_owner(
    client, staff, mailoutbox, django_capture_on_commit_callbacks
):
    listing = submitted(contact_email="contact@adur.example.gov.uk")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
            {"decision": "approve", "version": listing.version},
            follow=True,
        )
    assert response.redirect_chain[-1][0] == reverse("offers:moderation_queue")
    assert "is published. We have emailed the council." in response.content.decode()
    assert state(listing)[0] == S.PUBLISHED
    assert listing.published_snapshot is not None
    assert [m.to for m in mailoutbox] == [["contact@adur.example.gov.uk"]]
    assert "is published" in mailoutbox[0].subject


@pytest.mark.parametrize(
    ("decision", "field", "status", "subject"),
    [
        ("request_changes", "changes_reason", S.CHANGES_REQUESTED, "Changes needed"),
        ("reject", "reject_reason", S.REJECTED, "was not published"),
    ],
)
def test_decisions_with_a_reason_email_the_owner_the_reason(
    client, staff, mailoutbox, django_capture_on_commit_callbacks, decision, field, status, subject
):
    listing = submitted(contact_email="contact@adur.example.gov.uk")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
            {
                "decision": decision,
                field: "Please give the annual cost",
                "version": listing.version,
            },
        )
    assert response.status_code == 302
    assert state(listing)[:3] == (status, 2, "Please give the annual cost")
    action = {
        "request_changes": ListingEvent.Action.CHANGES_REQUESTED,
        "reject": ListingEvent.Action.REJECTED,
    }[decision]
    event = listing.events.get(action=action)
    assert (event.actor, event.reason) == (staff, "Please give the annual cost")
    assert len(mailoutbox) == 1
    assert subject in mailoutbox[0].subject
    assert "Please give the annual cost" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        ("request_changes", "Enter the changes the council needs to make"),
        ("reject", "Enter a reason for rejecting the listing"),
        ("", "Select what you want to do with the listing"),
    ],
)
def test_reasons_are_required(client, staff, mailoutbox, decision, message):
    listing = submitted()
    before = state(listing)
    client.force_login(staff)
    response = client.post(
        reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
        {"decision": decision, "changes_reason": "  ", "reject_reason": "", "version": 1},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and message in html
    assert state(listing) == before
    assert mailoutbox == []


def test_service_also_requires_a_reason(staff):
    listing = submitted()
    with pytest.raises(Exception, match="Enter a reason for rejecting the listing"):
        moderation_services.listing_moderate(listing=listing, by=staff, decision="reject")
    assert state(listing)[0] == S.SUBMITTED


def test_decision_on_a_listing_changed_since_the_page_loaded_is_refused(client, staff, owner):
    listing = submitted(title="Before")
    loaded = listing.version
    services.listing_update(listing=listing, by=owner, version=loaded, changes={"title": "After"})
    client.force_login(staff)
    response = client.post(
        reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
        {"decision": "approve", "version": loaded},
    )
    assert response.status_code == 200
    assert "The council changed this listing after you opened this page" in (
        response.content.decode()
    )
    assert state(listing)[0] == S.SUBMITTED


# --- reports -----------------------------------------------------------------------------


def test_signed_in_user_reports_a_listing_and_sees_a_confirmation(client):
    listing = published()
    reporter = officer_of(ARUN)
    client.force_login(reporter)
    page = client.get(listing.get_absolute_url()).content.decode()
    assert reverse("offers:report", kwargs={"pk": listing.pk}) in page
    assert "Report this listing" in page
    response = client.post(
        reverse("offers:report", kwargs={"pk": listing.pk}),
        {"reason": "It is an advert"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "offers:report_sent", kwargs={"pk": listing.pk}
    )
    assert "Report sent" in response.content.decode()
    report = Report.objects.get()
    assert (report.listing, report.reporter, report.reason, report.status) == (
        listing,
        reporter,
        "It is an advert",
        Report.Status.OPEN,
    )


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter why you are reporting this listing"),
        ("x" * 2001, "Reason must be 2,000 characters or fewer"),
    ],
)
def test_report_reason_is_required_and_limited(client, reason, message):
    listing = published()
    client.force_login(officer_of(ARUN))
    response = client.post(reverse("offers:report", kwargs={"pk": listing.pk}), {"reason": reason})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_reporting_twice_keeps_one_open_report(client):
    listing = published()
    client.force_login(officer_of(ARUN))
    url = reverse("offers:report", kwargs={"pk": listing.pk})
    client.post(url, {"reason": "First"})
    response = client.post(url, {"reason": "Second"})
    assert Report.objects.count() == 1
    assert "You reported this listing on" in response.content.decode()


def test_one_open_report_per_reporter_is_a_database_constraint():
    listing = published()
    reporter = officer_of(ARUN)
    Report.objects.create(listing=listing, reporter=reporter, reason="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(listing=listing, reporter=reporter, reason="b")
    # Once the first is dealt with, the same person may report again.
    Report.objects.update(status=Report.Status.DISMISSED)
    Report.objects.create(listing=listing, reporter=reporter, reason="c")
    assert Report.objects.count() == 2


def test_owner_council_cannot_report_its_own_listing(client):
    listing = published()
    client.force_login(officer_of(ADUR))
    assert "Report this listing" not in client.get(listing.get_absolute_url()).content.decode()
    response = client.post(reverse("offers:report", kwargs={"pk": listing.pk}), {"reason": "x"})
    assert response.status_code == 403
    assert not Report.objects.exists()


def test_unpublished_listing_cannot_be_reported(client):
    listing = submitted()
    client.force_login(officer_of(ARUN))
    response = client.post(reverse("offers:report", kwargs={"pk": listing.pk}), {"reason": "x"})
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_staff_dismiss_a_report_and_the_listing_is_unchanged(client, staff):
    listing = published()
    report, _ = moderation_services.report_create(
        listing=listing, by=officer_of(ARUN), reason="Not sure"
    )
    before = state(listing)
    client.force_login(staff)
    response = client.post(reverse("offers:report_dismiss", kwargs={"pk": report.pk}), follow=True)
    assert "The report has been dismissed" in response.content.decode()
    report.refresh_from_db()
    assert (report.status, report.resolved_by) == (Report.Status.DISMISSED, staff)
    assert report.resolved_at is not None
    assert state(listing) == before
    assert client.get(reverse("offers:moderation_queue")).context["queue"].reported == []


def test_staff_unpublish_a_reported_listing_with_a_reason_and_history_records_it(
    client, staff, mailoutbox, django_capture_on_commit_callbacks
):
    listing = published()
    reports = [
        moderation_services.report_create(listing=listing, by=officer_of(ARUN), reason="Advert")[0]
        for _ in range(2)
    ]
    client.force_login(staff)
    page = client.get(reverse("offers:moderation_review", kwargs={"pk": listing.pk}))
    html = page.content.decode()
    assert "Unpublish and reject" in html and "Approve and publish" not in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
            {"decision": "reject", "reject_reason": "Advertising is not allowed", "version": 2},
        )
    assert state(listing)[0] == S.REJECTED
    event = listing.events.get(action=ListingEvent.Action.REJECTED)
    assert (event.from_status, event.reason) == (S.PUBLISHED, "Advertising is not allowed")
    for report in reports:
        report.refresh_from_db()
        assert (report.status, report.resolved_by) == (Report.Status.RESOLVED, staff)
    assert len(mailoutbox) == 1 and "Advertising is not allowed" in mailoutbox[0].body


# --- permissions walk ---------------------------------------------------------------------


def mutating_requests(listing: Listing, report: Report) -> list[tuple[str, dict]]:
    return [
        (
            reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
            {"decision": "reject", "reject_reason": "No", "version": listing.version},
        ),
        (reverse("offers:report_dismiss", kwargs={"pk": report.pk}), {}),
    ]


@pytest.mark.parametrize(
    "who", ["anonymous", "other_council_officer", "owner_officer", "non_member"]
)
def test_moderation_urls_refuse_non_staff_and_change_nothing(client, who):
    listing = published()
    report, _ = moderation_services.report_create(
        listing=listing, by=officer_of(ARUN), reason="Advert"
    )
    if who == "other_council_officer":
        client.force_login(officer_of(ARUN))
    elif who == "owner_officer":
        client.force_login(officer_of(ADUR))
    elif who == "non_member":
        client.force_login(UserFactory())
    before = (state(listing), list(Report.objects.values_list("status", flat=True)))
    urls = [
        *mutating_requests(listing, report),
        (reverse("offers:moderation_queue"), None),
        (reverse("offers:moderation_review", kwargs={"pk": listing.pk}), None),
    ]
    for url, data in urls:
        response = client.get(url) if data is None else client.post(url, data)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login")), url
        else:
            assert response.status_code == 403, url
    assert (state(listing), list(Report.objects.values_list("status", flat=True))) == before


def test_report_urls_refuse_anonymous_users_and_change_nothing(client):
    listing = published()
    for url in (
        reverse("offers:report", kwargs={"pk": listing.pk}),
        reverse("offers:report_sent", kwargs={"pk": listing.pk}),
    ):
        response = client.post(url, {"reason": "Advert"})
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("account_login")), url
    assert not Report.objects.exists()


def test_dismiss_needs_post(client, staff):
    listing = published()
    report, _ = moderation_services.report_create(listing=listing, by=officer_of(ARUN), reason="x")
    client.force_login(staff)
    assert client.get(reverse("offers:report_dismiss", kwargs={"pk": report.pk})).status_code == 405
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN


def test_csrf_is_enforced_on_moderation(staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    listing = submitted()
    response = client.post(
        reverse("offers:moderation_review", kwargs={"pk": listing.pk}),
        {"decision": "approve", "version": listing.version},
    )
    assert response.status_code == 403
    assert state(listing)[0] == S.SUBMITTED


def test_reason_boxes_are_not_labelled_optional(client, staff):
    listing = submitted()
    client.force_login(staff)
    html = client.get(reverse("offers:moderation_review", args=[listing.pk])).content.decode()
    assert "What needs to change</label>" in html.replace("\n", "")
    assert "(optional)" not in html
    assert "Required if you choose this." in html
