"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against live_server.

Browser tests fail, never skip, when Chromium is missing: run
scripts/ensure_chromium.sh. live_server serves static files through
django.contrib.staticfiles' handler, so the built CSS and JS load as in
production.

Content-Security-Policy: every context enforces the site's policy (none may
bypass it), and any test during which Chromium reports a violation fails
(`_fail_on_csp_violations`). Chromium reports each one twice: as its own
console error ("... violates the following Content Security Policy
directive ...") and as a `securitypolicyviolation` event, which an init
script logs to the console too, so both routes are covered. axe-core is
injected with `page.evaluate`, which the DevTools protocol runs outside the
page's policy; `page.add_script_tag` would add an inline script the policy
refuses, and a context with `bypass_csp=True` would hide real violations.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    sync_playwright,
)

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
CSP_MARKER = "Content Security Policy"
# Logs each securitypolicyviolation event where the console listener sees it.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(
    "Content Security Policy violation event: " + event.effectiveDirective + " blocked " +
      (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


def watch_for_csp_violations(context: BrowserContext, violations: list[str]) -> None:
    """Record in `violations` every CSP violation any page of the context reports."""
    context.add_init_script(script=CSP_LISTENER)

    def on_console(message: ConsoleMessage) -> None:
        if CSP_MARKER in message.text:
            page = message.page.url if message.page else "?"
            violations.append(f"{page}: {message.text}")

    context.on("console", on_console)


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
def csp_violations() -> list[str]:
    """Violations reported since the current test started (emptied by _fail_on_csp_violations)."""
    return []


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright, csp_violations: list[str]) -> Iterator[Browser]:
    assert CHROMIUM.exists(), (
        f"The browser tests need Chromium at {CHROMIUM}; run scripts/ensure_chromium.sh"
    )
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    # Every context any test opens (the page fixture's, or its own) is watched.
    new_context = browser.new_context

    def watched_new_context(**options: Any) -> BrowserContext:
        assert not options.get("bypass_csp"), "no browser test may bypass the CSP"
        context = new_context(**options)
        watch_for_csp_violations(context, csp_violations)
        return context

    browser.new_context = watched_new_context  # type: ignore[method-assign]
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _fail_on_csp_violations(csp_violations: list[str]) -> Iterator[None]:
    """Set up before, and so torn down after, the fixtures that close contexts,
    so every console message of the test has arrived when this checks."""
    csp_violations.clear()
    yield
    found = list(csp_violations)
    csp_violations.clear()
    assert not found, "Content Security Policy violations:\n" + "\n".join(found)


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
    """Run axe-core (from node_modules, no network) on the page; fail listing each violation.

    Injected with evaluate, which the page's Content-Security-Policy does not
    govern (see the module docstring); add_script_tag would be refused."""
    axe = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.exists(), f"{axe} is missing: run npm ci"
    page.evaluate(axe.read_text())
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
