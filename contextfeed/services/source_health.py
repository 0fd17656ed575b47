"""Source health for people: every source's state for /v1/sources, the service's for /healthz, outage summaries."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextfeed.config import Settings, SourceSettings
from contextfeed.db.models import Source
from contextfeed.domain.instants import iso
from contextfeed.sources import health

log = logging.getLogger(__name__)


def source_interval(settings: Settings, name: str) -> timedelta:
    """How often the source is crawled: its own interval, else the schedule's (replayed sources too)."""
    configured = next((source for source in settings.sources if source.name == name), None)
    minutes = (configured.interval_minutes if configured else None) or settings.schedule.interval_minutes
    return timedelta(minutes=minutes)


def source_health(
    source: Source | None, configured: SourceSettings | None, *, now: datetime, interval: timedelta
) -> dict:
    """A source's crawl health: "ok", "failing" or "degraded" (with the last error), or "never_fetched"."""
    name = source.name if source else configured.name
    return {
        "name": name,
        "kind": source.kind if source else configured.kind,
        "url": (source.url if source else None) or (configured.url if configured else None),
        "trust": source.trust if source else configured.effective_trust,
        "configured": configured is not None,
        "enabled": configured.enabled if configured else False,
        "status": health.status(source, now=now, interval=interval),
        "down_since": iso(health.down_since(source)) if source else None,
        "last_attempt_at": iso(source.last_attempt_at) if source else None,
        "last_success_at": iso(source.last_success_at) if source else None,
        "last_error": source.last_error if source else None,
        "consecutive_failures": source.consecutive_failures if source else 0,
        "entries_seen": source.entries_seen if source else 0,
    }


def sources_health(session: Session, settings: Settings, *, now: datetime) -> list[dict]:
    """Every configured or stored source with its health, by name."""
    stored = {source.name: source for source in session.scalars(select(Source))}
    configured = {source.name: source for source in settings.sources}
    return [
        source_health(stored.get(name), configured.get(name), now=now, interval=source_interval(settings, name))
        for name in sorted(stored.keys() | configured.keys())
    ]


def service_health(session: Session, settings: Settings, *, now: datetime) -> dict:
    """ "ok", or "degraded" when a source has not answered for DOWN_AFTER_INTERVALS of its intervals.

    A failing source is named at once (`failing`); it makes the service degraded only once the
    outage outlasts a few intervals, so one timeout does not page anyone.
    """
    sources = sources_health(session, settings, now=now)
    degraded = [source["name"] for source in sources if source["status"] == "degraded"]
    failing = [source["name"] for source in sources if source["status"] in ("failing", "degraded")]
    return {"status": "degraded" if degraded else "ok", "degraded_sources": degraded, "failing_sources": failing}


def log_outages(session: Session, *, now: datetime) -> str:
    """Log (WARNING) one line naming every source still failing; the scheduler runs this every few minutes."""
    summary = health.outage_summary(session.scalars(select(Source).where(Source.consecutive_failures > 0)), now=now)
    if summary:
        log.warning("%s", summary)
    return summary or "every source answers"
