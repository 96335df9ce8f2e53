"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server.

Browser tests fail, never skip, when Chromium is missing: run
scripts/ensure_chromium.sh. live_server serves static files through
django.contrib.staticfiles' handler, so the built CSS and JS load as in
production.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session", autouse=True)
def _allow_sync_orm_beside_playwright() -> Iterator[None]:
    """Sync Playwright runs an event loop in this thread, which makes Django refuse
    ORM calls here (SynchronousOnlyOperation). Allowed for this session only."""
    patch = pytest.MonkeyPatch()
    patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    yield
    patch.undo()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    assert CHROMIUM.exists(), (
        f"The browser tests need Chromium at {CHROMIUM}; run scripts/ensure_chromium.sh"
    )
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def base_url(live_server: Any) -> str:
    # Reference data is restored for live-server tests by tests/conftest.py.
    return str(live_server.url)


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def assert_no_axe_violations(page: Page) -> None:
    """Run axe-core (from node_modules, no network) on the page; fail listing each violation."""
    axe = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.exists(), f"{axe} is missing: run npm ci"
    page.add_script_tag(path=str(axe))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations = results["violations"]
    report = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [node["target"] for node in v["nodes"]][:5],
        }
        for v in violations
    ]
    assert not violations, (
        f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n"
        + json.dumps(report, indent=2)
    )
