"""Headless Chromium for the page tests (Debian's chromium + chromedriver, driven by Selenium), and where its
screenshots go."""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
#: Screenshots of every browser run, kept as artefacts (git-ignored).
ARTIFACTS = REPO / "tests" / "artifacts"
INSTALL = "apt-get install -y chromium chromium-driver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--window-size=1280,1500",
)


def chromium_available() -> bool:
    """Whether Chromium and its driver are installed."""
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def start_browser():
    """A headless Chromium recording every network request (see `requested_urls`)."""
    if not chromium_available():
        # Outside CI these tests are deselected (tests/conftest.py); under CI they must run.
        pytest.fail(f"CI is set, so the browser tests must run, but Chromium is missing: {INSTALL}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def requested_urls(browser) -> list[str]:
    """Every URL the page asked for since the last call (Chrome's DevTools network log)."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def off_host(urls: list[str], base_url: str) -> list[str]:
    """The URLs that leave the service's own host (data: URLs never leave the browser)."""
    host = urlsplit(base_url).netloc
    return [url for url in urls if not url.startswith("data:") and urlsplit(url).netloc != host]


def screenshot(browser, name: str) -> Path:
    """Save a screenshot under ARTIFACTS; returns its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def under_ci() -> bool:
    """CI sets CI: there the browser tests are never skipped."""
    return bool(os.environ.get("CI"))
