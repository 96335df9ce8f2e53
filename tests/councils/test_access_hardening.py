"""Issue 9's findings, one test (or more) each: admin login, staff MFA, the
trusted proxy count, sign-up timing, control characters, report limits and
remembered removals. Each failed on the code before the fix."""

import re
from typing import Any, cast

import pytest
from allauth.mfa.models import Authenticator
from celery.signals import task_prerun
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from councils import services as council_services
from councils.middleware import MFA_SETUP_URL_NAMES
from councils.models import Authority, Membership, SharedEmailDomain, User
from offers import services
from offers.models import Listing
from offers.moderation import services as moderation_services
from tests.commits import committing
from tests.factories import (
    EmailDomainFactory,
    MembershipFactory,
    UserFactory,
    officer_of,
    totp_code,
)
from tests.offers.factories import ADUR, ARUN, listing_form_data, make_listing

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
SETUP_URL = "/accounts/2fa/totp/activate/"


def _staff(**kwargs: Any) -> User:
    return cast(User, UserFactory(is_staff=True, **kwargs))


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- 1. the admin's own login form ---------------------------------------------------


def test_admin_login_form_never_signs_in_with_the_password_alone(client):
    staff = _staff()
    assert Authenticator.objects.filter(user=staff).exists()

    response = client.post(
        "/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD}
    )

    assert not _signed_in(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_admin_sign_in_goes_through_allauth_and_asks_for_the_code(client):
    staff = _staff()
    assert client.get("/admin/login/?next=/admin/")["Location"] == (
        "/accounts/login/?next=%2Fadmin%2F"
    )
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": staff.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)  # the password alone is not enough

    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_sign_in_is_rate_limited_like_every_sign_in(client):
    staff = _staff()
    for _ in range(40):
        client.post("/admin/login/", {"username": staff.email, "password": "wrong-password"})
        client.post("/accounts/login/", {"login": staff.email, "password": "wrong-password"})

    response = client.post("/accounts/login/", {"login": staff.email, "password": PASSWORD})

    assert response.status_code == 429
    assert not _signed_in(client)


# --- 2. staff need a second factor -----------------------------------------------------

_SAMPLES = {"gss": "E07000223", "int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "0" * 32}


def _route_to_path(route: str) -> str:
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: _SAMPLES.get(m.group(1) or "str", "x"), route)


def _regex_to_path(regex: str) -> str:
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")

    def group(match: re.Match[str]) -> str:
        body = match.group(2)
        return body.split("|")[0] if re.fullmatch(r"[\w|]+", body) else "1"

    path = re.sub(r"\(\?P<(\w+)>([^)]*)\)", group, regex)
    return path.replace("\\", "")


def _every_url(patterns: list[Any] | None = None, prefix: str = "") -> list[tuple[str, str]]:
    """(path, url name) for every pattern in the URLconf, with sample values."""
    found: list[tuple[str, str]] = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        pattern = entry.pattern
        text = (
            _route_to_path(str(pattern))
            if hasattr(pattern, "_route")
            else _regex_to_path(str(pattern))
        )
        if isinstance(entry, URLResolver):
            found += _every_url(entry.url_patterns, prefix + text)
        elif isinstance(entry, URLPattern):
            found.append(("/" + prefix + text, entry.name or ""))
    return found


def test_staff_without_an_authenticator_are_sent_to_set_one_up_from_every_url(client):
    staff = _staff(totp=False)
    client.force_login(staff)
    urls = [(path, name) for path, name in _every_url() if name not in MFA_SETUP_URL_NAMES]
    assert len(urls) > 100  # the whole URLconf, admin included

    let_through = []
    for path, name in urls:
        for method in (client.get, client.post):
            response = method(path)
            if response.status_code == 404:
                continue  # nothing resolved, nothing shown (the walk's sample value)
            if response.status_code != 302 or response["Location"] != SETUP_URL:
                let_through.append((method.__name__, path, name, response.status_code))

    assert let_through == []


def test_the_setup_page_opens_and_staff_with_an_authenticator_work_as_before(client):
    client.force_login(_staff(totp=False))
    setup = client.get(SETUP_URL)
    # allauth asks for the password again before adding an authenticator.
    assert setup.status_code == 302
    assert setup["Location"].startswith(reverse("account_reauthenticate"))
    assert client.get(setup["Location"]).status_code == 200
    client.logout()

    client.force_login(_staff())
    assert client.get(reverse("offers:moderation_queue")).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_non_staff_officer_is_not_asked_for_a_second_factor(client):
    client.force_login(officer_of(ADUR))
    assert client.get("/listings/dashboard/").status_code == 200


# --- 3. the client's address behind a proxy -----------------------------------------


def _locked_out(response: Any) -> bool:
    """allauth refuses further attempts with a form error (or 429 past the overall limit)."""
    return response.status_code == 429 or (
        "Too many failed login attempts" in response.content.decode()
    )


def _fail_sign_ins(client: Client, *, times: int, xff: str) -> None:
    for n in range(times):
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=xff,
            REMOTE_ADDR="10.0.0.1",
        )


