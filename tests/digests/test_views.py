"""Pages: preferences, alerts, one-click unsubscribe, the staff view of runs."""

import datetime as dt
from typing import Any, cast

import pytest
from django.core import signing
from django.test import Client

from councils.models import User
from digests import services as digests
from digests.models import DigestDelivery, DigestFrequency, DigestPreference, DigestRun, SavedSearch
from digests.selectors import digest_due_user_ids
from digests.unsubscribe import unsubscribe_token, unsubscribe_user_id
from tests.factories import UserFactory, officer_of
from tests.offers.factories import ADUR

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2025, 3, 3)


def _staff() -> User:
    return cast(User, UserFactory(is_staff=True))


def _url(token: str) -> str:
    return f"/listings/digests/unsubscribe/{token}/"


# --- Unsubscribe ---------------------------------------------------------------------------


def test_one_click_unsubscribe_post_needs_no_sign_in_or_csrf_token() -> None:
    officer = officer_of(ADUR)
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        _url(unsubscribe_token(user_id=officer.pk)), {"List-Unsubscribe": "One-Click"}
    )

    assert response.status_code == 200
    pref = DigestPreference.objects.get(user=officer)
    assert pref.frequency == DigestFrequency.OFF and pref.unsubscribed_at is not None
    assert officer.pk not in digest_due_user_ids(frequency=DigestFrequency.WEEKLY)


def test_unsubscribe_link_shows_a_button_and_changes_nothing_on_get(client: Client) -> None:
    officer = officer_of(ADUR)
    token = unsubscribe_token(user_id=officer.pk)

    page = client.get(_url(token))
    done = client.post(_url(token))

    assert page.status_code == 200 and b"Unsubscribe" in page.content
    assert done.status_code == 200 and b"You have unsubscribed" in done.content
    assert DigestPreference.objects.get(user=officer).frequency == DigestFrequency.OFF


@pytest.mark.parametrize("tamper", ["swap_user", "edit_signature", "other_salt", "garbage"])
def test_tampered_unsubscribe_links_are_refused(client: Client, tamper: str) -> None:
    victim = officer_of(ADUR)
    attacker = officer_of(ADUR)
    token = unsubscribe_token(user_id=attacker.pk)
    forged = {
        "swap_user": token.replace(
            signing.dumps({"u": attacker.pk, "p": "digest"}, salt="x").split(":")[0],
            signing.dumps({"u": victim.pk, "p": "digest"}, salt="x").split(":")[0],
        ),
        "edit_signature": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "other_salt": signing.dumps({"u": victim.pk, "p": "digest"}),
        "garbage": "not-a-token",
    }[tamper]
    assert forged != token

    get = client.get(_url(forged))
    post = client.post(_url(forged), {"List-Unsubscribe": "One-Click"})

    assert get.status_code == 400 and post.status_code == 400
    assert unsubscribe_user_id(token=forged) is None
    assert not DigestPreference.objects.filter(user=victim).exists()


def test_unsubscribe_token_round_trip() -> None:
    assert unsubscribe_user_id(token=unsubscribe_token(user_id=42)) == 42


# --- Preferences ---------------------------------------------------------------------------


def test_preferences_page_shows_the_defaults_and_saves_choices(client: Client) -> None:
    officer = officer_of(ADUR)
    client.force_login(officer)

    page = client.get("/listings/digests/")
    response = client.post(
        "/listings/digests/",
        {
            "frequency": "daily",
            "follow_council": "no",
            "kinds": "offer",
            "services": [],
            "distance": "radius",
            "radius_km": "40",
        },
    )

    assert page.status_code == 200 and b"weekly email" in page.content
    assert response.status_code == 302
    pref = DigestPreference.objects.get(user=officer)
    assert (pref.frequency, pref.follow_council, pref.kinds, pref.radius_km) == (
        "daily",
        False,
        "offer",
        40,
    )
    assert officer.pk in digest_due_user_ids(frequency=DigestFrequency.DAILY)


def test_preferences_need_a_distance_for_within(client: Client) -> None:
    client.force_login(officer_of(ADUR))

    response = client.post(
        "/listings/digests/",
        {
            "frequency": "weekly",
            "follow_council": "yes",
            "kinds": "both",
            "distance": "radius",
            "radius_km": "",
        },
    )

    assert response.status_code == 200
    assert b"Enter how far away a partner can be, in kilometres" in response.content
    assert b"govuk-error-summary" in response.content


def test_preferences_need_sign_in(client: Client) -> None:
    assert client.get("/listings/digests/").status_code == 302


# --- Alerts --------------------------------------------------------------------------------


