"""Full-page screenshots of the main pages, for reviewing how the service looks.

Starts nothing itself: run the site first (`make run`, which also seeds the
demo accounts) and seed the demo listings (`manage.py seed_demo_listings`),
then

    .venv/bin/python scripts/screenshots.py [--base-url http://127.0.0.1:8000]

PNGs 1280 px wide (and a few 320 px wide, named -320) go to screenshots/
(git ignores it). The join page and the
dashboard are taken signed in as the demo officer, the moderation queue as
the demo moderator, each in its own browser context; if a sign-in fails the
script says so and skips only that person's pages. A listing page is found
by following the first search result, so no listing id is needed.
"""

import argparse
import os
import re
import sys
from pathlib import Path
from urllib.parse import urljoin

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

PUBLIC_PAGES = [
    ("home", "/"),
    ("councils", "/councils/"),
    ("council-adur", "/councils/E07000223/"),
    ("sign-in", "/accounts/login/"),
    ("accessibility", "/accessibility/"),
    ("privacy", "/privacy/"),
    ("data-sources", "/data-sources/"),
    ("listings", "/listings/"),
    ("listings-search", "/listings/?q=building+control"),
    ("arrangements", "/arrangements/"),
    ("market", "/market/"),
    # Find a partner as a district, a county and a fire authority would use it, and
    # a district asking for a service its county delivers (ranks nothing, names who does).
    ("partners-district", "/listings/partners/?council=E07000223&service=building-control"),
    ("partners-county", "/listings/partners/?council=E10000032&service=payroll"),
    (
        "partners-fire",
        "/listings/partners/?council=E31000002&service=emergency-services-control-rooms",
    ),
    (
        "partners-not-delivered",
        "/listings/partners/?council=E07000223&service=adult-social-care-assessment-and-care-management",
    ),
]
# The same pages on a 320 px phone (WCAG 1.4.10 reflow: nothing wider than the screen).
PHONE_PAGES = [
    ("arrangements-320", "/arrangements/"),
    ("market-320", "/market/"),
]
SIGNED_IN_PAGES = [
    ("join-signed-in", "/councils/join/"),
    ("home-signed-in", "/"),
    ("listings-dashboard", "/listings/dashboard/"),
]
MODERATOR_PAGES = [
    ("listings-moderation-queue", "/listings/moderation/"),
]


def _shoot(page: Page, base_url: str, name: str, path: str, out: Path) -> None:
    # networkidle: the maps are drawn after their boundaries arrive.
    response = page.goto(urljoin(base_url, path), wait_until="networkidle")
    status = response.status if response else "no response"
    target = out / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    print(f"{status}  {path:<24} -> {target}")


def _shoot_first_listing(page: Page, base_url: str, out: Path) -> None:
    """The listing page of the first search result (demo listings come from seed_demo_listings)."""
    page.goto(urljoin(base_url, "/listings/"))
    first = page.locator(".app-result-list a").first
    if first.count() == 0:
        print(
            "No published listings to show (run manage.py seed_demo_listings); "
            "listing page skipped.",
            file=sys.stderr,
        )
        return
    href = first.get_attribute("href") or ""
    _shoot(page, base_url, "listing", href, out)


def _sign_in(page: Page, base_url: str, email: str, password: str) -> bool:
    page.goto(urljoin(base_url, "/accounts/login/"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return not re.search(r"/accounts/login/", page.url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--email", default="demo-officer@example.com")
    parser.add_argument("--moderator-email", default="demo-moderator@example.com")
    parser.add_argument(
        "--password",
        default=os.environ.get("DEMO_PASSWORD", "demo-password-123"),
        help="demo account password (default: $DEMO_PASSWORD or demo-password-123)",
    )
    args = parser.parse_args()
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        for name, path in PUBLIC_PAGES:
            _shoot(page, args.base_url, name, path, out)
        _shoot_first_listing(page, args.base_url, out)
        phone = browser.new_context(viewport={"width": 320, "height": 800})
        page = phone.new_page()
        for name, path in PHONE_PAGES:
            _shoot(page, args.base_url, name, path, out)
        phone.close()
        for email, pages in [
            (args.email, SIGNED_IN_PAGES),
            (args.moderator_email, MODERATOR_PAGES),
        ]:
            # A fresh context per person: the sign-in page redirects a signed-in user.
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            if _sign_in(page, args.base_url, email, args.password):
                for name, path in pages:
                    _shoot(page, args.base_url, name, path, out)
            else:
                print(
                    f"Could not sign in as {email} (run manage.py seed_demo?); "
                    "their pages skipped.",
                    file=sys.stderr,
                )
            context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