def test_behind_a_proxy_one_clients_failures_do_not_lock_out_everyone(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    person = cast(User, UserFactory())
    _fail_sign_ins(client, times=12, xff="203.0.113.1")
    blocked = client.post(
        "/accounts/login/",
        {"login": "other@example.org", "password": "x"},
        HTTP_X_FORWARDED_FOR="203.0.113.1",
        REMOTE_ADDR="10.0.0.1",
    )
    assert _locked_out(blocked)

    response = Client().post(
        "/accounts/login/",
        {"login": person.email, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        REMOTE_ADDR="10.0.0.1",
    )

    assert response.status_code == 302


def test_with_no_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    for n in range(12):
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            REMOTE_ADDR="10.0.0.1",
        )
    response = client.post(
        "/accounts/login/",
        {"login": "x@example.org", "password": "x"},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
        REMOTE_ADDR="10.0.0.1",
    )
    assert _locked_out(response)


# --- 4. sign-up does equal work for known and new addresses --------------------------


class CountingHasher(MD5PasswordHasher):
    """A real (fast) hasher that counts how often a password is hashed."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        CountingHasher.calls += 1
        return super().encode(password, salt)


def _sign_up_counting(client: Client, email: str) -> tuple[int, list[str], int]:
    tasks: list[str] = []

    def record(sender: Any = None, **kwargs: Any) -> None:
        tasks.append(sender.name)

    task_prerun.connect(record, weak=False)
    CountingHasher.calls = 0
    before = len(mail.outbox)
    try:
        with committing():
            response = client.post(
                "/accounts/signup/",
                {"full_name": "Jo", "email": email, "password1": PASSWORD, "password2": PASSWORD},
            )
    finally:
        task_prerun.disconnect(record)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    return CountingHasher.calls, tasks, len(mail.outbox) - before


def test_sign_up_hashes_once_and_queues_one_email_whether_or_not_the_address_is_known(
    client, settings
):
    settings.PASSWORD_HASHERS = [
        "tests.councils.test_access_hardening.CountingHasher",
    ]
    known = cast(User, UserFactory(email="known@example.org"))

    new_path = _sign_up_counting(Client(), "brand-new@example.org")
    known_path = _sign_up_counting(Client(), known.email)

    assert new_path == (1, ["core.tasks.outbox_send_task"], 1)
    assert known_path == new_path
    assert "already" in str(mail.outbox[-1].body).lower()


# --- 5. control characters ---------------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["Shared\r\nBcc: x@example.org", "Tab\tin title", "Null\x00", "Bell\x07"]
)
def test_a_control_character_in_a_listing_title_is_refused_with_a_govuk_message(client, bad):
    client.force_login(officer_of(ADUR))
    before = Listing.objects.count()

    response = client.post(
        reverse("offers:create", kwargs={"kind": "offer"}), listing_form_data(title=bad)
    )

    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "Title must be on one line, without line breaks or control characters" in page
    assert Listing.objects.count() == before
    assert "Our team of 12 surveyors" in page  # what was typed is kept


def test_line_breaks_stay_allowed_in_a_description(client):
    client.force_login(officer_of(ADUR))
    response = client.post(
        reverse("offers:create", kwargs={"kind": "offer"}),
        listing_form_data(description="First line.\r\nSecond line."),
    )
    assert response.status_code == 302


def test_an_old_title_with_a_line_break_still_makes_a_single_line_subject(mailoutbox):
    listing = make_listing(status=Listing.Status.SUBMITTED, submitted_at=timezone.now())
    Listing.objects.filter(pk=listing.pk).update(title="Payroll\r\nBcc: evil@example.org")
    listing.refresh_from_db()
    with committing():
        services.listing_publish(listing=listing, by=_staff())

    subject = mailoutbox[-1].subject
    assert "\r" not in subject and "\n" not in subject
    assert "Payroll Bcc: evil@example.org" in subject


# --- 6. reports are rate-limited ---------------------------------------------------------


def test_reports_are_limited_per_person_with_a_clear_message(client, settings):
    settings.REPORT_RATE_LIMIT_PER_USER = 3
    reporter = cast(User, UserFactory())  # no council, as in the finding
    client.force_login(reporter)
    listings = [make_listing(status=Listing.Status.PUBLISHED) for _ in range(5)]
    statuses = []
    for listing in listings:
        response = client.post(
            reverse("offers:report", kwargs={"pk": listing.pk}), {"reason": "It is an advert"}
        )
        statuses.append(response.status_code)

    assert statuses == [302, 302, 302, 429, 429]
    page = response.content.decode()
    assert "You have reported too many listings in the last hour" in page
    assert "It is an advert" in page  # what was typed is kept


def test_reports_are_limited_per_listing(settings):
    settings.REPORT_RATE_LIMIT_PER_LISTING = 2
    listing = make_listing(status=Listing.Status.PUBLISHED)
    for _ in range(2):
        moderation_services.report_create(listing=listing, by=officer_of(ARUN), reason="Spam")
    with pytest.raises(moderation_services.ReportRateLimited, match="many reports"):
        moderation_services.report_create(listing=listing, by=officer_of(ARUN), reason="Spam")


def test_reporting_the_same_listing_twice_counts_once(settings):
    settings.REPORT_RATE_LIMIT_PER_USER = 1
    listing = make_listing(status=Listing.Status.PUBLISHED)
    reporter = officer_of(ARUN)
    first, created = moderation_services.report_create(listing=listing, by=reporter, reason="a")
    again, created_again = moderation_services.report_create(
        listing=listing, by=reporter, reason="b"
    )
    assert created and not created_again and again == first


# --- 7. removals are remembered; shared domains never auto-join --------------------------


def _adur() -> Authority:
    return Authority.objects.get(gss_code=ADUR)


def test_a_removed_member_does_not_rejoin_by_verifying_their_domain_again():
    EmailDomainFactory(authority=_adur(), domain="adur-worthing.example.gov.uk")
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    member = cast(User, UserFactory(email="sam@adur-worthing.example.gov.uk"))
    joined = council_services.membership_join_by_domain(user=member, email=member.email)
    assert joined is not None

    council_services.membership_remove(membership=joined, by=admin)
    again = council_services.membership_join_by_domain(user=member, email=member.email)

    assert again is None
    assert not Membership.objects.filter(user=member, status="approved").exists()


def test_an_admin_can_add_a_removed_member_back(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    removed = cast(Membership, MembershipFactory(authority=_adur()))
    council_services.membership_remove(membership=removed, by=admin)
    client.force_login(admin)
    page = client.get(reverse("councils:members", kwargs={"gss_code": ADUR})).content.decode()
    assert "Removed members (1)" in page

    response = client.post(
        reverse("councils:membership_readd", kwargs={"gss_code": ADUR, "membership_id": removed.pk})
    )

    assert response.status_code == 302
    back = Membership.objects.get(user=removed.user, status="approved")
    assert back.method == Membership.Method.READDED and back.decided_by == admin


def test_an_officer_cannot_re_add_anyone(client):
    admin = officer_of(ADUR, role=Membership.Role.ADMIN)
    removed = cast(Membership, MembershipFactory(authority=_adur()))
    council_services.membership_remove(membership=removed, by=admin)
    client.force_login(officer_of(ADUR))
    response = client.post(
        reverse("councils:membership_readd", kwargs={"gss_code": ADUR, "membership_id": removed.pk})
    )
    assert response.status_code == 403


def test_shared_domains_are_seeded_never_auto_join_and_cannot_be_registered():
    assert SharedEmailDomain.objects.filter(domain="nhs.net").exists()
    assert SharedEmailDomain.objects.filter(domain="police.uk").exists()
    # Even if one was registered before the list existed:
    EmailDomainFactory(authority=_adur(), domain="police.uk")
    person = cast(User, UserFactory(email="pc@police.uk"))
    assert council_services.membership_join_by_domain(user=person, email=person.email) is None

    from councils.admin import EmailDomainForm

    form = EmailDomainForm(data={"authority": _adur().pk, "domain": "pnn.police.uk"})
    assert not form.is_valid()
    assert "shared by many organisations" in str(form.errors)


def test_seed_demo_gives_the_moderator_an_authenticator_and_prints_its_secret(client, settings):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("seed_demo", force=True, stdout=out)
    call_command("seed_demo", force=True, stdout=StringIO())  # re-running keeps the same secret

    assert settings.DEMO_TOTP_SECRET in out.getvalue()
    moderator = User.objects.get(email="demo-moderator@example.com")
    assert Authenticator.objects.filter(user=moderator, type="totp").count() == 1
    response = client.post(
        "/accounts/login/", {"login": moderator.email, "password": settings.DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(
        reverse("mfa_authenticate"), {"code": totp_code(settings.DEMO_TOTP_SECRET)}
    )
    assert response.status_code == 302
    assert client.get(reverse("offers:moderation_queue")).status_code == 200
