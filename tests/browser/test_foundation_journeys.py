"""The first journey a visitor takes, in a real browser, checked with axe on every page."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_visitor_goes_from_home_to_a_council_and_to_sign_in(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a shared service partner")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="browse all organisations").click()
    expect(page).to_have_url(re.compile(r"/councils/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Find an organisation")
    assert_no_axe_violations(page)

    page.get_by_label("Name", exact=True).fill("Adur")
    page.get_by_role("button", name="Apply filters").click()
    page.get_by_role("link", name="Adur District Council").click()
    expect(page).to_have_url(re.compile(r"/councils/E07000223/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Adur")
    assert_no_axe_violations(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_no_axe_violations(page)


def test_site_pages_in_the_footer_have_no_axe_violations(page: Page):
    page.goto("/")
    for name, heading in [
        ("Accessibility statement", "Accessibility statement"),
        ("Privacy", "Privacy notice"),
        ("Data sources and licences", "Data sources and licences"),
    ]:
        page.get_by_role("contentinfo").get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_no_axe_violations(page)


def test_skip_link_is_the_first_thing_a_keyboard_reaches_and_works(page: Page):
    page.goto("/")

    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    expect(skip_link).to_have_text("Skip to main content")
    expect(skip_link).to_have_class(re.compile(r"\bgovuk-skip-link\b"))
    expect(skip_link).to_be_in_viewport()  # hidden until focused, then shown

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main-content$"))
    # GOV.UK Frontend's skip link script moves focus into <main>, so the next
    # Tab continues from the content, not from the header.
    expect(page.locator(":focus")).to_have_id("main-content")
    page.keyboard.press("Tab")
    focused_in_main = page.evaluate(
        "() => document.getElementById('main-content').contains(document.activeElement)"
    )
    assert focused_in_main


def test_styles_and_scripts_load(page: Page):
    stylesheet_statuses: list[int] = []
    page.on(
        "response",
        lambda r: stylesheet_statuses.append(r.status) if r.url.endswith("main.css") else None,
    )
    page.goto("/")

    assert stylesheet_statuses == [200]
    font = page.evaluate(
        "() => getComputedStyle(document.querySelector('.govuk-body-l')).fontFamily"
    )
    assert "system-ui" in font  # set in static/scss/main.scss
    body_classes = page.evaluate("() => document.body.className")
    assert "govuk-frontend-supported" in body_classes


def test_demo_officer_signs_in_and_is_shown_as_demo(page: Page):
    call_command("seed_demo", "--force", stdout=StringIO())

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("demo-officer@example.com")
    page.get_by_label("Password").fill("demo-password-123")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Demo account", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Your account (demo)")).to_be_visible()
    page.goto("/")
    expect(page.get_by_text("You act for Adur District Council")).to_be_visible()
    assert_no_axe_violations(page)


def test_axe_check_fails_on_an_inaccessible_page(browser):
    """The harness itself: a page with an unlabelled field and an image without
    alt text must fail the check, naming both rules."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<html lang="en"><head><title>Bad</title></head><body><main>'
            '<h1>Bad</h1><img src="data:,"><input type="text"></main></body></html>'
        )
        with pytest.raises(AssertionError) as failure:
            assert_no_axe_violations(page)
    finally:
        context.close()

    assert "image-alt" in str(failure.value)
    assert "label" in str(failure.value)
