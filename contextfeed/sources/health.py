"""A source's health from its fetch record, and the log lines that tell an operator when it changes.

Pure: the record is read through `SourceRecord` (the stored row has these fields), time comes in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Literal, Protocol

log = logging.getLogger(__name__)

#: A source that has not answered for this many of its intervals makes the service "degraded".
DOWN_AFTER_INTERVALS = 3

Status = Literal["never_fetched", "ok", "failing", "degraded"]


class SourceRecord(Protocol):
    """What is kept of a source's fetches (contextfeed.db.models.Source)."""

    name: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    entries_seen: int
    created_at: datetime


def down_since(source: SourceRecord) -> datetime | None:
    """When the source last answered (or was first seen) if it is failing now, else None.

    The failures began after that instant, at the next attempt; no separate "first failure" is kept,
    so the outage is measured from the last success: it errs towards calling a source down up to one
    interval early, which for an operator's alarm is the side to err on.
    """
    if not source.consecutive_failures:
        return None
    return source.last_success_at or source.created_at


def status(source: SourceRecord | None, *, now: datetime, interval: timedelta) -> Status:
    """ "never_fetched", "ok", "failing", or "degraded" once it has failed for longer than DOWN_AFTER_INTERVALS."""
    if source is None or source.last_attempt_at is None:
        return "never_fetched"
    since = down_since(source)
    if since is None:
        return "ok"
    return "degraded" if now - since > interval * DOWN_AFTER_INTERVALS else "failing"


def note_failure(source: SourceRecord, error: str) -> None:
    """Log, once per outage, that a source started failing (the counter was just raised to 1)."""
    if source.consecutive_failures == 1:
        log.warning("source %s is failing: %s; its flags stay as they were until it answers again", source.name, error)


def note_success(source: SourceRecord, *, now: datetime) -> None:
    """Log that a failing source answered again; call before its failure counter is reset."""
    since = down_since(source)
    if since is not None:
        log.info(
            "source %s recovered after %d failed attempts (no answer since %s, %s)",
            source.name,
            source.consecutive_failures,
            since.strftime("%Y-%m-%d %H:%M UTC"),
            duration(now - since),
        )


def record_answer(source: SourceRecord, *, now: datetime, entries: int | None, warning: str | None = None) -> None:
    """The source answered at `now` (a fetch, or a replayed recorded document): it is healthy again."""
    note_success(source, now=now)
    source.last_attempt_at = now
    source.last_success_at = now
    source.consecutive_failures = 0
    source.last_error = warning
    if entries is not None:
        source.entries_seen = entries


def record_failure(source: SourceRecord, error: str, *, now: datetime) -> None:
    """One more failed attempt at `now`, logged when it begins an outage."""
    source.last_attempt_at = now
    source.last_error = error
    source.consecutive_failures += 1
    note_failure(source, error)


def outage_summary(sources: Iterable[SourceRecord], *, now: datetime) -> str | None:
    """One line naming every source still failing, how long and why; None when all answer."""
    down = [(source, since) for source in sources if (since := down_since(source)) is not None]
    if not down:
        return None
    parts = [
        f"{source.name} ({duration(now - since)}, {source.consecutive_failures} attempts: {source.last_error})"
        for source, since in sorted(down, key=lambda item: item[0].name)
    ]
    return f"{len(down)} source{'s' if len(down) > 1 else ''} still failing: " + "; ".join(parts)


def duration(span: timedelta) -> str:
    """A span for people: "4 min", "2 h 5 min", "3 days 1 h"."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days > 1 else ''} {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
