"""The agent page in a real headless Chromium (Debian's chromium + chromedriver, driven by Selenium)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.world import World
from tests.web.browser import ARTIFACTS, start_browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium for the module."""
    driver = start_browser()
    yield driver
    driver.quit()


def open_page(browser, url: str, key: str, *, page: str = "/") -> None:
    """Load the page and save the key in this tab, as an agent does."""
    from selenium.webdriver.common.by import By

    browser.get(url + page)
    browser.execute_script("sessionStorage.clear()")
    browser.find_element(By.ID, "api-key").send_keys(key)
    browser.find_element(By.ID, "save-key").click()


def look_up(browser, text: str) -> None:
    """Type into the lookup box and submit."""
    from selenium.webdriver.common.by import By

    box = browser.find_element(By.ID, "query")
    box.clear()
    box.send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "#lookup button[type=submit]").click()


def wait_for(browser, element_id: str):
    """The element once it is displayed (up to 10 s)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 10, poll_frequency=0.05).until(
        expected_conditions.visibility_of_element_located((By.ID, element_id))
    )


def agent_key(world: World) -> str:
    """The agent's key itself."""
    return world.keys.agent["Authorization"].removeprefix("Bearer ")


def test_an_agent_enters_an_id_and_sees_the_banner_and_the_reason(browser, live_server, world):
    from selenium.webdriver.common.by import By

    open_page(browser, live_server, agent_key(world))
    look_up(browser, "A002")
    banner = wait_for(browser, "banner")
    assert "DO NOT CHASE" in banner.text.upper() and "Ask if they are safe" in banner.text
    assert "level-do_not_chase" in banner.get_attribute("class")
    reasons = browser.find_element(By.ID, "reasons").text
    assert "Shelter in Place Warning — Watertown" in reasons
    customer = browser.find_element(By.ID, "customer").text
    assert "07:00 EDT" in customer and "Outside calling hours" in customer
    events = browser.find_element(By.ID, "events")
    assert (
        events.find_element(By.CSS_SELECTOR, "a.event-link").get_attribute("href")
        == "https://www.mass.gov/mema/alerts/sip-1"
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map path.area-do_not_chase")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map .customer-pin")) == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "agent-page-do-not-chase.png"))


def test_a_phone_shared_by_two_accounts_offers_a_choice(browser, live_server, world):
    from selenium.webdriver.common.by import By

    open_page(browser, live_server, agent_key(world))
    look_up(browser, "+1 (617) 555-0102")
    choices = wait_for(browser, "choices")
    assert "account A002" in choices.text and "account A020" in choices.text
    choices.find_elements(By.TAG_NAME, "button")[1].click()
    assert "Watertown Annex" in wait_for(browser, "customer").text


def test_a_clear_customer_and_a_replayed_instant_from_the_address_bar(browser, live_server, world):
    open_page(browser, live_server, agent_key(world), page="/?account=A001&at=2013-04-15T20:00:00Z")
    browser.refresh()
    banner = wait_for(browser, "banner")
    assert "CAUTION" in banner.text.upper() and "Read the briefing" in banner.text
    assert "Mon 15 Apr 2013 20:00 UTC, not for now" in wait_for(browser, "notices").text
    browser.save_screenshot(str(ARTIFACTS / "agent-page-caution.png"))
    look_up(browser, "A009")
    assert "level-clear" in wait_for(browser, "banner").get_attribute("class")


def test_a_wrong_key_is_explained_not_shown_as_an_empty_briefing(browser, live_server):
    open_page(browser, live_server, "cf_wrong")
    look_up(browser, "A002")
    assert "not accepted" in wait_for(browser, "message").text
