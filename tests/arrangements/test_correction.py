"""Correcting an arrangement from public sources: a named partner's officer changes
its facts, it is moderated again (off the register meanwhile), the history and audit
keep what it said, and the other partners are asked to confirm the corrected version."""

from typing import cast

import pytest

from arrangements import services
from arrangements.models import ArrangementEvent, ArrangementPartner, SharedArrangement
from core.models import AuditEntry, OutboxMessage
from councils.models import User
from tests.factories import UserFactory, officer_of

from .factories import ADUR, ARUN, HARTLEPOOL, WORTHING, recorded, seeded

pytestmark = pytest.mark.django_db
State = ArrangementPartner.State


def _form(arrangement: SharedArrangement, **changes) -> dict[str, str]:
    """The correction form as it starts (what the register says now), with changes."""
    services_now = [s.slug for s in arrangement.services.all()]
    data = {
        "name": arrangement.name,
        "service_1": services_now[0],
        "service_2": services_now[1] if len(services_now) > 1 else "",
        "service_3": "",
        "lead": "",
        "delivery_model": arrangement.delivery_model,
        "started_year": str(arrangement.started_year or ""),
        "ended_year": "",
        "annual_savings_gbp": "",
        "savings_source_url": "",
        "source_url": arrangement.source_url,
        "description": arrangement.description,
        "reason": "Waste collection has never been joint; the savings are in our report.",
    }
    data.update(changes)
    return data


def _moderate(arrangement: SharedArrangement) -> None:
    services.arrangement_moderate(
        arrangement=arrangement, by=cast(User, UserFactory(is_staff=True)), decision="publish"
    )


def test_a_partner_corrects_the_facts_and_it_is_moderated_before_it_is_public_again(
    client, django_capture_on_commit_callbacks
):
    arrangement = seeded()  # Adur and Worthing: building control and waste, since 2008
    officer_of(WORTHING, email="wyn@worthing.example.gov.uk")
    adur = officer_of(ADUR)
    client.force_login(adur)
    page = client.get(arrangement.get_absolute_url()).content.decode()
    assert "Correct this arrangement" in page
    form = client.get(f"/arrangements/{arrangement.pk}/correct/").content.decode()
    assert 'value="2008"' in form  # started from what the register says

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/arrangements/{arrangement.pk}/correct/",
            _form(
                arrangement,
                service_1="building-control",
                service_2="",
                started_year="2009",
                annual_savings_gbp="450000",
                savings_source_url="https://www.adur-worthing.gov.uk/savings-report",
                lead=ADUR,
            ),
        )
    assert response.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.SUBMITTED
    assert [s.slug for s in arrangement.services.all()] == ["building-control"]
    assert (arrangement.started_year, arrangement.annual_savings_gbp) == (2009, 450000)
    assert arrangement.lead is not None and arrangement.lead.gss_code == ADUR
    assert arrangement.corrected_by is not None and arrangement.corrected_by.gss_code == ADUR
    answers = {a.authority.gss_code: a.state for a in arrangement.partners.all()}
    assert answers == {ADUR: State.CONFIRMED, WORTHING: State.PENDING}

    # Off the register until a moderator has looked at it, as a disputed one is.
    client.logout()
    assert arrangement.name not in client.get("/arrangements/").content.decode()
    assert client.get(arrangement.get_absolute_url()).status_code == 404

    # History and audit keep what it said before; Worthing's officers are asked.
    event = arrangement.events.get(action=ArrangementEvent.Action.CORRECTED)
    assert event.reason.startswith(
        "services, lead organisation, start, reported savings, savings source changed."
    )
    audit = AuditEntry.objects.get(action="arrangement_correct")
    assert audit.before["started_year"] == 2008 and audit.after["started_year"] == 2009
    assert sorted(audit.before["services"]) == ["building-control", "household-waste-collection"]
    message = OutboxMessage.objects.get(key__startswith=f"arrangement-correct:{arrangement.pk}:")
    assert message.to == ["wyn@worthing.example.gov.uk"]

    client.force_login(UserFactory(is_staff=True))
    queue = client.get("/arrangements/moderation/").content.decode()
    assert "Corrected by Adur" in queue and "never been joint" in queue

    _moderate(arrangement)
    client.logout()
    page = client.get(arrangement.get_absolute_url()).content.decode()
    assert "Corrected by Adur, confirmed by 1 of 2 partners" in page
    assert "From public sources, not yet confirmed" not in page
    assert "£450,000 a year" in page

    client.force_login(officer_of(WORTHING))
    client.post(f"/arrangements/{arrangement.pk}/answer/", {"state": "confirmed"})
    client.logout()
    page = client.get(arrangement.get_absolute_url()).content.decode()
    assert "Corrected by Adur, confirmed by every partner" in page


