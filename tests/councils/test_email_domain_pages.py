"""Staff register council email domains and shared domains on their own page, audited."""

from typing import cast

import pytest
from django.urls import reverse

from core.models import AuditEntry
from councils.models import Authority, EmailDomain, SharedEmailDomain
from councils.services import authority_for_email
from tests.factories import EmailDomainFactory, UserFactory

pytestmark = pytest.mark.django_db

ADUR = "E07000223"
URL = "/councils/staff/email-domains/"


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True)
    client.force_login(user)
    return user


def test_moderator_registers_a_domain_that_then_joins_people(client, staff):
    adur = Authority.objects.get(gss_code=ADUR)
    response = client.post(
        URL, {"form": "domain", "authority": adur.pk, "domain": " @Adur-Test.GOV.uk "}
    )
    assert response.status_code == 302
    domain = EmailDomain.objects.get()
    assert (domain.domain, domain.authority, domain.added_by) == ("adur-test.gov.uk", adur, staff)
    assert authority_for_email(email="officer@adur-test.gov.uk") == adur
    entry = AuditEntry.objects.get(action="email_domain.add")
    assert entry.actor_id == staff.pk and entry.after["authority"] == adur.name


@pytest.mark.parametrize(
    ("domain", "message"),
    [
        ("gmail.com", "not a public email service"),
        ("not a domain", "Enter a domain in the correct format"),
        ("nhs.net", "not a public email service"),
    ],
)
def test_domains_that_prove_nothing_are_refused(client, staff, domain, message):
    adur = Authority.objects.get(gss_code=ADUR)
    response = client.post(URL, {"form": "domain", "authority": adur.pk, "domain": domain})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EmailDomain.objects.exists()


def test_a_shared_domain_cannot_be_registered_and_a_registered_one_cannot_be_shared(client, staff):
    adur = Authority.objects.get(gss_code=ADUR)
    client.post(URL, {"form": "shared", "shared_domain": "police.example.uk", "note": "Police"})
    assert SharedEmailDomain.objects.filter(domain="police.example.uk").exists()
    response = client.post(
        URL, {"form": "domain", "authority": adur.pk, "domain": "police.example.uk"}
    )
    assert "is shared by many organisations" in response.content.decode()
    EmailDomainFactory(authority=adur, domain="adur-own.gov.uk")
    response = client.post(URL, {"form": "shared", "shared_domain": "adur-own.gov.uk"})
    assert "remove it there first" in response.content.decode()


def test_removing_a_domain_is_audited(client, staff):
    domain = cast(EmailDomain, EmailDomainFactory(domain="removable.gov.uk"))
    client.post(reverse("councils:email_domain_remove", kwargs={"pk": domain.pk}))
    assert not EmailDomain.objects.exists()
    assert AuditEntry.objects.get(action="email_domain.delete").before["domain"] == (
        "removable.gov.uk"
    )


def test_domain_list_queries_do_not_grow_with_rows(client, staff, django_assert_max_num_queries):
    EmailDomainFactory.create_batch(30)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.decode().count("govuk-summary-list__row") >= 30
