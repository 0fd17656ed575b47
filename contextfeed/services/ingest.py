"""Ingest: a parsed document's source found or created, its events stored, the flags they touch reconciled."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextfeed.config import Settings
from contextfeed.db.models import Source
from contextfeed.domain.terms import default_trust
from contextfeed.events.store import EventStore, with_news_areas
from contextfeed.flags.engine import FlagEngine
from contextfeed.sources.health import record_answer
from contextfeed.sources.model import ParsedEvent, ParseResult

# Items stored per write transaction at most, and in the first one (before any has been timed).
INGEST_BATCH = 2_000
FIRST_INGEST_BATCH = 100
# How long each later transaction should hold SQLite's write lock: its items are as many as the last one stored
# in that time (at most twice as many). An item's cost grows with the accounts near it: 2,000 news items held
# the lock 3 s over 1M accounts and over 30 s over 10M, and an import waiting behind them gave up.
INGEST_LOCK_S = 2.0

if TYPE_CHECKING:
    from contextfeed.bootstrap import App
    from contextfeed.events.news import NewsReading
    from contextfeed.events.store import ReadItem


@dataclass
class IngestReport:
    """What one document did: events new/updated/cancelled/unchanged, per-entry errors, flag changes."""

    new: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    flag_changes: dict[str, int] = field(default_factory=dict)

    def add(self, other: IngestReport) -> None:
        """Count another part of the same document in."""
        self.new += other.new
        self.updated += other.updated
        self.cancelled += other.cancelled
        self.unchanged += other.unchanged
        self.errors += other.errors
        for action, count in other.flag_changes.items():
            self.flag_changes[action] = self.flag_changes.get(action, 0) + count

    def as_json(self) -> dict:
        """A plain dict for --json output and logs."""
        return {
            "new": self.new,
            "updated": self.updated,
            "cancelled": self.cancelled,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "flag_changes": self.flag_changes,
        }


class UnknownSourceError(ValueError):
    """A source name neither stored, configured nor given a kind."""


def stored_source(session: Session, settings: Settings, name: str, *, kind: str | None = None, now: datetime) -> Source:
    """The stored source of that name, created from the config (or the kind's defaults) if new."""
    source = session.scalars(select(Source).where(Source.name == name)).first()
    if source is not None:
        return source
    configured = settings.source(name)
    kind = kind or (configured.kind if configured else None)
    if kind is None:
        raise UnknownSourceError(f"unknown source {name!r}: give --kind, or configure it in [[sources]]")
    source = Source(
        name=name,
        kind=kind,
        url=configured.url if configured else None,
        trust=configured.effective_trust if configured else default_trust(kind),
        created_at=now,
    )
    session.add(source)
    session.flush()
    return source


def flag_engine(app: App, session: Session, *, now: datetime) -> FlagEngine:
    """A flag engine on this session with the configured policy."""
    return FlagEngine(session, policy=app.settings.policy, now=now)


def read_news(app: App, event: ParsedEvent, *, home: str | None = None) -> NewsReading:
    """Places and crisis found in a news item from a source covering `home` (a region code, if known)."""
    # Here, not at the top: news reading loads the geoparser, which an alert feed never needs.
    from contextfeed.events.news import read_news as read
    from contextfeed.geo.crisis import DEFAULT_CRISIS_RULES, classify_crisis

    rules = app.settings.policy.crisis_keywords or DEFAULT_CRISIS_RULES
    return read(
        event,
        geoparse=lambda text: app.geoparser.parse(text, home=home),
        classify=lambda text: classify_crisis(text, rules),
    )


def read_items(app: App, result: ParseResult, *, source_name: str, trust: str) -> list[ReadItem]:
    """A document's items, news ones geoparsed, ready to store.

    Called before the write transaction: geoparsing a 50,000-item wire takes over a minute, and
    SQLite's write lock must only be held for short transactions (issue 20).
    """
    home = app.settings.news.home_regions.get(source_name)
    return with_news_areas(result.events, trust=trust, read_news=lambda event: read_news(app, event, home=home))


def ingest_in(app: App, session: Session, source: Source, items: list[ReadItem], *, now: datetime) -> IngestReport:
    """Store read items and bring the flags they touch up to date, in the caller's transaction."""
    store = EventStore(
        session, resolve_area=app.resolve_area, lifetimes=app.lifetimes, now=now, may_amend=app.settings.may_amend
    )
    stored = store.store(source, items)
    flags = flag_engine(app, session, now=now).reconcile_events(stored.changed)
    return IngestReport(
        new=stored.new,
        updated=stored.updated,
        cancelled=stored.cancelled,
        unchanged=stored.unchanged,
        errors=list(stored.refused),
        flag_changes=flags.actions,
    )


def ingest_items(
    app: App,
    source_name: str,
    result: ParseResult,
    items: list[ReadItem],
    *,
    kind: str | None,
    now: datetime,
    finish: Callable[[Source], None] | None = None,
) -> IngestReport:
    """Store a document's read items in transactions of about INGEST_LOCK_S each; `finish(source)` runs in the last.

    One transaction for a 50,000-item wire held SQLite's write lock for a minute: other writers
    (an import, another feed) failed after the busy timeout (issue 20). Each batch is whole, its
    events with their flags, in document order, so a later item finds the earlier ones it updates
    or cancels. Errs towards a partial document over a failed one: an ingest cut short leaves
    whole batches stored, and ingesting the document again completes it (stored items are unchanged).
    """
    report = IngestReport(errors=list(result.errors))
    start, size = 0, min(FIRST_INGEST_BATCH, INGEST_BATCH)
    while True:
        batch = items[start : start + size]
        start += len(batch)
        last = start == len(items)
        with app.database.write() as session:
            source = stored_source(session, app.settings, source_name, kind=kind, now=now)
            # Timed from its first statement (which waited for the lock) to its commit and the gap after it.
            locked_at = time.monotonic()
            report.add(ingest_in(app, session, source, batch, now=now))
            if last and finish is not None:
                finish(source)
        if last:
            return report
        size = next_batch_size(size, time.monotonic() - locked_at)


def next_batch_size(size: int, held_s: float) -> int:
    """How many items the next transaction stores, after one of `size` items held the write lock `held_s`."""
    fitting = size * INGEST_LOCK_S / max(held_s, 1e-6)
    return max(1, min(INGEST_BATCH, 2 * size, int(fitting)))


def ingest_document(
    app: App, source_name: str, result: ParseResult, *, kind: str | None = None, as_answer: bool = False
) -> IngestReport:
    """Ingest one parsed document as `source_name` (created if new), at the App's now.

    The news is read first, outside any transaction; then short transactions store it.
    `as_answer` counts the document as the source answering a fetch (a replay's recorded
    documents): it then shows in /v1/sources as a crawl's would.
    """
    now = app.clock.now()
    with app.database.write() as session:
        trust = stored_source(session, app.settings, source_name, kind=kind, now=now).trust
    items = read_items(app, result, source_name=source_name, trust=trust)

    def answered(source: Source) -> None:
        record_answer(source, now=now, entries=len(result.events))

    return ingest_items(app, source_name, result, items, kind=kind, now=now, finish=answered if as_answer else None)


def source_kind(app: App, source_name: str, *, kind: str | None = None) -> str:
    """The kind a document for `source_name` is read as: the stored source's, else the given one, else the config's."""
    with app.database.read() as session:
        stored = session.scalars(select(Source.kind).where(Source.name == source_name)).first()
    configured = app.settings.source(source_name)
    found = stored or kind or (configured.kind if configured else None)
    if found is None:
        raise UnknownSourceError(f"unknown source {source_name!r}: give --kind, or configure it in [[sources]]")
    return found