def test_an_earlier_confirmation_is_asked_again_for_the_corrected_version(client):
    arrangement = seeded()
    services.arrangement_answer(
        arrangement=arrangement,
        authority=arrangement.members.get(gss_code=WORTHING),
        by=officer_of(WORTHING),
        state="confirmed",
    )
    client.force_login(officer_of(ADUR))
    client.post(
        f"/arrangements/{arrangement.pk}/correct/", _form(arrangement, name="Adur & Worthing")
    )
    worthing = arrangement.partners.get(authority__gss_code=WORTHING)
    assert (worthing.state, worthing.answered_by) == (State.PENDING, None)


def test_only_a_named_partners_officer_can_correct_and_only_one_from_public_sources(client):
    arrangement = seeded()
    url = f"/arrangements/{arrangement.pk}/correct/"
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(officer_of(HARTLEPOOL))
    assert client.get(url).status_code == 403
    assert client.post(url, _form(arrangement, started_year="1999")).status_code == 403
    arrangement.refresh_from_db()
    assert arrangement.started_year == 2008

    own = recorded(by=officer_of(ARUN), own=ARUN, partners=(WORTHING,))
    client.force_login(officer_of(WORTHING))
    assert client.get(f"/arrangements/{own.pk}/correct/").status_code == 403
    assert "Correct this arrangement" not in client.get(own.get_absolute_url()).content.decode()


def test_a_correction_that_changes_nothing_or_is_invalid_is_refused_and_said(client):
    arrangement = seeded()
    client.force_login(officer_of(ADUR))
    url = f"/arrangements/{arrangement.pk}/correct/"
    response = client.post(url, _form(arrangement))
    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    response = client.post(url, _form(arrangement, ended_year="2001", reason=""))
    body = response.content.decode()
    assert response.status_code == 400 and "govuk-error-summary" in body
    assert "The year it ended must be the same as or after the start" in body
    assert "Say what was wrong" in body
    response = client.post(url, _form(arrangement, lead=HARTLEPOOL, started_year="2010"))
    assert response.status_code == 400  # the lead must be a partner
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.PUBLISHED
    assert not arrangement.events.filter(action=ArrangementEvent.Action.CORRECTED).exists()


def test_a_corrected_description_is_screened_like_a_recorded_one(client):
    arrangement = seeded()
    client.force_login(officer_of(ADUR))
    client.post(
        f"/arrangements/{arrangement.pk}/correct/",
        _form(arrangement, description="Email shared.team@example.com for prices."),
    )
    arrangement.refresh_from_db()
    flags = services.arrangement_screen(arrangement=arrangement)
    assert flags, "an email address in the text is flagged for the moderator"
    client.force_login(UserFactory(is_staff=True))
    assert "Screening:" in client.get("/arrangements/moderation/").content.decode()


def test_a_second_correction_waits_for_the_moderator(client):
    arrangement = seeded()
    client.force_login(officer_of(ADUR))
    url = f"/arrangements/{arrangement.pk}/correct/"
    client.post(url, _form(arrangement, started_year="2009"))
    client.force_login(officer_of(WORTHING))
    assert client.get(url).status_code == 403  # it is with a moderator now
    with pytest.raises(services.ArrangementStateError):
        services.arrangement_correct(
            arrangement=arrangement,
            authority=arrangement.members.get(gss_code=WORTHING),
            by=officer_of(WORTHING),
            data=services.CorrectionInput(
                name="x",
                services=list(arrangement.services.all()),
                delivery_model="shared_team",
                lead=None,
                started_year=2010,
                ended_year=None,
                annual_savings_gbp=None,
                savings_source_url="",
                source_url="",
                description="",
                reason="again",
            ),
        )


def test_a_rejected_correction_puts_the_public_facts_back(client):
    arrangement = seeded()
    client.force_login(officer_of(ADUR))
    client.post(
        f"/arrangements/{arrangement.pk}/correct/",
        _form(arrangement, service_1="building-control", service_2="", started_year="1999"),
    )
    services.arrangement_moderate(
        arrangement=arrangement,
        by=cast(User, UserFactory(is_staff=True)),
        decision="reject",
        reason="The council's own report says 2008.",
    )
    arrangement.refresh_from_db()
    assert arrangement.status == SharedArrangement.Status.PUBLISHED
    assert arrangement.started_year == 2008 and arrangement.corrected_by is None
    assert sorted(s.slug for s in arrangement.services.all()) == [
        "building-control",
        "household-waste-collection",
    ]
    assert {a.state for a in arrangement.partners.all()} == {State.PENDING}
    client.logout()
    page = client.get(arrangement.get_absolute_url()).content.decode()
    assert "From public sources, not yet confirmed by the partners" in page
    assert AuditEntry.objects.filter(action="arrangement_reject").exists()
