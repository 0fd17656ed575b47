"""The schedule: one crawl job per enabled source, the expiry sweep and webhook delivery, each safe to overlap."""

from contextfeed.bootstrap import build_app
from contextfeed.config import load_settings
from contextfeed.jobs.scheduler import build_scheduler, logged_job
from contextfeed.services.crawl import Crawler
from tests.conftest import REPO


class NoFetch:
    def fetch(self, url, *, etag=None, last_modified=None):
        raise AssertionError("building the schedule must not fetch anything")


def test_every_enabled_source_gets_one_coalescing_job_with_jitter():
    settings = load_settings({"CONTEXTFEED_CONFIG": str(REPO / "config" / "contextfeed.toml")})
    app = build_app(settings)
    scheduler = build_scheduler(app, Crawler(app, NoFetch()))
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    enabled = {f"crawl:{source.name}" for source in settings.sources if source.enabled}
    disabled = {f"crawl:{source.name}" for source in settings.sources if not source.enabled}
    assert enabled <= set(jobs) and not disabled & set(jobs)
    assert {"sweep", "webhooks"} <= set(jobs)
    nws = jobs["crawl:nws"]
    assert nws.max_instances == 1 and nws.coalesce is True
    assert nws.misfire_grace_time == settings.schedule.misfire_grace_seconds
    assert nws.trigger.interval.total_seconds() == 120 and nws.trigger.jitter == settings.schedule.jitter_seconds


def test_a_failing_job_is_logged_and_does_not_escape_to_the_scheduler(caplog):
    def broken():
        raise RuntimeError("feed exploded")

    logged_job("crawl broken", broken)()
    assert "job crawl broken failed" in caplog.text and "feed exploded" in caplog.text
