"""Site pages (home, accessibility, privacy, data sources) and the demo seed."""

import re
from html import unescape
from io import StringIO
from typing import cast

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from councils.models import (
    Adjacency,
    Authority,
    AuthorityProfile,
    EmailDomain,
    Membership,
    SpendRecord,
    User,
)
from tests.factories import UserFactory, officer_of

pytestmark = pytest.mark.django_db

DEMO_EMAILS = {
    "demo-officer@example.com",
    "demo-admin@example.com",
    "demo-moderator@example.com",
}


def _text(response) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _h1(response) -> str:
    found = re.findall(r"<h1\b[^>]*>(.*?)</h1>", response.content.decode(), flags=re.S)
    assert len(found) == 1, f"expected one h1, found {len(found)}"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", found[0]))).strip()


@pytest.mark.parametrize(
    ("url", "h1", "title"),
    [
        ("/", "Find a shared service partner", "Find councils and public bodies"),
        (
            "/accessibility/",
            "Accessibility statement for Find a shared service partner",
            "Accessibility statement",
        ),
        ("/privacy/", "Privacy notice", "Privacy notice"),
        ("/data-sources/", "Data sources and licences", "Data sources and licences"),
        ("/cookies/", "Cookies", "Cookies"),
    ],
)
def test_page_renders_with_its_heading_title_and_attribution(client, url, h1, title):
    response = client.get(url)

    assert response.status_code == 200
    assert _h1(response) == h1
    page_title = re.search(r"<title>(.*?)</title>", response.content.decode(), flags=re.S)
    assert page_title is not None
    assert unescape(page_title.group(1)).startswith(title)
    # The footer carries the short attribution on every page.
    assert "mySociety (CC BY 4.0)" in _text(response)
    assert "Open Government Licence v3.0" in _text(response)


def test_home_counts_come_from_the_directory(client):
    current = Authority.objects.current().councils()
    text = _text(client.get("/"))

    assert f"{current.count()} councils" in text
    for nation, label in [
        (Authority.Nation.ENGLAND, "England"),
        (Authority.Nation.SCOTLAND, "Scotland"),
        (Authority.Nation.WALES, "Wales"),
        (Authority.Nation.NORTHERN_IRELAND, "Northern Ireland"),
    ]:
        assert f"{label} {current.filter(nation=nation).count()} councils" in text
    for label, count in [
        ("Fire and rescue authorities", 47),
        ("Police force areas", 43),
        ("Integrated care boards", 42),
        ("Combined authorities", 13),
        ("Greater London Authority", 1),
        ("National park authorities", 10),
        ("Waste disposal authorities", 5),
        ("Regional park authorities", 1),
    ]:
        assert f"{label} {count}" in text
    assert "And 8 other kinds of public body" in text


def test_home_counts_organisations_with_an_officer_not_officers(client):
    """The live count is of organisations someone acts for: a second officer of the
    same council adds nothing, a demo officer counts for nothing."""
    before = _organisations_with_officers()
    officer_of("E07000223")
    officer_of("E07000223")
    officer_of("E07000229", is_demo=True)

    text = _text(client.get("/"))

    assert f"Organisations with at least one officer {before + 1}" in text
    assert "Council officers signed up" not in text


def _organisations_with_officers() -> int:
    return (
        Authority.objects.current()
        .filter(memberships__status="approved", memberships__user__is_demo=False)
        .distinct()
        .count()
    )


def test_home_counts_live_listings_only(client):
    from tests.offers.factories import make_listing

    make_listing(status="published")
    make_listing(status="published", is_demo=True)
    make_listing(status="draft")

    text = _text(client.get("/"))

    assert "Live offers and needs 1" in text


def test_home_states_the_savings_estimate_with_its_source(client):
    text = _text(client.get("/"))

    assert "Shared Necessities" in text
    assert "front-office" in text
    # DOMAIN.md: the rates are of total spend, for sharing the back office as a whole.
    assert (
        "sharing its whole back office (finance, HR, ICT, legal and the rest together, for "
        "example with one management team and one workforce) saves about 1.8% of its total "
        "spend realistically, and up to 3.6% at best"
    ) in text
    assert "1.8% of what councils spend on them" not in text


def test_home_starts_at_find_a_partner_links_the_lists_and_asks_visitors_to_sign_in(client):
    response = client.get("/")
    html = response.content.decode()

    assert re.search(
        r'href="/listings/partners/"[^>]*class="govuk-button govuk-button--start"', html
    )
    assert 'href="/councils/"' in html
    assert 'href="/listings/"' in html
    assert 'href="/accounts/login/"' in html
    assert "Sign in" in _text(response)


