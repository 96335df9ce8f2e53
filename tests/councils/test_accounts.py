"""Accounts through allauth's real views: sign up, confirm, join by domain, sign in.

Emails go to the locmem outbox (`mailoutbox`); rate limits use the real cache.
"""

import re
from typing import Any, cast

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from councils.models import Membership, User
from tests.commits import committing
from tests.factories import EmailDomainFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db


def _user(**kwargs: Any) -> User:
    return cast(User, UserFactory(**kwargs))


PASSWORD = "correct-horse-battery"
ADUR = "E07000223"


def _sign_up(client: Client, email: str, name: str = "Jo Bloggs") -> Any:
    with committing():  # the outbox hands the confirmation email over on commit
        return client.post(
            "/accounts/signup/",
            {"full_name": name, "email": email, "password1": PASSWORD, "password2": PASSWORD},
        )


def _confirm_link(message: mail.EmailMessage) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def _sign_up_and_confirm(client: Client, email: str, mailoutbox: list[Any]) -> Any:
    response = _sign_up(client, email)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [email]
    link = _confirm_link(mailoutbox[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm your email address" in page.content.decode()
    return client.post(link)


def test_signup_with_registered_domain_joins_council_as_officer(client, mailoutbox):
    EmailDomainFactory(domain="adur.example.gov.uk")

    response = _sign_up_and_confirm(client, "jo.bloggs@adur.example.gov.uk", mailoutbox)

    user = User.objects.get(email="jo.bloggs@adur.example.gov.uk")
    assert user.full_name == "Jo Bloggs"
    assert EmailAddress.objects.get(user=user).verified
    membership = Membership.objects.get(user=user)
    assert membership.authority.gss_code == ADUR
    assert membership.role == Membership.Role.OFFICER
    assert membership.status == Membership.Status.APPROVED
    assert membership.method == Membership.Method.DOMAIN
    # Signed in by the confirmation and, with a council, sent to the home page.
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_signup_with_subdomain_of_registered_domain_joins_council(client, mailoutbox):
    EmailDomainFactory(domain="adur.example.gov.uk")

    _sign_up_and_confirm(client, "sam@planning.adur.example.gov.uk", mailoutbox)

    membership = Membership.objects.get(user__email="sam@planning.adur.example.gov.uk")
    assert membership.authority.gss_code == ADUR
    assert membership.status == Membership.Status.APPROVED


def test_lookalike_domain_does_not_join(client, mailoutbox):
    EmailDomainFactory(domain="adur.example.gov.uk")

    _sign_up_and_confirm(client, "eve@notadur.example.gov.uk", mailoutbox)

    assert not Membership.objects.filter(user__email="eve@notadur.example.gov.uk").exists()


def test_signup_with_unregistered_domain_is_sent_to_join_page(client, mailoutbox):
    EmailDomainFactory(domain="adur.example.gov.uk")

    response = _sign_up_and_confirm(client, "pat@elsewhere.example.org", mailoutbox)

    user = User.objects.get(email="pat@elsewhere.example.org")
    assert EmailAddress.objects.get(user=user).verified
    assert not Membership.objects.filter(user=user).exists()
    assert response.status_code == 302
    assert response["Location"] == "/councils/join/"


def test_signup_errors_are_summarised_in_govuk_style(client, mailoutbox):
    response = client.post("/accounts/signup/", {"email": "", "password1": "", "password2": ""})

    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Enter your full name" in html
    assert "Enter your email address" in html
    assert "<title>Error: " in html
    assert not User.objects.exists()
    assert mailoutbox == []


def test_signup_password_mismatch_has_govuk_message(client):
    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "Jo",
            "email": "jo@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
        },
    )
    assert "Enter the same password in both fields" in response.content.decode()
    assert not User.objects.filter(email="jo@example.org").exists()


