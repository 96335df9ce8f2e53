"""Admins invite colleagues by email; verifying that address on sign-up joins them."""

import re
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEntry
from councils.models import Invitation, Membership, User
from tests.commits import committing
from tests.factories import UserFactory, officer_of

pytestmark = pytest.mark.django_db

ADUR = "E07000223"
PASSWORD = "correct-horse-battery"


def _invite(client: Client, email: str) -> Any:
    with committing():
        return client.post(f"/councils/{ADUR}/invitations/", {"email": email})


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/councils/invitations/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_admin_invites_a_colleague_by_email_through_the_outbox(client, mailoutbox, settings):
    settings.SITE_URL = "http://portal.example:8250"
    admin = officer_of(ADUR, role=Membership.Role.ADMIN, full_name="Alex Admin")
    client.force_login(admin)

    response = _invite(client, "New.Person@Adur.example.gov.uk")

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@adur.example.gov.uk"
    assert [m.to for m in mailoutbox] == [["new.person@adur.example.gov.uk"]]
    message = mailoutbox[0]
    assert message.subject == (
        "[Find a shared service partner] Alex Admin invites you to act for Adur District Council"
    )
    assert message.reply_to == [admin.email]
    assert f"http://portal.example:8250/councils/invitations/{invitation.token}/" in message.body
    assert AuditEntry.objects.filter(action="invitation.create", actor=admin).exists()


def test_inviting_the_same_address_twice_is_refused_with_a_govuk_error(client, mailoutbox):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    _invite(client, "sam@example.org")

    response = _invite(client, "sam@example.org")

    assert response.status_code == 400
    assert "has already been invited" in response.content.decode()
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 1


def test_officers_cannot_invite(client, mailoutbox):
    client.force_login(officer_of(ADUR))

    assert _invite(client, "sam@example.org").status_code == 403
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_invited_person_joins_on_sign_up_when_they_confirm_the_address(client, mailoutbox):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    client.force_login(admin)
    _invite(client, "sam@example.org")
    link = _link(mailoutbox[0].body)
    client.logout()

    landing = client.get(link).content.decode()
    assert "Act for Adur District Council" in landing
    assert "Create an account" in landing
    with committing():
        client.post(
            "/accounts/signup/",
            {
                "full_name": "Sam Newcomer",
                "email": "sam@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    confirm = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", mailoutbox[1].body)
    assert confirm
    with committing():
        response = client.post(confirm.group(1))

    user = User.objects.get(email="sam@example.org")
    membership = Membership.objects.get(user=user)
    assert membership.status == Membership.Status.APPROVED
    assert membership.method == Membership.Method.INVITED
    assert membership.authority.gss_code == ADUR
    assert membership.decided_by == admin
    assert Invitation.objects.get().accepted_by == user
    assert response["Location"] == "/"  # with an organisation: the home page, not join


def test_a_different_verified_address_does_not_accept_someone_elses_invitation(client, mailoutbox):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    _invite(client, "sam@example.org")
    link = _link(mailoutbox[0].body)
    other = cast(User, UserFactory(email="eve@example.org"))
    client.force_login(other)

    page = client.get(link).content.decode()
    response = client.post(link)

    assert "You are signed in with a different address" in page
    assert response.status_code == 403
    assert not Membership.objects.filter(user=other).exists()


def test_signed_in_person_with_the_invited_address_accepts_on_the_page(client, mailoutbox):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    _invite(client, "sam@example.org")
    link = _link(mailoutbox[0].body)
    sam = cast(User, UserFactory(email="sam@example.org"))
    client.force_login(sam)

    response = client.post(link)

    assert response.status_code == 302
    assert Membership.objects.get(user=sam).method == Membership.Method.INVITED
    assert client.get(link).status_code == 404  # used


def test_cancelled_or_expired_invitation_link_stops_working(client, mailoutbox):
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    _invite(client, "sam@example.org")
    _invite(client, "kim@example.org")
    sam, kim = (
        Invitation.objects.get(email="sam@example.org"),
        Invitation.objects.get(email="kim@example.org"),
    )

    client.post(f"/councils/{ADUR}/invitations/{sam.pk}/cancel/")
    Invitation.objects.filter(pk=kim.pk).update(expires_at=timezone.now())

    assert client.get(f"/councils/invitations/{sam.token}/").status_code == 404
    assert client.get(f"/councils/invitations/{kim.token}/").status_code == 404
