"""The Find a partner map in headless Chromium: drawn from the locally served
TopoJSON, keyboard operable, axe-clean; and the page still works without JS."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_no_axe_violations

pytestmark = pytest.mark.browser

ADUR_BUILDING_CONTROL = "/listings/partners/?council=E07000223&service=building-control"


def test_map_renders_shaded_shapes_with_adur_outlined(page: Page) -> None:
    page.goto(ADUR_BUILDING_CONTROL)
    map_region = page.locator("#partner-map")
    expect(map_region).to_be_visible()
    links = map_region.locator("svg a.app-map__link")
    expect(links.first).to_be_attached()
    assert links.count() > 300  # every ranked district and unitary drawn and linked
    assert map_region.locator("svg path.app-map__origin").count() == 1
    fills = set(
        map_region.locator("svg a.app-map__link path").evaluate_all(
            "els => els.map(e => e.getAttribute('fill'))"
        )
    )
    assert len(fills) >= 3  # shaded by score, not one colour
    assert_no_axe_violations(page)


def test_map_is_one_tab_stop_and_arrow_keys_follow_the_ranking(page: Page) -> None:
    page.goto(ADUR_BUILDING_CONTROL)
    first = page.locator('#partner-map svg a[tabindex="0"]')
    expect(first).to_have_count(1)
    expect(first).to_have_attribute("aria-label", re.compile(r"^1\. Worthing, score "))
    first.focus()
    expect(page.locator(".app-map__tip")).to_contain_text("1. Worthing: score")
    page.keyboard.press("ArrowRight")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused.startswith("2. ")
    assert page.locator('#partner-map svg a[tabindex="0"]').count() == 1
    page.keyboard.press("End")
    last = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert not last.startswith(("1. ", "2. "))
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#partner-E07000229$"))


def test_without_javascript_the_list_is_the_content(browser: Browser, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    page = context.new_page()
    page.goto(ADUR_BUILDING_CONTROL)
    expect(page.locator("#partner-map")).to_be_hidden()
    expect(page.locator("ol.app-partner-list > li").first).to_contain_text(
        "Worthing Borough Council"
    )
    expect(page.get_by_role("link", name=re.compile("Download all"))).to_be_visible()
    context.close()


def test_a_fire_authority_is_drawn_as_the_union_of_the_council_areas_it_covers(
    page: Page,
) -> None:
    page.goto("/listings/partners/?council=E31000022&service=emergency-services-control-rooms")
    map_region = page.locator("#partner-map")
    expect(map_region).to_be_visible()
    # Kent fire covers Kent's 12 districts and Medway: each outlined as its area.
    assert map_region.locator("svg path.app-map__origin").count() == 13
    # Neighbouring fire authorities and the police force area are drawn through
    # the districts they cover, linked to their place in the list.
    hrefs = set(
        map_region.locator("svg a.app-map__link").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
    )
    assert "#partner-E23000032" in hrefs  # Kent Police, over Kent's districts
    assert "#partner-E31000014" in hrefs  # East Sussex fire, next door
    assert_no_axe_violations(page)
