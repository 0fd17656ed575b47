"""The agent page of a replay in headless Chromium: the replay banner, its controls, and the flag banner."""

from __future__ import annotations

import pytest

from tests.web.test_agent_page_browser import (  # noqa: F401
    ARTIFACTS,
    browser,
    look_up,
    open_page,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def wait_for_text(browser, element_id: str, text: str) -> str:  # noqa: F811  (the fixture, imported above)
    """The element's text once it contains `text` (up to 30 s: a loaded CI machine is slow to re-render)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30, poll_frequency=0.05).until(
        lambda driver: text in driver.find_element(By.ID, element_id).text
    )
    return browser.find_element(By.ID, element_id).text


def click(browser, element_id: str) -> None:  # noqa: F811
    """Click a control of the page."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, element_id).click()


def test_a_trainer_pauses_and_jumps_and_the_watertown_briefing_follows(browser, replay_process):  # noqa: F811
    from selenium.webdriver.common.by import By

    with replay_process("--speed", "60") as replay:
        open_page(browser, replay.url, replay.keys["agent"])
        banner = wait_for(browser, "replay")
        assert "REPLAY · TRAINING, NOT LIVE" in banner.text.upper() and "boston-2013" in banner.text
        assert "15 Apr 2013" in banner.text and "60× real time" in banner.text
        look_up(browser, "A002")
        assert "level-do_not_chase" not in wait_for(browser, "banner").get_attribute("class")

        click(browser, "replay-toggle")  # an agent's key may watch, not steer
        assert "Only an admin key" in wait_for(browser, "replay-message").text

        open_page(browser, replay.url, replay.keys["admin"])
        wait_for(browser, "replay")
        click(browser, "replay-toggle")
        wait_for_text(browser, "replay-speed", "Paused")
        look_up(browser, "A002")
        wait_for(browser, "banner")
        jump = browser.find_element(By.ID, "replay-at")
        assert jump.get_attribute("value").startswith("2013-04-15T"), "the field follows the replay clock"
        jump.clear()
        jump.send_keys("2013-04-19T11:00")
        click(browser, "replay-jump")
        assert "Fri 19 Apr 2013 11:00:00 UTC" in wait_for_text(browser, "replay-instant", "11:00:00")
        # The briefing on screen was for the old instant: the page asks again after the jump.
        flag = wait_for_text(browser, "banner", "DO NOT CHASE")
        assert "Ask if they are safe" in flag
        assert "Shelter in Place Warning — Watertown" in wait_for(browser, "reasons").text
        assert "07:00 EDT" in wait_for(browser, "customer").text  # the customer's clock, replayed
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "replay-agent-page.png"))