def test_unverified_user_cannot_sign_in(client, mailoutbox):
    _sign_up(client, "new@example.org")
    mailoutbox.clear()
    client.logout()

    response = client.post("/accounts/login/", {"login": "new@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    # The confirmation email is not resent within 3 minutes (rate limit).
    assert mailoutbox == []


def test_verified_user_without_council_lands_on_join_page(client):
    _user(email="free@example.org")

    response = client.post("/accounts/login/", {"login": "free@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/councils/join/"


def test_wrong_password_shows_error_summary(client):
    _user(email="someone@example.org")

    response = client.post(
        "/accounts/login/", {"login": "someone@example.org", "password": "wrong-password-1"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "The email address and/or password you specified are not correct." in html
    assert "_auth_user_id" not in client.session


def test_login_rate_limit_blocks_after_repeated_failures(client):
    """login_failed is 5 per 5 minutes per address: the 6th try fails even if correct."""
    _user(email="target@example.org")
    for _ in range(5):
        response = client.post(
            "/accounts/login/", {"login": "target@example.org", "password": "guess-guess-guess"}
        )
        assert "not correct" in response.content.decode()

    response = client.post(
        "/accounts/login/", {"login": "target@example.org", "password": PASSWORD}
    )

    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_email_and_key_link_sets_new_password(client, mailoutbox):
    _user(email="forgetful@example.org")

    with committing():
        response = client.post("/accounts/password/reset/", {"email": "forgetful@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mailoutbox[0].body)
    assert match, mailoutbox[0].body
    page = client.get(match.group(1), follow=True)
    assert "Choose a new password" in page.content.decode()
    new_password = "a-brand-new-passphrase"
    done = client.post(
        page.redirect_chain[-1][0] if page.redirect_chain else match.group(1),
        {"password1": new_password, "password2": new_password},
    )
    assert done.status_code == 302
    assert User.objects.get(email="forgetful@example.org").check_password(new_password)


def test_password_reset_for_unknown_address_says_the_same(client, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    # allauth tells the address there is no account; it never reveals it on screen.
    assert all("nobody@example.org" in m.to for m in mailoutbox)


ANONYMOUS_PAGES = [
    ("/accounts/login/", "Sign in"),
    ("/accounts/signup/", "Create an account"),
    ("/accounts/password/reset/", "Reset your password"),
    ("/accounts/password/reset/done/", "Check your email"),
    ("/accounts/confirm-email/", "Check your email"),
    ("/accounts/confirm-email/not-a-real-key/", "This link has expired"),
    ("/accounts/password/reset/key/1-bad-key/", "This link has expired"),
]


@pytest.mark.parametrize(("url", "heading"), ANONYMOUS_PAGES)
def test_anonymous_account_pages_render_govuk(client, url, heading):
    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in html
    assert 'class="govuk-input' in html or "govuk-button" in html or "govuk-link" in html


def _sign_in(client: Client, **user: Any) -> User:
    """Sign in through the real form, so allauth records a recent authentication."""
    person = _user(**user)
    response = client.post("/accounts/login/", {"login": person.email, "password": PASSWORD})
    assert response.status_code == 302
    if person.is_staff:  # staff have an authenticator app: the code is asked next
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
        assert response.status_code == 302
    return person


def _reauthenticate(client: Client) -> None:
    """MFA changes need a fresh password entry (allauth's reauthentication)."""
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302


SIGNED_IN_PAGES = [
    ("/accounts/email/", "Your account"),
    ("/accounts/password/change/", "Change your password"),
    ("/accounts/logout/", "Sign out"),
    ("/accounts/reauthenticate/", "Confirm it is you"),
    ("/accounts/2fa/", "Two-factor authentication"),
    ("/accounts/2fa/totp/activate/", "Set up an authenticator app"),
]


@pytest.mark.parametrize(("url", "heading"), SIGNED_IN_PAGES)
def test_signed_in_account_pages_render_govuk(client, url, heading):
    _sign_in(client)
    if "/2fa/totp/" in url:
        _reauthenticate(client)

    response = client.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in html
    assert "govuk-button" in html


def test_login_page_links_to_signup_and_password_reset(client):
    html = client.get("/accounts/login/").content.decode()

    assert 'href="/accounts/signup/"' in html
    assert 'href="/accounts/password/reset/"' in html
    assert 'class="govuk-label govuk-label--s" for="id_login">Email address' in html
    assert "placeholder" not in html


def test_account_page_links_to_two_factor_authentication(client):
    _sign_in(client, is_staff=True)

    html = client.get("/accounts/email/").content.decode()

    assert 'href="/accounts/2fa/"' in html
    assert "Two-factor authentication" in html


def test_totp_activation_with_wrong_code_shows_error_summary(client):
    _sign_in(client)
    _reauthenticate(client)
    client.get("/accounts/2fa/totp/activate/")  # generates the secret

    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})

    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert html.index("govuk-error-summary") < html.index("<h1")


def test_totp_activate_without_recent_password_asks_to_confirm(client):
    _sign_in(client)

    response = client.get("/accounts/2fa/totp/activate/", follow=True)

    assert response.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    assert '<h1 class="govuk-heading-l">Confirm it is you</h1>' in response.content.decode()


def test_change_password_mismatch_has_govuk_wording(client):
    user = cast(User, UserFactory())
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "correct-horse-battery",
            "password1": PASSWORD,
            "password2": PASSWORD + "x",
        },
    )
    html = response.content.decode()
    assert "Enter the same password in both fields" in html
    assert "Must be at least 12 characters." in html
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery")