def test_home_tells_a_signed_in_officer_which_council_they_act_for(client):
    client.force_login(officer_of("E07000223", full_name="Ada Lovelace"))

    response = client.get("/")
    text = _text(response)

    assert _h1(response) == "Adur District Council"
    assert "You act for Adur District Council as an officer" in text
    assert "Post an offer or a need" in text


def test_data_sources_page_gives_every_dataset_its_required_attribution(client):
    text = _text(client.get("/data-sources/"))

    assert (
        "Source: Office for National Statistics licensed under the Open Government Licence "
        "v.3.0. Contains OS data © Crown copyright and database right 2016." in text
    )
    assert "Contains LPS Intellectual Property © Crown copyright and database right 2016" in text
    assert "mySociety" in text
    assert "CC BY 4.0" in text
    assert "Ministry of Housing, Communities and Local Government" in text
    assert "ONSvisual/Local-Authority-Districts-2021-neighbours" in text
    assert "the licence has not yet been confirmed with ONS" in text
    assert "mysociety/la_distance" in text
    assert "ONSvisual/uk-topojson" in text
    # The public bodies (issue 13): ONS Open Geography lookups, as the data README asks.
    assert (
        "Source: Office for National Statistics licensed under the Open Government Licence "
        "v.3.0. Contains OS data © Crown copyright and database right 2024." in text
    )
    assert "humaniverse/geographr" in text
    for lookup in ("LAD24_FRA24_EW_LU", "LAD24_CSP24_PFA24_EW_LU", "LSOA21_SICBL24_ICB24"):
        assert lookup in text
    assert "162 public bodies" in text


def test_data_sources_page_shows_the_spend_year_and_caveats(client):
    text = _text(client.get("/data-sources/"))
    spend_years = set(SpendRecord.objects.values_list("year", flat=True))

    assert spend_years  # the imported reference data has spend
    for year in spend_years:
        assert year in text
    assert "England only" in text
    assert "Population years are mixed" in text


def test_accessibility_statement_is_honest_about_what_is_missing(client):
    text = _text(client.get("/accessibility/"))

    assert "WCAG" in text
    assert "2.2" in text
    assert "no map of partner councils yet" in text
    assert "partially compliant" in text
    assert "shared-services@example.org" in text  # how to report a problem


def test_privacy_notice_lists_the_personal_data_and_how_long_it_is_kept(client):
    text = _text(client.get("/privacy/"))

    for item in ["your name", "your email address", "your job title", "which council"]:
        assert item in text
    assert "How long we keep your data" in text
    assert "Information Commissioner’s Office" in text


def test_privacy_notice_points_to_the_cookies_and_your_data_pages(client):
    html = client.get("/privacy/").content.decode()

    assert 'href="/cookies/"' in html
    assert 'href="/accounts/your-data/">Your data</a>' in html


def test_cookies_page_lists_each_cookie_with_its_purpose_and_expiry(client):
    response = client.get("/cookies/")
    text = _text(response)

    assert '<table class="govuk-table">' in response.content.decode()
    assert "sessionid Keeps you signed in" in text
    assert "after 2 weeks if you choose “Keep me signed in on this device”" in text
    assert "csrftoken Stops other websites sending forms" in text
    assert "52 weeks" in text
    assert "messages Shows you a message once" in text
    assert "We do not use analytics cookies" in text
    assert "so we do not ask you to accept cookies" in text


def test_cookies_page_takes_names_and_lifetimes_from_settings(client, settings):
    settings.SESSION_COOKIE_NAME = "portal_session"
    settings.SESSION_COOKIE_AGE = 3 * 24 * 60 * 60
    settings.CSRF_COOKIE_NAME = "portal_csrf"

    text = _text(client.get("/cookies/"))

    assert "portal_session Keeps you signed in" in text
    assert "after 3 days" in text
    assert "portal_csrf Stops other websites" in text


def test_every_page_links_the_cookies_page_from_the_footer(client):
    for url in ["/", "/privacy/", "/councils/"]:
        html = client.get(url).content.decode()
        footer = html[html.index('<footer class="govuk-footer">') :]
        assert '<a class="govuk-footer__link" href="/cookies/">Cookies</a>' in footer, url


def test_the_site_sets_no_cookie_the_cookies_page_does_not_list(client):
    person = officer_of("E07000223")
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"login": person.email, "password": "correct-horse-battery"})
    for url in ["/", "/councils/", "/listings/", "/accounts/email/", "/accounts/your-data/"]:
        assert client.get(url).status_code == 200, url
    client.post("/accounts/logout/")  # leaves a "You have signed out" message

    assert set(client.cookies) <= {"sessionid", "csrftoken", "messages"}
    assert {"sessionid", "csrftoken"} <= set(client.cookies)


def test_pages_are_not_changed_by_post(client):
    assert client.post("/accessibility/").status_code == 405