def test_saving_a_narrow_search_as_an_alert(client: Client) -> None:
    officer = officer_of(ADUR)
    client.force_login(officer)

    page = client.get("/listings/digests/alerts/new/?service=payroll&kind=offer&page=3")
    saved = client.post(
        "/listings/digests/alerts/new/",
        {"name": "Payroll offers", "querystring": "service=payroll&kind=offer&page=3"},
    )
    again = client.post(
        "/listings/digests/alerts/new/",
        {"name": "Same again", "querystring": "kind=offer&service=payroll"},
    )

    assert page.status_code == 200 and b"broad-warning" not in page.content
    assert b"Payroll" in page.content
    assert saved.status_code == 302 and again.status_code == 302
    alert = SavedSearch.objects.get(user=officer)  # the same search is kept once
    assert (alert.name, alert.querystring) == ("Payroll offers", "kind=offer&service=payroll")


def test_a_very_broad_search_warns_before_saving(client: Client) -> None:
    client.force_login(officer_of(ADUR))

    response = client.get("/listings/digests/alerts/new/?kind=offer&sort=newest")

    assert b"broad-warning" in response.content
    assert digests.saved_search_is_broad(querystring="kind=offer")
    assert not digests.saved_search_is_broad(querystring="q=waste")


def test_alerts_are_listed_and_deleted_only_by_their_owner(client: Client) -> None:
    owner, other = officer_of(ADUR), officer_of(ADUR)
    alert = SavedSearch.objects.create(user=owner, name="Mine", querystring="service=payroll")
    client.force_login(other)
    assert client.post(f"/listings/digests/alerts/{alert.pk}/delete/").status_code == 404
    client.force_login(owner)

    listing = client.get("/listings/digests/alerts/")
    deleted = client.post(f"/listings/digests/alerts/{alert.pk}/delete/")

    assert b"Mine" in listing.content
    assert deleted.status_code == 302
    assert not SavedSearch.objects.exists()


# --- Staff view of runs --------------------------------------------------------------------


def _run_with_outcomes() -> DigestRun:
    run, _ = digests.digest_run_start(frequency="weekly", period_start=MONDAY)
    for status in ("sent", "sent", "skipped", "failed"):
        DigestDelivery.objects.create(run=run, user=officer_of(ADUR), status=status, error="550 no")
    return run


def test_staff_see_runs_with_counts_and_can_retry_failures(client: Client, settings: Any) -> None:
    run = _run_with_outcomes()
    client.force_login(_staff())

    runs = client.get("/listings/digests/runs/")
    detail = client.get(f"/listings/digests/runs/{run.pk}/")
    retry = client.post(f"/listings/digests/runs/{run.pk}/retry/")

    assert runs.status_code == 200
    summary = runs.context["runs"][0]
    assert (summary.sent, summary.skipped, summary.failed) == (2, 1, 1)
    assert b"550 no" in detail.content and b'data-testid="retry"' in detail.content
    assert retry.status_code == 302
    assert not DigestDelivery.objects.filter(run=run, status="failed").exists()


def test_runs_are_hidden_from_non_staff(client: Client) -> None:
    run = _run_with_outcomes()
    client.force_login(officer_of(ADUR))

    assert client.get("/listings/digests/runs/").status_code == 404
    assert client.post(f"/listings/digests/runs/{run.pk}/retry/").status_code == 404


def test_runs_page_queries_do_not_grow_with_runs(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    for week in range(12):
        digests.digest_run_start(frequency="weekly", period_start=MONDAY + dt.timedelta(weeks=week))
    client.force_login(_staff())

    with django_assert_max_num_queries(6):
        response = client.get("/listings/digests/runs/")

    assert response.status_code == 200 and len(response.context["runs"]) == 12


def test_listings_page_offers_to_save_the_search_as_an_alert(client):
    from tests.factories import officer_of

    client.force_login(officer_of("E07000223"))
    response = client.get("/listings/?q=legal&kind=offer")
    assert response.status_code == 200
    assert 'data-testid="save-search"' in response.text
    assert "q=legal&amp;kind=offer" in response.text


def test_preferences_page_turns_each_notification_email_on_and_off(client):
    from councils.models import EmailPreference
    from tests.factories import UserFactory

    user = cast(User, UserFactory())
    client.force_login(user)
    page = client.get("/listings/digests/").content.decode()
    assert "Requests to join your organisation" in page
    assert "Updates when a council marks interest you expressed" in page
    assert "part of a suggested consortium or swap" in page
    assert "Reminders of join requests still waiting" in page
    assert page.count('name="notifications-kinds"') == 4
    assert page.count("checked") >= 4  # all on by default

    response = client.post(
        "/listings/digests/notifications/", {"notifications-kinds": ["interest_updates"]}
    )

    assert response.status_code == 302
    preference = EmailPreference.objects.get(user=user)
    assert (preference.join_requests, preference.interest_updates) == (False, True)
    assert (preference.group_suggestions, preference.join_request_reminders) == (False, False)
    client.post("/listings/digests/notifications/", {"notifications-kinds": ["group_suggestions"]})
    preference.refresh_from_db()
    assert (preference.join_requests, preference.interest_updates) == (False, False)
    assert preference.group_suggestions is True
