"""Ingest: a parsed document's source found or created, its events stored, the flags they touch reconciled."""

from __future__ import annotations

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


def ingest_in(
    app: App, session: Session, source: Source, result: ParseResult, items: list[ReadItem], *, now: datetime
) -> IngestReport:
    """Store a document's read items and bring the flags they touch up to date, in the caller's transaction."""
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
        errors=[*result.errors, *stored.refused],
        flag_changes=flags.actions,
    )


def ingest_document(
    app: App, source_name: str, result: ParseResult, *, kind: str | None = None, as_answer: bool = False
) -> IngestReport:
    """Ingest one parsed document as `source_name` (created if new), at the App's now.

    The news is read first, outside any transaction; then one transaction stores it all.
    `as_answer` counts the document as the source answering a fetch (a replay's recorded
    documents): it then shows in /v1/sources as a crawl's would.
    """
    now = app.clock.now()
    with app.database.write() as session:
        trust = stored_source(session, app.settings, source_name, kind=kind, now=now).trust
    items = read_items(app, result, source_name=source_name, trust=trust)
    with app.database.write() as session:
        source = stored_source(session, app.settings, source_name, kind=kind, now=now)
        if as_answer:
            record_answer(source, now=now, entries=len(result.events))
        return ingest_in(app, session, source, result, items, now=now)


def source_kind(app: App, source_name: str, *, kind: str | None = None) -> str:
    """The kind a document for `source_name` is read as: the stored source's, else the given one, else the config's."""
    with app.database.read() as session:
        stored = session.scalars(select(Source.kind).where(Source.name == source_name)).first()
    configured = app.settings.source(source_name)
    found = stored or kind or (configured.kind if configured else None)
    if found is None:
        raise UnknownSourceError(f"unknown source {source_name!r}: give --kind, or configure it in [[sources]]")
    return found
