"""The Boston briefing in headless Chromium: the map an agent reads, no request off the host, axe, phone width."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.replay.conftest import replay_process  # noqa: F401  (the fixture)
from tests.web.browser import off_host, requested_urls, screenshot, start_browser
from tests.web.test_agent_page_browser import open_page, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PHONE_WIDTH = 420
# WCAG 2.x A and AA rules: contrast, names and labels, keyboard access (tabindex, focusable regions).
AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
  .then((result) => done(result.violations.map((v) => ({id: v.id, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + ": " + n.failureSummary)}))))
  .catch((error) => done([{id: "axe-error", help: String(error), nodes: []}]));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium for the module."""
    driver = start_browser()
    yield driver
    driver.quit()


def elements(browser, css: str) -> list:
    """The elements matching `css` once there is at least one (up to 15 s)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 15, poll_frequency=0.1).until(lambda driver: driver.find_elements(By.CSS_SELECTOR, css))
    return browser.find_elements(By.CSS_SELECTOR, css)


def brief_by_keyboard(browser, account: str) -> None:
    """Tab to the lookup box, type the account and press Enter: no mouse."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.find_element(By.ID, "query").clear()
    browser.find_element(By.ID, "query").send_keys(account, Keys.ENTER)


def test_the_boston_briefing_draws_a_real_map_offline_passes_axe_and_fits_a_phone(browser, replay_process):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 1500)
    with replay_process("--start", "2013-04-19T11:00:00Z", "--paused") as replay:
        open_page(browser, replay.url, replay.keys["agent"])
        brief_by_keyboard(browser, "A002")
        banner = wait_for(browser, "banner")
        assert "level-do_not_chase" in banner.get_attribute("class")
        assert "07:00 EDT" in wait_for(browser, "customer").text
        assert "Watertown, Massachusetts, United States" in browser.find_element(By.ID, "customer").text

        # The base layer: country outlines and US state borders from the shipped files, and place names.
        assert elements(browser, "#map path.basemap-country")
        assert elements(browser, "#map path.basemap-state")
        places = [element.text for element in elements(browser, "#map .place-name")]
        assert {"Boston", "Cambridge"} <= set(places), places
        # The MEMA shelter-in-place area, coloured by its level and labelled with what and who.
        assert elements(browser, "#map path.area-do_not_chase")
        [label] = [element.text for element in elements(browser, "#map .area-label-do_not_chase")]
        assert "Do not chase: Shelter in Place Warning" in label
        assert "Massachusetts Emergency Management Agency" in label
        legend = browser.find_element(By.ID, "map-legend")
        assert legend.is_displayed() and "Do-not-chase area" in legend.text and "Customer" in legend.text
        assert browser.find_element(By.CSS_SELECTOR, "#map .customer-pin").is_displayed()
        assert "Customer" in browser.find_element(By.CSS_SELECTOR, "#map .customer-label").text
        shot = screenshot(browser, "boston-A002-briefing")

        # Nothing leaves the agent's browser: every request went to the service itself.
        urls = requested_urls(browser)
        assert any("/basemap/countries.json" in url for url in urls)
        assert off_host(urls, replay.url) == []

        browser.execute_script(AXE.read_text())
        violations = browser.execute_async_script(AXE_RUN)
        assert violations == [], violations

        # Quincy (A004) is 6 km outside the MEMA area: it is drawn dashed and said to be nearby.
        brief_by_keyboard(browser, "A004")
        nearby = elements(browser, "#map .area-label-nearby")
        assert any(
            label.text.startswith("Nearby, ") and " km away: Shelter in Place Warning" in label.text for label in nearby
        ), [label.text for label in nearby]
        dashed = elements(browser, "#map path.area-nearby")
        assert all(path.get_attribute("stroke-dasharray") for path in dashed)
        screenshot(browser, "boston-A004-nearby")

        brief_by_keyboard(browser, "A002")
        elements(browser, "#map .area-label-do_not_chase")
        browser.set_window_size(PHONE_WIDTH, 1500)
        width, scroll_width = browser.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
        assert width <= PHONE_WIDTH and scroll_width <= width, f"sideways scroll at {width} px: {scroll_width} px wide"
        screenshot(browser, "boston-A002-phone")
    print(f"screenshot: {shot}")
