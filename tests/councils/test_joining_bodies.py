"""Officers of fire, police, NHS and other bodies join as council officers do: a
verified address on the body's registered domain joins at once; an address on a
domain many organisations share (nhs.net, police.uk) never does, and a request
goes to the body's admins, or to site staff when it has none."""

from typing import cast

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed

from core.models import OutboxMessage
from councils.models import Authority, Membership, SharedEmailDomain, User
from councils.services import membership_join_by_domain, membership_request
from tests.factories import EmailDomainFactory, UserFactory, officer_of

pytestmark = pytest.mark.django_db

KENT_FIRE, KENT_POLICE, FRIMLEY_ICB = "E31000022", "E23000032", "E54000034"


def _confirm(user: User) -> None:
    """What allauth does when the person clicks the link in the confirmation email."""
    address, _ = EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)


@pytest.mark.parametrize(
    ("email", "body"),
    [
        ("pc.ada@kent.police.uk", KENT_POLICE),
        ("ada@police.uk", KENT_POLICE),
        ("ada.lovelace@nhs.net", FRIMLEY_ICB),
    ],
)
def test_a_shared_domain_never_joins_a_body_automatically(email, body):
    shared = email.rsplit("@", 1)[1]
    SharedEmailDomain.objects.get_or_create(domain=shared)
    # Even if the shared domain had been registered as the body's own:
    EmailDomainFactory(authority=Authority.objects.get(gss_code=body), domain=shared)
    person = cast(User, UserFactory(email=email))

    _confirm(person)

    assert not Membership.objects.filter(user=person).exists()
    assert membership_join_by_domain(user=person, email=email) is None


def test_a_body_officer_on_its_own_domain_joins_at_once():
    kent_fire = Authority.objects.get(gss_code=KENT_FIRE)
    EmailDomainFactory(authority=kent_fire, domain="kent.fire-uk.org")
    person = cast(User, UserFactory(email="crew.manager@kent.fire-uk.org"))

    _confirm(person)

    membership = Membership.objects.get(user=person)
    assert membership.authority == kent_fire
    assert membership.status == Membership.Status.APPROVED
    assert membership.method == Membership.Method.DOMAIN


def test_a_request_to_join_a_body_with_no_admin_goes_to_site_staff():
    staff = cast(User, UserFactory(is_staff=True, email="staff@example.gov.uk"))
    person = cast(User, UserFactory(email="analyst@nhs.net"))
    icb = Authority.objects.get(gss_code=FRIMLEY_ICB)

    membership = membership_request(user=person, authority=icb, message="I run BI.")

    assert membership.status == Membership.Status.PENDING
    sent = OutboxMessage.objects.filter(kind="membership.request")
    assert [message.to for message in sent] == [[staff.email]]
    assert "asks to join NHS Frimley Integrated Care Board" in sent.get().subject


def test_a_request_to_join_a_body_goes_to_its_admins():
    UserFactory(is_staff=True)
    admin = officer_of(
        KENT_POLICE, role=Membership.Role.ADMIN, email="head.of.estates@kent.police.uk"
    )
    person = cast(User, UserFactory(email="estates@police.uk"))

    membership_request(
        user=person, authority=Authority.objects.get(gss_code=KENT_POLICE), message="Estates."
    )

    assert [m.to for m in OutboxMessage.objects.filter(kind="membership.request")] == [
        [admin.email]
    ]


def test_the_join_page_offers_a_fire_authority_and_accepts_the_request(client):
    UserFactory(is_staff=True)
    person = cast(User, UserFactory(email="firefighter@example.org", verified=True))
    client.force_login(person)
    html = client.get("/councils/join/").content.decode()
    assert '<optgroup label="Fire and rescue authorities">' in html
    assert f'<option value="{KENT_FIRE}">Kent Combined Fire and Rescue Authority</option>' in html

    response = client.post(
        "/councils/join/",
        {
            "authority": KENT_FIRE,
            "full_name": "Sam Ward",
            "job_title": "Fleet manager",
            "message": "I manage the fleet.",
        },
    )

    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert membership.authority.gss_code == KENT_FIRE
    assert membership.status == Membership.Status.PENDING
