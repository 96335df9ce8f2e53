"""Content-Security-Policy and Permissions-Policy on every page, and pages that
need nothing the policy refuses (docs/adr/0006-content-security-policy.md).

The header tests read what the middleware sends; the markup tests walk the
rendered HTML for anything a browser would block under that policy: inline
scripts, <style> elements, style attributes and inline event handlers. The
browser tests (tests/browser/conftest.py) check the same in Chromium.
"""

from html.parser import HTMLParser
from typing import cast

import pytest
from django.test import Client

from councils.models import Membership
from offers.models import Listing
from tests.factories import officer_of
from tests.offers.factories import ADUR, ListingFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory

FIND_A_PARTNER = "/listings/partners/?council=E07000223&service=building-control"
ANONYMOUS_PAGES = [
    "/",
    "/councils/",
    f"/councils/{ADUR}/",  # spend bars
    "/listings/",
    "/listings/?q=building",
    "/listings/partners/",
    FIND_A_PARTNER,  # ranked list, map data, map script
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accessibility/",
    "/privacy/",
    "/data-sources/",
]
SIGNED_IN_PAGES = [
    "/listings/dashboard/",
    "/listings/new/",
    "/listings/new/offer/",
    "/listings/digests/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",  # QR code as a data: image
    f"/councils/{ADUR}/edit/",
]


class _InlineFinder(HTMLParser):
    """Collects every piece of markup that script-src 'self' / style-src 'self' refuse."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        where = self.get_starttag_text() or tag
        # Data blocks (json_script) are never executed, so CSP does not apply.
        data_block = named.get("type") == "application/json"
        if tag == "script" and not named.get("src") and not data_block and "nonce" not in named:
            self.found.append(f"inline script: {where}")
        if tag == "style":
            self.found.append(f"<style> element: {where}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute: {where}")
            elif name.startswith("on"):
                self.found.append(f"inline event handler: {where}")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL: {where}")


def inline_pieces(html: str) -> list[str]:
    finder = _InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def _directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _published_listing() -> Listing:
    return cast(
        Listing, ListingFactory(status=Listing.Status.PUBLISHED, title="Shared building control")
    )


@pytest.fixture
def officer_client(client: Client) -> Client:
    """An admin of Adur (so its profile form opens) who has just confirmed their
    password (so the authenticator set-up page opens)."""
    client.force_login(officer_of(ADUR, role=Membership.Role.ADMIN))
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    return client


def _html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return response.content.decode()


def _pages(client: Client, urls: list[str]) -> list[tuple[str, str, dict[str, str]]]:
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        pages.append((url, response.content.decode(), dict(response.headers)))
    return pages


def test_every_page_type_has_a_csp_without_unsafe_inline(client, officer_client):
    listing = _published_listing()
    anonymous = Client()
    pages = _pages(anonymous, [*ANONYMOUS_PAGES, listing.get_absolute_url()])
    pages += _pages(officer_client, [*SIGNED_IN_PAGES, listing.get_absolute_url()])
    not_found = anonymous.get("/no-such-page/")
    assert not_found.status_code == 404
    pages.append(("/no-such-page/", not_found.content.decode(), dict(not_found.headers)))

    for url, _, headers in pages:
        header = headers.get("Content-Security-Policy", "")
        assert header, f"{url} has no Content-Security-Policy"
        assert "unsafe-inline" not in header, url
        assert "unsafe-eval" not in header, url
        directives = _directives(header)
        assert directives["default-src"] == ["'self'"], url
        assert directives["script-src"] == ["'self'"], url
        assert directives["style-src"] == ["'self'"], url
        assert directives["img-src"] == ["'self'", "data:"], url
        assert directives["object-src"] == ["'none'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        assert directives["form-action"] == ["'self'"], url
        assert directives["base-uri"] == ["'self'"], url
        assert "Content-Security-Policy-Report-Only" not in headers, url


def test_every_page_type_has_a_permissions_policy_denying_device_features(client, officer_client):
    pages = _pages(Client(), ANONYMOUS_PAGES) + _pages(officer_client, SIGNED_IN_PAGES)

    for url, _, headers in pages:
        policy = headers.get("Permissions-Policy", "")
        features = dict(item.strip().split("=", 1) for item in policy.split(","))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort"):
            assert features.get(feature) == "()", f"{url}: {feature} not denied in {policy!r}"


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_page_has_no_inline_script_or_style(client, url):
    assert inline_pieces(_html(client, url)) == []


def test_listing_page_has_no_inline_script_or_style(client):
    listing = _published_listing()

    assert inline_pieces(_html(client, listing.get_absolute_url())) == []


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_signed_in_page_has_no_inline_script_or_style(officer_client, url):
    assert inline_pieces(_html(officer_client, url)) == []


def test_find_a_partner_keeps_its_map_data_in_a_json_block_and_its_code_in_files(client):
    html = _html(client, FIND_A_PARTNER)

    assert '<script id="partner-map-data" type="application/json">' in html
    assert "partner-map.js" in html
    assert inline_pieces(html) == []


def test_the_inline_finder_catches_what_the_policy_refuses():
    html = (
        "<script>alert(1)</script>"
        '<script type="module">import "x";</script>'
        "<style>p { color: red }</style>"
        '<p style="color: red" onclick="go()">x</p>'
        '<a href="javascript:go()">x</a>'
        '<script src="/static/x.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
    )

    found = inline_pieces(html)

    assert [item.split(":")[0] for item in found] == [
        "inline script",
        "inline script",
        "<style> element",
        "style attribute",
        "inline event handler",
        "javascript",
    ]
