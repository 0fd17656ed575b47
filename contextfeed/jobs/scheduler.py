"""APScheduler jobs: one per enabled source, plus the expiry sweep; each job owns its transactions."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from contextfeed.bootstrap import App
from contextfeed.dialer.webhooks import deliver_webhooks
from contextfeed.services.crawl import Crawler
from contextfeed.services.flags import sweep_expired
from contextfeed.services.source_health import log_outages

log = logging.getLogger(__name__)


def logged_job(name: str, job: Callable[[], object]) -> Callable[[], None]:
    """Run `job`, log what it did, and never let an exception reach the scheduler (it rolled back already)."""

    @functools.wraps(job)
    def run() -> None:
        try:
            result = job()
            log.info("job %s: %s", name, result)
        except Exception:
            log.exception("job %s failed", name)

    return run


def outages(app: App) -> str:
    """Log one line naming the sources still failing (see services.source_health)."""
    with app.database.read() as session:
        return log_outages(session, now=app.clock.now())


def build_scheduler(app: App, crawler: Crawler) -> BackgroundScheduler:
    """A scheduler with a job per enabled source (interval + jitter, one instance, coalesced) and the sweep."""
    schedule = app.settings.schedule
    scheduler = BackgroundScheduler(
        timezone="UTC",
        job_defaults={
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": schedule.misfire_grace_seconds,
        },
    )
    for source in app.settings.sources:
        if not source.enabled:
            continue
        minutes = source.interval_minutes or schedule.interval_minutes
        scheduler.add_job(
            logged_job(f"crawl {source.name}", lambda source=source: crawler.crawl_source(source).line()),
            IntervalTrigger(minutes=minutes, jitter=schedule.jitter_seconds),
            id=f"crawl:{source.name}",
            name=f"crawl {source.name}",
            next_run_time=app.clock.now(),
        )
    scheduler.add_job(
        logged_job("sweep", lambda: sweep_expired(app)),
        IntervalTrigger(minutes=schedule.sweep_minutes),
        id="sweep",
        name="expiry sweep",
    )
    scheduler.add_job(
        logged_job("outages", lambda: outages(app)),
        IntervalTrigger(minutes=schedule.outage_summary_minutes),
        id="outages",
        name="outage summary",
    )
    scheduler.add_job(
        logged_job("webhooks", lambda: deliver_webhooks(app, app.webhook_client)),
        IntervalTrigger(seconds=10),
        id="webhooks",
        name="webhook delivery",
    )
    return scheduler
