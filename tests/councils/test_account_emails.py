"""allauth's emails and pages in the service's voice: its name, not the host's;
text and HTML; re-authentication pages in sentence case."""

import re
from typing import Any, cast

import pytest
from django.test import Client

from councils.models import User
from tests.commits import committing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SITE = "Find a shared service partner"


def _sign_up(client: Client, email: str) -> Any:
    with committing():
        return client.post(
            "/accounts/signup/",
            {
                "full_name": "Jo Bloggs",
                "email": email,
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )


def _html(message: Any) -> str:
    return next(body for body, kind in message.alternatives if kind == "text/html")


def test_sign_up_confirmation_reads_as_the_service_in_text_and_html(client, mailoutbox):
    _sign_up(client, "jo@example.org")

    [message] = mailoutbox
    assert message.subject == f"[{SITE}] Confirm your email address to finish signing up"
    assert "Hello from" not in message.body
    assert message.body.startswith("Hello,\n")  # allauth's said "Hello from testserver!"
    assert f"an account on {SITE}, where councils and other public bodies" in message.body
    assert message.body.rstrip().splitlines()[-2] == SITE
    html = _html(message)
    assert html.startswith("<!DOCTYPE html>")
    assert f"<strong>{SITE}</strong>" in html
    link = re.search(r'href="(http[^"]+/accounts/confirm-email/[^"]+)"', html)
    assert link and link.group(1) in message.body  # the same link in both parts


def test_password_reset_and_already_registered_emails_have_the_service_voice(client, mailoutbox):
    cast(User, UserFactory(email="known@example.org"))

    _sign_up(client, "known@example.org")
    with committing():
        client.post("/accounts/password/reset/", {"email": "known@example.org"})
        client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    subjects = [m.subject for m in mailoutbox]
    assert subjects == [
        f"[{SITE}] You already have an account",
        f"[{SITE}] Reset your password",
        f"[{SITE}] We have no account with this address",
    ]
    for message in mailoutbox:
        assert "Hello from" not in message.body
        assert "Thank you for using" not in message.body
        assert SITE in _html(message)


def test_html_email_escapes_what_a_person_typed(client, mailoutbox):
    _sign_up(client, "o'brien&co@example.org")  # a valid address with HTML's special characters

    [message] = mailoutbox
    assert "o'brien&co@example.org" in message.body  # plain text: as typed
    html = _html(message)
    assert "o&#x27;brien&amp;co@example.org" in html
    assert "o'brien&co" not in html


@pytest.mark.parametrize("url", ["/accounts/reauthenticate/", "/accounts/2fa/reauthenticate/"])
def test_reauthentication_pages_are_in_sentence_case(client, url):
    user = cast(User, UserFactory(is_staff=True))
    client.force_login(user)

    html = client.get(url).content.decode()

    assert "<title>Confirm it is you" in html
    assert re.search(r"<h1[^>]*>Confirm it is you</h1>", html)
    assert "Confirm Access" not in html
    assert "Alternative options" not in html


PUBLIC = "https://find-a-partner.example"
LINK = re.compile(r"https?://[^\s\"<]+")


def _links(message: Any) -> list[str]:
    return LINK.findall(message.body) + LINK.findall(_html(message))


def test_account_email_links_use_site_url_not_the_requests_host(client, mailoutbox, settings):
    """The request comes to testserver; every link in the emails is on SITE_URL, and
    the key links still work when followed."""
    settings.SITE_URL = PUBLIC + "/"
    cast(User, UserFactory(email="known@example.org"))

    _sign_up(client, "new@example.org")
    _sign_up(client, "known@example.org")
    with committing():
        client.post("/accounts/password/reset/", {"email": "known@example.org"})
        client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert len(mailoutbox) == 4
    for message in mailoutbox:
        links = _links(message)
        assert links, message.subject
        assert all(link == PUBLIC or link.startswith(PUBLIC + "/") for link in links), links
        assert "testserver" not in message.body + _html(message)
    confirmation, already, reset, unknown = mailoutbox
    assert f"{PUBLIC}/accounts/confirm-email/" in confirmation.body
    assert f"{PUBLIC}/accounts/password/reset/\n" in already.body
    assert f"{PUBLIC}/accounts/signup/" in unknown.body
    [key_link] = {link for link in LINK.findall(reset.body) if "/password/reset/key/" in link}
    page = client.get(key_link.removeprefix(PUBLIC), follow=True)
    assert "Choose a new password" in page.content.decode()
    [confirm_link] = {link for link in LINK.findall(confirmation.body) if "confirm-email" in link}
    assert "Confirm" in client.get(confirm_link.removeprefix(PUBLIC)).content.decode()
