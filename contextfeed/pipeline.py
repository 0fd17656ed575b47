"""The pipeline end to end for one document: parse, store events, reconcile flags. Crawl, ingest and replay share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextfeed.bootstrap import App
from contextfeed.config import default_trust
from contextfeed.db.models import Source
from contextfeed.events.store import EventStore
from contextfeed.flags.engine import FlagEngine, ReconcileSummary
from contextfeed.sources.model import ParsedEvent, ParseResult

if TYPE_CHECKING:
    from contextfeed.events.news import NewsReading


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
        return {"new": self.new, "updated": self.updated, "cancelled": self.cancelled,
                "unchanged": self.unchanged, "errors": self.errors, "flag_changes": self.flag_changes}


class Pipeline:
    """Runs documents through the stages with the App's real dependencies."""

    def __init__(self, app: App) -> None:
        self.app = app

    def source(self, session: Session, name: str, *, kind: str | None = None, now: datetime) -> Source:
        """The stored source of that name, created from the config (or the kind's defaults) if new."""
        source = session.scalars(select(Source).where(Source.name == name)).first()
        if source is not None:
            return source
        configured = self.app.settings.source(name)
        kind = kind or (configured.kind if configured else None)
        if kind is None:
            raise ValueError(f"unknown source {name!r}: give --kind, or configure it in [[sources]]")
        source = Source(
            name=name, kind=kind, url=configured.url if configured else None,
            trust=configured.effective_trust if configured else default_trust(kind), created_at=now,
        )
        session.add(source)
        session.flush()
        return source

    def read_news(self, event: ParsedEvent, *, home: str | None = None) -> NewsReading:
        """Places and crisis found in a news item from a source covering `home` (a region code, if known)."""
        # Here, not at the top: news reading loads the geoparser, which an alert feed never needs.
        from contextfeed.events.news import read_news
        from contextfeed.geo.crisis import DEFAULT_CRISIS_RULES, classify_crisis

        policy = self.app.settings.policy
        rules = policy.crisis_keywords or DEFAULT_CRISIS_RULES
        return read_news(
            event, geoparse=lambda text: self.app.geoparser.parse(text, home=home),
            classify=lambda text: classify_crisis(text, rules),
        )

    def ingest(self, session: Session, source: Source, result: ParseResult, *, now: datetime) -> IngestReport:
        """Store a parsed document's events and bring the flags they touch up to date."""
        home = self.app.settings.news.home_regions.get(source.name)
        store = EventStore(session, resolve_area=self.app.resolve_area,
                           read_news=lambda event: self.read_news(event, home=home),
                           lifetimes=self.app.lifetimes, now=now)
        stored = store.store(source, result.events)
        flags = self.engine(session, now=now).reconcile_events(stored.changed)
        return IngestReport(new=stored.new, updated=stored.updated, cancelled=stored.cancelled,
                            unchanged=stored.unchanged, errors=list(result.errors), flag_changes=flags.actions)

    def engine(self, session: Session, *, now: datetime) -> FlagEngine:
        """A flag engine on this session with the configured policy."""
        return FlagEngine(session, policy=self.app.settings.policy, now=now)

    def relocate(self, session: Session, account_ids: list[str], *, now: datetime) -> ReconcileSummary:
        """Recompute the flags of accounts that are new or moved."""
        return self.engine(session, now=now).reconcile_accounts(account_ids)
