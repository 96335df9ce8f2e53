"""Members are not moved when an organisation is replaced: the importer invites
each approved member of a predecessor to join its successor, once (issue 13)."""

from pathlib import Path

import pytest

from core.models import OutboxMessage
from councils.models import Authority, Invitation, Membership
from councils.services import invitation_accept_for_email, successor_invitations
from tests.councils.test_importer import run
from tests.factories import MembershipFactory, officer_of

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
ADUR, WORTHING, MERGED = "E07000223", "E07000229", "E06000099"


def _members() -> list[Membership]:
    adur = [Membership.objects.get(user=officer_of(ADUR)) for _ in range(2)]
    worthing = Membership.objects.get(user=officer_of(WORTHING))
    # A pending request, someone who left and a demo account are not members to invite.
    MembershipFactory(authority=Authority.objects.get(gss_code=WORTHING), status="pending")
    MembershipFactory(authority=Authority.objects.get(gss_code=ADUR), status="left")
    MembershipFactory(authority=Authority.objects.get(gss_code=ADUR), user__is_demo=True)
    return [*adur, worthing]


def test_members_of_both_merged_districts_are_invited_once_each(settings):
    settings.SITE_URL = "https://partners.example.gov.uk"
    members = _members()
    output = run(FIXTURES / "merger_authorities.csv")
    assert "invitations to join a successor: 3 created" in output
    sent = OutboxMessage.objects.filter(kind="successor.invitation").order_by("pk")
    assert sorted(m.to[0] for m in sent) == sorted(m.user.email for m in members)
    merged = Authority.objects.get(gss_code=MERGED)
    for message in sent:
        invitation = Invitation.objects.get(authority=merged, email=message.to[0])
        assert invitation.invited_by is None and invitation.is_open
        assert f"https://partners.example.gov.uk/councils/invitations/{invitation.token}/" in (
            message.body
        )
        assert "has been replaced by Adur and Worthing Council" in message.subject
    # Members stay where they were until they choose to accept.
    assert all(
        Membership.objects.get(pk=m.pk).status == Membership.Status.APPROVED for m in members
    )

    again = run(FIXTURES / "merger_authorities.csv")
    assert "invitations to join a successor" not in again
    assert OutboxMessage.objects.filter(kind="successor.invitation").count() == 3
    assert Invitation.objects.filter(authority=merged).count() == 3


def test_accepting_the_successors_invitation_leaves_the_replaced_organisation():
    member = Membership.objects.get(user=officer_of(ADUR))
    run(FIXTURES / "merger_authorities.csv")
    joined = invitation_accept_for_email(user=member.user, email=member.user.email)
    assert joined is not None and joined.authority.gss_code == MERGED
    assert joined.status == Membership.Status.APPROVED
    member.refresh_from_db()
    assert member.status == Membership.Status.LEFT


def test_an_invitation_from_an_unrelated_organisation_does_not_end_a_membership():
    member = Membership.objects.get(user=officer_of(ADUR))
    run(FIXTURES / "merger_authorities.csv")
    Invitation.objects.filter(email=member.user.email).update(
        authority=Authority.objects.get(gss_code="E07000224")  # Arun: not Adur's successor
    )
    assert invitation_accept_for_email(user=member.user, email=member.user.email) is None
    member.refresh_from_db()
    assert member.status == Membership.Status.APPROVED


def test_a_member_accepts_on_the_invitation_page_and_acts_for_the_successor(client):
    member = Membership.objects.get(user=officer_of(ADUR))
    run(FIXTURES / "merger_authorities.csv")
    token = Invitation.objects.get(email=member.user.email).token
    client.force_login(member.user)
    page = client.get(f"/councils/invitations/{token}/")
    assert "You have been invited" in page.content.decode()
    response = client.post(f"/councils/invitations/{token}/")
    assert response.status_code == 302
    assert Membership.objects.get(user=member.user, status="approved").authority.gss_code == (
        MERGED
    )


def test_a_member_of_a_split_council_is_invited_to_both_successors():
    """Cumbria (abolished, known from spend) has two successors: one invitation each."""
    cumbria = Authority.objects.get(gss_code="E10000006")
    successors = set(cumbria.successors.values_list("pk", flat=True))
    assert len(successors) == 2
    member = Membership.objects.get(user=officer_of(cumbria.gss_code))
    links = {(cumbria.pk, pk) for pk in successors}
    assert successor_invitations(links=links) == 2
    assert successor_invitations(links=links) == 0
    invited = Invitation.objects.filter(email=member.user.email)
    assert set(invited.values_list("authority_id", flat=True)) == successors
