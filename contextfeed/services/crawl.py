"""Crawl: fetch a source (outside any transaction), parse, ingest, and keep the source's health."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from contextfeed.config import SourceSettings
from contextfeed.db.models import Source
from contextfeed.services.ingest import IngestReport, ingest_items, read_items, stored_source
from contextfeed.sources import health, parse_document
from contextfeed.sources.model import ParseResult

if TYPE_CHECKING:
    from contextfeed.bootstrap import App

log = logging.getLogger(__name__)
# Linked CAP documents fetched per crawl of an index; the rest wait for the next crawl.
MAX_LINKED_DOCUMENTS = 100
MAX_ERROR_LENGTH = 300


class FetchOutcomeLike(Protocol):
    """What a fetch returns (see contextfeed.sources.http.FetchOutcome)."""

    status: int | None
    body: bytes | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    error: str | None


class FetcherLike(Protocol):
    """Anything that fetches a URL with conditional GET."""

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchOutcomeLike:
        """Fetch `url`; never raises for network trouble."""
        ...


@dataclass
class CrawlSummary:
    """One source's crawl: what its events did, or why it failed."""

    source: str
    new: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    not_modified: bool = False
    errors: list[str] = field(default_factory=list)
    failed: bool = False

    def line(self) -> str:
        """One human line for `crawl --once`."""
        if self.failed:
            return f"{self.source}: FAILED: {self.errors[0] if self.errors else 'unknown error'}"
        if self.not_modified:
            return f"{self.source}: not modified"
        text = (
            f"{self.source}: {self.new} new, {self.updated} updated, {self.cancelled} cancelled, "
            f"{self.unchanged} unchanged, {len(self.errors)} errors"
        )
        return text + "".join(f"\n    error: {error}" for error in self.errors[:5])


class Crawler:
    """Crawls configured sources one at a time; a failing source never touches the others or its own flags."""

    def __init__(self, app: App, fetcher: FetcherLike) -> None:
        self.app = app
        self.fetcher = fetcher

    def crawl(self, names: Iterable[str] | None = None) -> list[CrawlSummary]:
        """Crawl the named (default: all enabled) sources once each."""
        wanted = set(names) if names else None
        configured = [
            source
            for source in self.app.settings.sources
            if (wanted is None and source.enabled) or (wanted is not None and source.name in wanted)
        ]
        unknown = (wanted or set()) - {source.name for source in configured}
        summaries = [CrawlSummary(name, failed=True, errors=["not in the configuration"]) for name in sorted(unknown)]
        return summaries + [self.crawl_source(source) for source in configured]

    def crawl_source(self, settings: SourceSettings) -> CrawlSummary:
        """Fetch, parse and ingest one source, recording its health whatever happens."""
        try:
            return self._crawl(settings)
        except Exception as error:  # one source's bug must not stop the scheduler or the other sources
            log.exception("crawling %s failed", settings.name)
            summary = CrawlSummary(settings.name, failed=True, errors=[f"internal error: {error!r}"[:MAX_ERROR_LENGTH]])
            self.record_failure(settings, summary.errors[0])
            return summary

    def _crawl(self, settings: SourceSettings) -> CrawlSummary:
        now = self.app.clock.now()
        with self.app.database.write() as session:
            source = stored_source(session, self.app.settings, settings.name, kind=settings.kind, now=now)
            source.url = settings.url
            etag, last_modified, trust = source.etag, source.last_modified, source.trust
        outcome = self.fetcher.fetch(settings.url, etag=etag, last_modified=last_modified)
        if outcome.error:
            summary = CrawlSummary(settings.name, failed=True, errors=[outcome.error])
            self.record_failure(settings, outcome.error)
            return summary
        if outcome.not_modified:
            self.record_success(settings, outcome, entries=None)
            return CrawlSummary(settings.name, not_modified=True)
        result = self.with_linked_documents(
            settings, parse_document(settings.kind, outcome.body or b"", source=settings.name)
        )
        if not result.events and result.errors:
            error = "; ".join(result.errors)[:MAX_ERROR_LENGTH]
            self.record_failure(settings, error)
            return CrawlSummary(settings.name, failed=True, errors=list(result.errors))
        items = read_items(self.app, result, source_name=settings.name, trust=trust)
        now = self.app.clock.now()

        def succeeded(source: Source) -> None:
            warning = "; ".join(result.errors)[:MAX_ERROR_LENGTH] or None
            mark_success(source, outcome, entries=len(result.events), now=now, warning=warning)

        report: IngestReport = ingest_items(
            self.app, settings.name, result, items, kind=settings.kind, now=now, finish=succeeded
        )
        return CrawlSummary(
            settings.name,
            new=report.new,
            updated=report.updated,
            cancelled=report.cancelled,
            unchanged=report.unchanged,
            errors=report.errors,
        )

    def with_linked_documents(self, settings: SourceSettings, result: ParseResult) -> ParseResult:
        """Replace an index's summaries by the full CAP documents they link to, where those can be fetched."""
        if not result.linked_documents:
            return result
        full: dict[str, list] = {}
        errors = list(result.errors)
        for identifier, url in result.linked_documents[:MAX_LINKED_DOCUMENTS]:
            outcome = self.fetcher.fetch(url)
            if outcome.error or not outcome.body:
                errors.append(
                    f"{identifier}: linked document not fetched ({outcome.error or 'empty'}); index summary kept"
                )
                continue
            linked = parse_document("cap", outcome.body, source=settings.name)
            if linked.events:
                full[identifier] = list(linked.events)
            errors += [f"{identifier}: {error}" for error in linked.errors]
        events = [event for event in result.events if event.external_id not in full]
        events += [event for documents in full.values() for event in documents]
        return replace(result, events=tuple(events), errors=tuple(errors))

    def record_failure(self, settings: SourceSettings, error: str) -> None:
        """Count a failed attempt; the source's events and flags stay as they were (an outage is not an all-clear)."""
        now = self.app.clock.now()
        with self.app.database.write() as session:
            source = stored_source(session, self.app.settings, settings.name, kind=settings.kind, now=now)
            health.record_failure(source, error[:MAX_ERROR_LENGTH], now=now)

    def record_success(self, settings: SourceSettings, outcome: FetchOutcomeLike, *, entries: int | None) -> None:
        """Record a successful attempt that needed no ingest (304 Not Modified)."""
        now = self.app.clock.now()
        with self.app.database.write() as session:
            source = stored_source(session, self.app.settings, settings.name, kind=settings.kind, now=now)
            mark_success(source, outcome, entries=entries, now=now, warning=None)


def mark_success(source: Source, outcome: FetchOutcomeLike, *, entries: int | None, now, warning: str | None) -> None:
    """Update a source's fetch state and health after a successful attempt."""
    health.record_answer(source, now=now, entries=entries, warning=warning)
    source.etag = outcome.etag or source.etag
    source.last_modified = outcome.last_modified or source.last_modified
