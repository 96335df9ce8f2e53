"""Two-sided confirmation: a recorded arrangement is private to its partners until
every partner confirms and a moderator publishes it; a partner can decline; one from
public sources is public at once and labelled until a partner confirms or disputes."""

from typing import cast

import pytest

from arrangements import services
from arrangements.models import ArrangementPartner, SharedArrangement
from councils.models import User
from tests.factories import UserFactory, officer_of

from .factories import ADUR, ARUN, HARTLEPOOL, WORTHING, recorded, seeded

pytestmark = pytest.mark.django_db
LABEL = "From public sources, not yet confirmed by the partners"


def _public_everywhere(client, arrangement) -> list[bool]:
    """Whether it shows on the register, its page, a partner's profile and the API."""
    client.logout()
    return [
        arrangement.name in client.get("/arrangements/").content.decode(),
        client.get(arrangement.get_absolute_url()).status_code == 200,
        arrangement.name in client.get(f"/councils/{WORTHING}/").content.decode(),
        arrangement.name
        in {r["name"] for r in client.get("/api/v1/arrangements/").json()["results"]},
    ]


def _answer(client, arrangement, gss: str, state: str, reason: str = ""):
    client.force_login(officer_of(gss))
    return client.post(
        f"/arrangements/{arrangement.pk}/answer/", {"state": state, "reason": reason}
    )


def test_recorded_arrangement_is_never_public_before_every_partner_confirms(client):
    arrangement = recorded(by=officer_of(ADUR))
    assert arrangement.status == SharedArrangement.Status.AWAITING_PARTNERS
    assert _public_everywhere(client, arrangement) == [False] * 4

    assert _answer(client, arrangement, WORTHING, "confirmed").status_code == 302
    assert _public_everywhere(client, arrangement) == [False] * 4  # Arun has not answered

    _answer(client, arrangement, ARUN, "confirmed")
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.SUBMITTED  # now a moderator's turn
    assert _public_everywhere(client, arrangement) == [False] * 4

    services.arrangement_moderate(
        arrangement=arrangement, by=cast(User, UserFactory(is_staff=True)), decision="publish"
    )
    assert _public_everywhere(client, arrangement) == [True] * 4


def test_partners_officers_see_the_private_page_and_others_do_not(client):
    arrangement = recorded(by=officer_of(ADUR))
    client.force_login(officer_of(WORTHING))
    page = client.get(arrangement.get_absolute_url())
    assert page.status_code == 200
    assert "Your organisation&#x27;s answer" in page.content.decode()
    client.force_login(officer_of(HARTLEPOOL))
    assert client.get(arrangement.get_absolute_url()).status_code == 404
    assert _answer(client, arrangement, HARTLEPOOL, "confirmed").status_code == 403


def test_a_partner_can_decline_and_it_never_goes_public(client, mailoutbox):
    arrangement = recorded(by=officer_of(ADUR))
    response = _answer(client, arrangement, ARUN, "declined", "We only share planning with Adur.")
    assert response.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.DECLINED
    assert arrangement.status_reason == "We only share planning with Adur."
    assert [e.action for e in arrangement.events.all()] == ["recorded", "declined"]
    _answer(client, arrangement, WORTHING, "confirmed")  # too late: nothing changes
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.DECLINED
    assert _public_everywhere(client, arrangement) == [False] * 4


def test_declining_needs_a_reason(client):
    arrangement = recorded(by=officer_of(ADUR))
    response = _answer(client, arrangement, ARUN, "declined", "")
    assert response.status_code == 400
    assert "Say why" in response.content.decode()
    assert (
        ArrangementPartner.objects.get(arrangement=arrangement, authority__gss_code=ARUN).state
        == "pending"
    )


def test_answering_twice_changes_nothing():
    arrangement = recorded(by=officer_of(ADUR))
    worthing_officer = officer_of(WORTHING)
    worthing = arrangement.partners.get(authority__gss_code=WORTHING).authority
    services.arrangement_answer(
        arrangement=arrangement, authority=worthing, by=worthing_officer, state="confirmed"
    )
    with pytest.raises(services.ArrangementStateError):
        services.arrangement_answer(
            arrangement=arrangement, authority=worthing, by=worthing_officer, state="confirmed"
        )
    assert arrangement.events.filter(action="confirmed").count() == 1


def test_partners_are_emailed_through_the_outbox():
    from core.models import OutboxMessage

    worthing_officer = officer_of(WORTHING)
    officer_of(ARUN)  # not a partner: not told
    recorded(by=officer_of(ADUR), partners=(WORTHING,))
    message = OutboxMessage.objects.get(kind="arrangement_confirm")
    assert "Confirm a shared arrangement" in message.subject
    assert message.to == [worthing_officer.email]


def test_seeded_arrangement_is_public_and_labelled_until_a_partner_confirms(client):
    arrangement = seeded()
    assert _public_everywhere(client, arrangement) == [True] * 4
    page = client.get(arrangement.get_absolute_url()).content.decode()
    assert LABEL in page
    assert "adur-worthing.gov.uk/about-the-councils/partnership-working/" in page
    assert LABEL in client.get("/arrangements/").content.decode()
    _answer(client, arrangement, ADUR, "confirmed")
    client.logout()
    page = client.get(arrangement.get_absolute_url()).content.decode()
    assert LABEL not in page
    assert "Confirmed by 1 of 2 partners" in page


def test_a_disputed_seeded_arrangement_leaves_the_register_for_review(client):
    arrangement = seeded()
    _answer(client, arrangement, WORTHING, "disputed", "Waste collection is no longer joint.")
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.DISPUTED
    assert _public_everywhere(client, arrangement) == [False] * 4
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    queue = client.get("/arrangements/moderation/").content.decode()
    assert arrangement.name in queue and "Waste collection is no longer joint." in queue


def test_moderator_rejects_with_a_reason_and_it_is_audited(client):
    from core.models import AuditEntry

    arrangement = recorded(by=officer_of(ADUR), partners=(WORTHING,))
    _answer(client, arrangement, WORTHING, "confirmed")
    client.force_login(UserFactory(is_staff=True))
    client.post(f"/arrangements/{arrangement.pk}/moderate/", {"decision": "reject", "reason": ""})
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.SUBMITTED  # no reason: refused
    client.post(
        f"/arrangements/{arrangement.pk}/moderate/",
        {"decision": "reject", "reason": "Not a shared service."},
    )
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.REJECTED
    assert AuditEntry.objects.filter(action="arrangement_reject").exists()


def test_the_contact_is_only_for_signed_in_public_sector_users(client):
    arrangement = recorded(by=officer_of(ADUR), partners=(WORTHING,))
    _answer(client, arrangement, WORTHING, "confirmed")
    services.arrangement_moderate(
        arrangement=arrangement, by=cast(User, UserFactory(is_staff=True)), decision="publish"
    )
    client.logout()
    assert "sam.contact@" not in client.get(arrangement.get_absolute_url()).content.decode()
    assert "sam.contact@" not in client.get("/api/v1/arrangements/").content.decode()
    assert (
        "sam.contact@"
        not in b"".join(client.get("/data/arrangements.csv").streaming_content).decode()
    )
    client.force_login(officer_of(HARTLEPOOL))
    assert "sam.contact@" in client.get(arrangement.get_absolute_url()).content.decode()
