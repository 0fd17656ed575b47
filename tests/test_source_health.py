"""An operator hears about a failing feed: one WARNING when it starts, summaries while down, INFO when back, /healthz."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from contextfeed.api.app import create_api
from contextfeed.bootstrap import build_app
from contextfeed.clock import FixedClock
from contextfeed.config import load_settings
from contextfeed.jobs.scheduler import build_scheduler
from contextfeed.services.crawl import Crawler
from tests.test_crawl import BOSTON, FeedServer, crawl_config, feeds  # noqa: F401  (fixtures)

START = datetime(2013, 4, 19, 10, 0, tzinfo=UTC)
INTERVAL = timedelta(minutes=5)  # the schedule's default: the test config gives mema no interval of its own


@pytest.fixture
def jobs(migrated, crawl_config, feeds):  # noqa: F811  (the fixtures, imported above)
    """The scheduler's own job functions for mema and the outage summary, on a clock the test moves; and /healthz."""
    clock = FixedClock(START)
    app = build_app(load_settings(), clock=clock)
    scheduler = build_scheduler(app, Crawler(app, app.fetcher))
    client = TestClient(create_api(app))
    yield clock, scheduler.get_job("crawl:mema").func, scheduler.get_job("outages").func, client
    app.database.dispose()


def health_lines(caplog) -> list[tuple[str, str]]:
    """(level, message) of what the health and outage loggers said, then forget them."""
    lines = [
        (record.levelname, record.getMessage())
        for record in caplog.records
        if record.name in ("contextfeed.sources.health", "contextfeed.services.source_health")
    ]
    caplog.clear()
    return lines


def test_a_failing_source_is_logged_once_summarised_while_down_and_shown_in_healthz(jobs, feeds, caplog):  # noqa: F811
    clock, crawl, outages, client = jobs
    caplog.set_level(logging.INFO)
    crawl()
    assert client.get("/healthz").json() == {"status": "ok", "degraded_sources": [], "failing_sources": []}

    saved = dict(feeds.documents)
    feeds.documents.clear()  # the feed now answers 503
    clock.advance(INTERVAL)
    crawl()
    [(level, line)] = health_lines(caplog)
    assert level == "WARNING" and line.startswith("source mema is failing: ") and "503" in line
    # Within one interval the failing source is named; one failure does not yet make the service degraded.
    assert client.get("/healthz").json() == {"status": "ok", "degraded_sources": [], "failing_sources": ["mema"]}

    for _ in range(3):
        clock.advance(INTERVAL)
        crawl()
    assert health_lines(caplog) == [], "the start of an outage is told once, not at every attempt"
    # No answer since 10:00, 20 minutes: more than three 5-minute intervals.
    assert client.get("/healthz").json() == {
        "status": "degraded",
        "degraded_sources": ["mema"],
        "failing_sources": ["mema"],
    }

    outages()
    [(level, line)] = health_lines(caplog)
    assert level == "WARNING" and line.startswith("1 source still failing: mema (20 min, 4 attempts: ")

    feeds.documents.update(saved)
    clock.advance(INTERVAL)
    crawl()
    [(level, line)] = health_lines(caplog)
    assert (level, line) == (
        "INFO",
        "source mema recovered after 4 failed attempts (no answer since 2013-04-19 10:00 UTC, 25 min)",
    )
    assert client.get("/healthz").json()["status"] == "ok"
    outages()
    assert health_lines(caplog) == []
