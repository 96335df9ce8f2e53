"""The Content-Security-Policy in Chromium: pages load, style and script work
under it, and the harness that fails a test on any violation really does.

Every browser test fails on a reported violation (tests/browser/conftest.py);
these visit the page types where an inline piece would most likely slip in.
"""

import re
from typing import cast

import pytest
from playwright.sync_api import Page, Route, expect

from offers.models import Listing
from tests.offers.factories import ADUR, ListingFactory

pytestmark = pytest.mark.browser

FIND_A_PARTNER = f"/listings/partners/?council={ADUR}&service=building-control"


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
    assert "camera=()" in response.headers.get("permissions-policy", ""), url
    # The body-class snippet and GOV.UK Frontend's initAll ran from their files.
    assert "govuk-frontend-supported" in page.evaluate("document.body.className"), url
    expect(page.locator("[data-govuk-skip-link-init]")).to_be_attached()


def test_pages_work_under_the_policy(page: Page) -> None:
    listing = cast(
        Listing, ListingFactory(status=Listing.Status.PUBLISHED, title="Shared building control")
    )
    for url in (
        "/",
        "/councils/",
        "/listings/",
        "/listings/partners/",
        listing.get_absolute_url(),
        "/accounts/login/",
        "/accounts/signup/",
    ):
        _open(page, url)


def test_find_a_partner_map_is_drawn_and_styled_under_the_policy(page: Page) -> None:
    _open(page, FIND_A_PARTNER)

    expect(page.locator("#partner-map svg a.app-map__link").first).to_be_attached()
    first = page.locator("ol.app-partner-list > li").first
    assert first.evaluate("li => getComputedStyle(li).borderTopStyle") == "solid"
    bullets = page.locator("ol.app-partner-list").evaluate(
        "ol => getComputedStyle(ol).listStyleType"
    )
    assert bullets == "none"
    # Legend swatches are coloured through the CSSOM (element.style), which CSP allows.
    swatch = page.locator(".app-map__swatch").first
    assert swatch.evaluate("s => getComputedStyle(s).backgroundColor") == "rgb(0, 48, 120)"


def test_spend_trend_charts_are_drawn_by_the_stylesheet(page: Page) -> None:
    """The trend per spend line is an SVG whose bars and gaps take their colour and
    dashes from the stylesheet, not from inline styles the CSP would block."""
    _open(page, f"/councils/{ADUR}/")

    charts = page.locator("svg.app-trend")
    expect(charts.first).to_be_visible()
    assert charts.first.evaluate("svg => svg.getBoundingClientRect().width") > 100
    bar = page.locator("svg.app-trend rect.app-trend__bar").first
    assert bar.evaluate("r => getComputedStyle(r).fill") == "rgb(29, 112, 184)"
    # 2018-19 to 2020-21 have no file: a dashed empty box, never a bar.
    gap = page.locator("svg.app-trend rect.app-trend__gap").first
    assert gap.evaluate("r => getComputedStyle(r).fill") == "none"
    assert gap.evaluate("r => getComputedStyle(r).strokeDasharray") != "none"


def test_a_violation_fails_the_test(page: Page, csp_violations: list[str]) -> None:
    """The harness itself: an inline style and an inline script on a page with the
    site's policy are both reported (then forgotten, so this test passes)."""

    def serve(route: Route) -> None:
        route.fulfill(
            status=200,
            headers={"Content-Type": "text/html", "Content-Security-Policy": "default-src 'self'"},
            body='<p style="color: red">x</p><script>window.ran = true</script>',
        )

    page.route("http://csp.test/", serve)
    page.goto("http://csp.test/")
    expect(page.locator("p")).to_have_text("x")
    page.wait_for_function("() => true")  # lets the console messages arrive

    assert page.evaluate("window.ran === undefined")
    reported = "\n".join(csp_violations)
    assert re.search(r"inline style .*Content Security Policy", reported)
    assert re.search(r"inline script .*Content Security Policy", reported)
    assert "Content Security Policy violation event: style-src-attr" in reported
    assert "Content Security Policy violation event: script-src-elem" in reported
    csp_violations.clear()