# seed_demo --------------------------------------------------------------------


def _reference_snapshot() -> dict[str, object]:
    return {
        "authorities": list(Authority.objects.order_by("pk").values()),
        "adjacency": Adjacency.objects.count(),
        "spend": SpendRecord.objects.count(),
        "profiles": AuthorityProfile.objects.count(),
        "domains": EmailDomain.objects.count(),
    }


def test_seed_demo_creates_three_labelled_verified_demo_accounts(settings):
    settings.DEBUG = True
    out = StringIO()

    call_command("seed_demo", stdout=out)

    demo = User.objects.filter(is_demo=True)
    assert set(demo.values_list("email", flat=True)) == DEMO_EMAILS
    for user in demo:
        assert user.full_name.startswith("Demo")
        assert user.check_password("demo-password-123")
        address = EmailAddress.objects.get(user=user)
        assert (address.email, address.verified, address.primary) == (user.email, True, True)

    officer = Membership.objects.get(user__email="demo-officer@example.com")
    assert (officer.authority.gss_code, officer.role) == ("E07000223", Membership.Role.OFFICER)
    admin = Membership.objects.get(user__email="demo-admin@example.com")
    assert (admin.authority.gss_code, admin.role) == ("E07000229", Membership.Role.ADMIN)
    for membership in (officer, admin):
        assert membership.status == Membership.Status.APPROVED
        assert membership.method == Membership.Method.DEMO

    moderator = User.objects.get(email="demo-moderator@example.com")
    assert moderator.is_staff
    assert not moderator.is_superuser
    assert not moderator.memberships.exists()

    printed = out.getvalue()
    for email in DEMO_EMAILS:
        assert email in printed
    assert "demo-password-123" in printed


def test_seed_demo_twice_changes_nothing_the_second_time(settings):
    settings.DEBUG = True
    before = _reference_snapshot()

    call_command("seed_demo", stdout=StringIO())
    first = {
        "users": list(User.objects.order_by("pk").values("pk", "email", "password")),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
        "memberships": list(
            Membership.objects.order_by("pk").values("pk", "user", "authority", "role", "status")
        ),
    }
    call_command("seed_demo", stdout=StringIO())
    second = {
        "users": list(User.objects.order_by("pk").values("pk", "email", "password")),
        "emails": list(EmailAddress.objects.order_by("pk").values()),
        "memberships": list(
            Membership.objects.order_by("pk").values("pk", "user", "authority", "role", "status")
        ),
    }

    assert second == first
    assert _reference_snapshot() == before
    assert EmailDomain.objects.count() == 0


def test_seed_demo_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())

    assert not User.objects.filter(is_demo=True).exists()


def test_seed_demo_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False

    call_command("seed_demo", "--force", stdout=StringIO())

    assert User.objects.filter(is_demo=True).count() == 3


def test_seed_demo_uses_the_configured_password(settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "another-demo-password-456"
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert Client().login(email="demo-admin@example.com", password="another-demo-password-456")
    assert "another-demo-password-456" in out.getvalue()


def test_seed_demo_never_takes_over_a_real_account(settings):
    settings.DEBUG = True
    real = cast(User, UserFactory(email="demo-officer@example.com", full_name="Real Person"))

    with pytest.raises(CommandError, match="not a demo account"):
        call_command("seed_demo", stdout=StringIO())

    real.refresh_from_db()
    assert (real.is_demo, real.full_name) == (False, "Real Person")
    assert not User.objects.filter(is_demo=True).exists()


def test_seed_demo_closes_another_council_the_demo_officer_joined(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    officer = User.objects.get(email="demo-officer@example.com")
    Membership.objects.filter(user=officer).update(status=Membership.Status.LEFT)
    Membership.objects.create(
        user=officer,
        authority=Authority.objects.get(gss_code="E07000228"),  # Mid Sussex
        status=Membership.Status.PENDING,
        method=Membership.Method.REQUEST,
    )

    call_command("seed_demo", stdout=StringIO())

    open_memberships = Membership.objects.filter(
        user=officer, status__in=[Membership.Status.PENDING, Membership.Status.APPROVED]
    )
    assert [m.authority.gss_code for m in open_memberships] == ["E07000223"]


def test_demo_account_is_labelled_demo_on_every_page(settings, client):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    client.force_login(User.objects.get(email="demo-officer@example.com"))

    for url in ["/", "/privacy/", "/councils/"]:
        text = _text(client.get(url))
        assert "Demo account" in text, url
        assert "Your account (demo)" in text, url


def test_real_account_is_not_labelled_demo(client):
    client.force_login(officer_of("E07000223"))

    text = _text(client.get("/"))

    assert "Demo account" not in text
    assert "(demo)" not in text
