"""Expressions of interest: one per officer per listing, one email, rate-limited,
marked only by the owner council; listed on the dashboard without N+1."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from offers.interest import services as interest_services
from offers.interest.services import InterestRateLimited
from offers.lifecycle import NotPermitted
from offers.models import Interest, Listing
from tests.factories import UserFactory, officer_of

from .factories import ADUR, ARUN, HARTLEPOOL, WEST_SUSSEX, make_listing

pytestmark = pytest.mark.django_db

S = Listing.Status


@pytest.fixture
def listing() -> Listing:
    return make_listing(
        status=S.PUBLISHED, contact_name="Sam Contact", contact_email="sam@adur.example.gov.uk"
    )


@pytest.fixture
def sender():
    return officer_of(ARUN, full_name="Alex Sender", email="alex@arun.example.gov.uk")


def express_url(listing: Listing) -> str:
    return reverse("offers:interest", kwargs={"pk": listing.pk})


def interest_state() -> list[tuple]:
    return list(Interest.objects.order_by("pk").values_list("pk", "status", "message"))


# --- expressing interest ----------------------------------------------------------------


def test_officer_of_another_council_sees_the_button_and_sends_one_email(
    client, listing, sender, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    page = client.get(listing.get_absolute_url()).content.decode()
    assert "Express interest" in page and express_url(listing) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            express_url(listing), {"message": "We would like to talk about sharing."}, follow=True
        )
    assert response.redirect_chain[-1][0] == listing.get_absolute_url()
    html = response.content.decode()
    assert "Your message has been sent to Sam Contact" in html
    assert "You expressed interest on" in html
    interest = Interest.objects.get()
    assert (interest.listing, interest.sender, interest.sender_authority.gss_code) == (
        listing,
        sender,
        ARUN,
    )
    assert (interest.status, interest.message) == (
        Interest.Status.NEW,
        "We would like to talk about sharing.",
    )
    assert interest.notified_at is not None
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["sam@adur.example.gov.uk"]
    assert email.reply_to == ["alex@arun.example.gov.uk"]
    assert "Arun District Council is interested" in email.subject
    assert "We would like to talk about sharing." in email.body
    assert "Alex Sender" in email.body


def test_double_submit_makes_one_interest_and_one_email(
    client, listing, sender, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(sender)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(express_url(listing), {"message": "First click"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(express_url(listing), {"message": "Second click"}, follow=True)
    assert "You have already expressed interest in this listing" in response.content.decode()
    assert Interest.objects.count() == 1
    assert Interest.objects.get().message == "First click"
    assert len(mailoutbox) == 1


def test_service_called_twice_returns_the_first_and_enqueues_nothing(
    listing, sender, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as first:
        interest, created = interest_services.interest_register(
            listing=listing, by=sender, message="Hello"
        )
    with django_capture_on_commit_callbacks(execute=True) as second:
        again, created_again = interest_services.interest_register(
            listing=listing, by=sender, message="Hello again"
        )
    assert (created, created_again, again) == (True, False, interest)
    assert (len(first), len(second)) == (1, 0)
    assert len(mailoutbox) == 1
    # A retried task sends nothing more.
    assert interest_services.interest_email(interest_id=interest.pk) is False
    assert len(mailoutbox) == 1


def test_email_is_sent_only_after_commit(
    listing, sender, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        interest_services.interest_register(listing=listing, by=sender, message="Hello")
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 1


def test_one_interest_per_sender_is_a_database_constraint(listing, sender):
    Interest.objects.create(
        listing=listing,
        sender=sender,
        sender_authority_id=sender.memberships.get().authority_id,
        message="a",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Interest.objects.create(
            listing=listing,
            sender=sender,
            sender_authority_id=sender.memberships.get().authority_id,
            message="b",
        )


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "Enter a message to the council"),
        ("   ", "Enter a message to the council"),
        ("x" * 2001, "Message must be 2,000 characters or fewer"),
    ],
)
def test_message_is_required_and_limited(client, listing, sender, mailoutbox, message, error):
    client.force_login(sender)
    response = client.post(express_url(listing), {"message": message})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and error in html
    assert not Interest.objects.exists()
    assert mailoutbox == []


def test_own_council_officers_cannot_express_interest_in_their_own_listing(
    client, listing, mailoutbox
):
    colleague = officer_of(ADUR)
    client.force_login(colleague)
    assert "Express interest" not in client.get(listing.get_absolute_url()).content.decode()
    response = client.post(express_url(listing), {"message": "Us too"})
    assert response.status_code == 403
    with pytest.raises(NotPermitted, match="your own council"):
        interest_services.interest_register(listing=listing, by=colleague, message="Us too")
    assert not Interest.objects.exists()
    assert mailoutbox == []


def test_only_published_listings_take_interest(client, sender):
    draft = make_listing(status=S.SUBMITTED)
    client.force_login(sender)
    response = client.post(express_url(draft), {"message": "Hello"})
    assert response.status_code == 404  # another council cannot see a listing under review
    with pytest.raises(NotPermitted):
        interest_services.interest_register(listing=draft, by=sender, message="Hello")
    assert not Interest.objects.exists()


def test_rate_limit_blocks_the_eleventh_listing_in_an_hour(client, sender, settings, mailoutbox):
    settings.INTEREST_RATE_LIMIT = 3
    listings = [make_listing(status=S.PUBLISHED) for _ in range(4)]
    client.force_login(sender)
    for listing in listings[:3]:
        assert client.post(express_url(listing), {"message": "Hello"}).status_code == 302
    response = client.post(express_url(listings[3]), {"message": "Hello"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "You have expressed interest in too many listings in the last hour" in html
    assert "There is a problem" in html
    assert Interest.objects.count() == 3
    assert not Interest.objects.filter(listing=listings[3]).exists()
    with pytest.raises(InterestRateLimited):
        interest_services.interest_register(listing=listings[3], by=sender, message="Hello")


def test_default_rate_limit_is_ten_per_hour_per_person(sender):
    listings = [make_listing(status=S.PUBLISHED) for _ in range(11)]
    for listing in listings[:10]:
        interest_services.interest_register(listing=listing, by=sender, message="Hi")
    with pytest.raises(InterestRateLimited):
        interest_services.interest_register(listing=listings[10], by=sender, message="Hi")
    # Someone else is not held back by it.
    other = officer_of(HARTLEPOOL)
    interest_services.interest_register(listing=listings[10], by=other, message="Hi")
    assert Interest.objects.count() == 11


# --- status marking ---------------------------------------------------------------------


@pytest.fixture
def interest(listing, sender) -> Interest:
    return interest_services.interest_register(listing=listing, by=sender, message="Hello")[0]


def test_owner_council_marks_the_status(client, interest):
    client.force_login(officer_of(ADUR))
    url = reverse("offers:interest_detail", kwargs={"pk": interest.pk})
    page = client.get(url).content.decode()
    assert "Interest from Arun District Council" in page and "Hello" in page
    response = client.post(url, {"status": Interest.Status.IN_DISCUSSION}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("offers:dashboard")
    assert "The status has been updated" in response.content.decode()
    interest.refresh_from_db()
    assert interest.status == Interest.Status.IN_DISCUSSION


def test_status_must_be_one_of_the_choices(client, interest):
    client.force_login(officer_of(ADUR))
    response = client.post(
        reverse("offers:interest_detail", kwargs={"pk": interest.pk}), {"status": "won"}
    )
    assert response.status_code == 200
    assert "Select the status of this expression of interest" in response.content.decode()
    interest.refresh_from_db()
    assert interest.status == Interest.Status.NEW


def test_sender_sees_their_interest_but_cannot_mark_it(client, interest, sender):
    client.force_login(sender)
    url = reverse("offers:interest_detail", kwargs={"pk": interest.pk})
    page = client.get(url).content.decode()
    assert "Your interest in this offer" in page and "Save status" not in page
    assert client.post(url, {"status": Interest.Status.PARTNERED}).status_code == 403
    interest.refresh_from_db()
    assert interest.status == Interest.Status.NEW


# --- permissions walk ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["anonymous", "other_council_officer", "owner_officer", "non_member", "sender"]
)
def test_interest_urls_refuse_the_wrong_user_and_change_nothing(
    client, listing, interest, sender, mailoutbox, who
):
    """Sender may not mark status; owner may not express interest in its own listing;
    others may do neither."""
    users = {
        "other_council_officer": officer_of(WEST_SUSSEX),
        "owner_officer": officer_of(ADUR),
        "non_member": UserFactory(),
        "sender": sender,
    }
    if who != "anonymous":
        client.force_login(users[who])
    mailoutbox.clear()
    before = interest_state()
    requests = {
        "express": (express_url(listing), {"message": "Hijack"}),
        "status": (
            reverse("offers:interest_detail", kwargs={"pk": interest.pk}),
            {"status": Interest.Status.PARTNERED},
        ),
    }
    allowed = {"other_council_officer": {"express"}, "owner_officer": {"status"}}.get(who, set())
    for name, (url, data) in requests.items():
        if name in allowed:
            continue
        response = client.post(url, data)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("account_login")), url
        elif who == "sender" and name == "express":
            # Already expressed: sent back to the listing with a message, nothing new.
            assert response.status_code == 302, url
        else:
            assert response.status_code in (403, 404), (who, url)
    assert interest_state() == before
    assert mailoutbox == []


def test_csrf_is_enforced_on_express_interest(listing, sender):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(sender)
    assert client.post(express_url(listing), {"message": "Hello"}).status_code == 403
    assert not Interest.objects.exists()


# --- dashboard ----------------------------------------------------------------------------


def test_dashboard_lists_interest_received_and_sent(client, listing, interest, sender):
    arun_listing = make_listing(
        status=S.PUBLISHED, authority=sender.memberships.get().authority, title="Arun's need"
    )
    adur_officer = officer_of(ADUR)
    interest_services.interest_register(listing=arun_listing, by=adur_officer, message="Hi")

    client.force_login(adur_officer)
    response = client.get(reverse("offers:dashboard"))
    html = response.content.decode()
    received = html[html.index('id="interest-received"') : html.index('id="interest-sent"')]
    sent = html[html.index('id="interest-sent"') :]
    assert "Arun District Council" in received and listing.title in received
    assert interest.get_absolute_url() in received
    assert "Arun&#x27;s need" in sent

    client.force_login(sender)
    html = client.get(reverse("offers:dashboard")).content.decode()
    received = html[html.index('id="interest-received"') : html.index('id="interest-sent"')]
    sent = html[html.index('id="interest-sent"') :]
    assert "Adur District Council" in received and "Arun&#x27;s need" in received
    assert listing.title in sent


def test_dashboard_interest_queries_do_not_grow_with_rows(
    client, listing, django_assert_max_num_queries
):
    owner = officer_of(ADUR)
    client.force_login(owner)
    client.get(reverse("offers:dashboard"))
    with django_assert_max_num_queries(50) as few:
        client.get(reverse("offers:dashboard"))
    for gss in (ARUN, HARTLEPOOL, WEST_SUSSEX):
        for _ in range(4):
            interest_services.interest_register(
                listing=listing, by=officer_of(gss), message="Hello"
            )
    for _ in range(5):
        other = make_listing(
            status=S.PUBLISHED, authority=officer_of(ARUN).memberships.get().authority
        )
        interest_services.interest_register(listing=other, by=owner, message="Hi")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("offers:dashboard"))
    assert response.content.decode().count("/listings/interests/") == 17


# --- the sender is told when the owner marks it --------------------------------------


def _mark(client, interest: Interest, status: str):
    from tests.commits import committing

    with committing():
        return client.post(
            reverse("offers:interest_detail", kwargs={"pk": interest.pk}), {"status": status}
        )


def test_sender_is_emailed_when_the_owner_marks_their_interest(
    client, interest, sender, mailoutbox, settings
):
    settings.SITE_URL = "http://portal.example:8250"
    mailoutbox.clear()  # the owner's "interest received" email
    client.force_login(officer_of(ADUR))

    _mark(client, interest, Interest.Status.IN_DISCUSSION)

    assert [m.to for m in mailoutbox] == [[sender.email]]
    message = mailoutbox[0]
    assert message.subject == (
        f"[Find a shared service partner] Adur District Council marked your interest as in "
        f"discussion: {interest.listing.title}"
    )
    assert message.reply_to == ["sam@adur.example.gov.uk"]
    assert f"http://portal.example:8250/listings/{interest.listing.pk}/" in message.body
    assert "http://portal.example:8250/listings/digests/" in message.body  # turn it off


def test_marking_the_same_status_again_sends_nothing_more(client, interest, mailoutbox):
    mailoutbox.clear()
    client.force_login(officer_of(ADUR))

    _mark(client, interest, Interest.Status.PARTNERED)
    _mark(client, interest, Interest.Status.IN_DISCUSSION)
    _mark(client, interest, Interest.Status.PARTNERED)
    _mark(client, interest, Interest.Status.NEW)

    assert [m.subject.split(" as ")[1].split(":")[0] for m in mailoutbox] == [
        "partnered",
        "in discussion",
    ]


def test_sender_who_turned_interest_updates_off_is_not_emailed(
    client, interest, sender, mailoutbox
):
    from councils.models import EmailPreference

    EmailPreference.objects.create(user=sender, interest_updates=False)
    mailoutbox.clear()
    client.force_login(officer_of(ADUR))

    _mark(client, interest, Interest.Status.NOT_TAKEN_FORWARD)

    assert mailoutbox == []
