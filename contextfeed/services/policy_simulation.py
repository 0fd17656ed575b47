"""What the policy would do with recorded documents and a book of accounts, in a scratch database.

Operators tune the policy before it goes live by replaying real nights of
alerts over their own book: the documents go through the real pipeline
(parse, store, resolve areas, match, judge) into a temporary SQLite
database, so the operator's database is only ever read (for its accounts).
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from contextfeed.bootstrap import App, build_app
from contextfeed.clock import FixedClock
from contextfeed.config import Settings
from contextfeed.db.engine import Database
from contextfeed.db.migrate import upgrade
from contextfeed.db.models import Account, Event
from contextfeed.flags.policy import rank
from contextfeed.flags.query import ActiveFlag, StoredFlags, in_force, read_flags, stored_flags
from contextfeed.services.accounts import AccountImportError, read_accounts_file, upsert_records
from contextfeed.services.ingest import ingest_in, read_items, stored_source
from contextfeed.sources.documents import DocumentError
from contextfeed.sources.kinds import document_kind
from contextfeed.sources.parse import parse_document

log = logging.getLogger(__name__)

ACCOUNT_COPY_BATCH = 10_000
TOP_EVENTS = 10
# Without --from/--to the chart covers the day after the instant, in hourly bars.
DEFAULT_CHART = timedelta(hours=24)
CHART_BARS = 24


class SimulationError(Exception):
    """The simulation cannot run; the message is for the user."""


@dataclass(frozen=True)
class RecordedDocument:
    """One document to replay: where it came from, the kind that reads it, its bytes."""

    path: Path
    kind: str
    body: bytes


@dataclass(frozen=True)
class EventShare:
    """One event's weight in the result: how many accounts it gives do_not_chase."""

    event_id: int
    event_type: str
    codes: str
    headline: str
    rule: str
    accounts: int


@dataclass(frozen=True)
class PolicySimulation:
    """The policy's effect on a book at an instant or over a window, and do_not_chase accounts over time."""

    accounts: int
    start: datetime
    end: datetime | None
    documents: tuple[str, ...]
    events: int
    levels: dict[str, int]
    by_rule: dict[tuple[str, str], int]
    by_event_type: dict[tuple[str, str], int]
    top_events: tuple[EventShare, ...]
    timeline: tuple[tuple[datetime, int], ...]
    problems: tuple[str, ...] = field(default=())


def recorded_documents(paths: Iterable[Path], *, kind: str | None = None) -> tuple[list[RecordedDocument], list[str]]:
    """The documents in these files and folders (folders walked in name order), and one line per file refused."""
    documents, problems = [], []
    for path in paths:
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            if path.is_dir()
            else [path]
        )
        for file in files:
            try:
                body = file.read_bytes()
                documents.append(RecordedDocument(file, kind or document_kind(body), body))
            except OSError as error:
                problems.append(f"{file}: cannot read: {error.strerror}")
            except DocumentError as error:
                problems.append(f"{file}: not an alert document: {error}")
    return documents, problems


def simulate_policy(
    settings: Settings,
    documents: Sequence[RecordedDocument],
    *,
    accounts_csv: Path | None = None,
    accounts_from: Database | None = None,
    at: datetime | None = None,
    window: tuple[datetime, datetime] | None = None,
    now: datetime,
) -> PolicySimulation:
    """Run the documents through the pipeline over the accounts in a scratch database, and measure the flags.

    Accounts come from `accounts_csv`, else are copied from `accounts_from`.
    Without `at` or `window`, the instant is the latest time an event was
    sent (undated news items aside): the moment the documents were recorded.
    """
    with tempfile.TemporaryDirectory(prefix="contextfeed-simulate-") as scratch:
        url = f"sqlite:///{Path(scratch) / 'simulation.db'}"
        upgrade(url)
        service = settings.service.model_copy(update={"database_url": url})
        app = build_app(settings.model_copy(update={"service": service}), clock=FixedClock(now))
        try:
            problems = load_accounts(app, accounts_csv=accounts_csv, accounts_from=accounts_from, now=now)
            errors, recorded = ingest(app, documents, now=now)
            with app.database.read() as session:
                return measure(
                    session,
                    [str(d.path) for d in documents],
                    at=at or recorded,
                    window=window,
                    problems=problems + errors,
                )
        finally:
            app.database.engine.dispose()


def load_accounts(app: App, *, accounts_csv: Path | None, accounts_from: Database | None, now: datetime) -> list[str]:
    """Put the book in the scratch database: located from a CSV, or copied as located from the operator's."""
    if accounts_csv is not None:
        try:
            book = read_accounts_file(accounts_csv)
        except AccountImportError as error:
            raise SimulationError(str(error)) from None
        upsert_records(app, book.records)
        return [
            f"{accounts_csv} line {problem.line}: {problem.message}" for problem in book.problems if problem.rejected
        ]
    if accounts_from is None:
        raise SimulationError("no accounts: give --accounts FILE or import accounts into the database")
    table = Account.__table__
    copied = 0
    try:
        with accounts_from.read() as source, app.database.write() as target:
            rows = source.execute(select(table)).mappings()
            while batch := rows.fetchmany(ACCOUNT_COPY_BATCH):
                target.execute(insert(table), [dict(row) for row in batch])
                copied += len(batch)
    except SQLAlchemyError as error:
        raise SimulationError(
            f"cannot read the database's accounts ({type(error).__name__}); "
            "run `contextfeed db upgrade`, or give --accounts FILE"
        ) from None
    if not copied:
        raise SimulationError("the database has no accounts: import some, or give --accounts FILE")
    return []


def ingest(app: App, documents: Sequence[RecordedDocument], *, now: datetime) -> tuple[list[str], datetime | None]:
    """Every document through the pipeline in its kind's source: the errors, and when the last dated event was sent."""
    problems: list[str] = []
    sent = []
    with app.database.write() as session:
        for document in documents:
            source = stored_source(session, app.settings, document.kind, kind=document.kind, now=now)
            result = parse_document(document.kind, document.body, source=source.name)
            items = read_items(app, result, source_name=source.name, trust=source.trust)
            ingest_in(app, session, source, items, now=now)
            problems += [f"{document.path}: {error}" for error in result.errors]
            sent += [event.sent for event in result.events if event.dated]
    return problems, max(sent, default=None)


def measure(
    session: Session,
    documents: list[str],
    *,
    at: datetime | None,
    window: tuple[datetime, datetime] | None,
    problems: list[str],
) -> PolicySimulation:
    """Shares, rules, event types, top events and the do_not_chase timeline from the scratch database's flags."""
    accounts = session.scalar(select(func.count()).select_from(Account)) or 0
    events = {
        row.id: row for row in session.execute(select(Event.id, Event.event_type, Event.event_codes, Event.headline))
    }
    if window is None:
        start = at or session.scalar(select(func.max(Event.sent)))  # only undated items: when they were seen
        if start is None:
            raise SimulationError("no events in the documents: nothing to simulate")
        chart = (start, start + DEFAULT_CHART)
        stored = stored_flags(read_flags(session, ending_after=start, starting_by=chart[1]))
        considered = in_force(stored, start)
    else:
        start, end = chart = window
        if end <= start:
            raise SimulationError("--to must be later than --from")
        stored = stored_flags(read_flags(session, ending_after=start, starting_by=end))
        # The scratch database has no manual releases: a flag overlapping the window counts.
        considered = [flag for flag in stored.flags if flag.starts_at < end]
    strongest = strongest_per_account(considered)
    levels = Counter(flag.level for flag in strongest.values())
    levels["none"] = accounts - sum(levels.values())
    suppressing: dict[int, set[str]] = {}
    rules: dict[int, str] = {}
    for flag in considered:
        if flag.level == "do_not_chase" and flag.event_ids:
            suppressing.setdefault(flag.event_ids[0], set()).add(flag.account_id)
            rules.setdefault(flag.event_ids[0], flag.rule)
    top = sorted(suppressing.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP_EVENTS]
    return PolicySimulation(
        accounts=accounts,
        start=start,
        end=window[1] if window else None,
        documents=tuple(documents),
        events=len(events),
        levels=dict(levels),
        by_rule=dict(Counter((flag.level, flag.rule) for flag in strongest.values())),
        by_event_type=dict(Counter((flag.level, event_label(events, flag)) for flag in strongest.values())),
        top_events=tuple(
            EventShare(
                event_id,
                events[event_id].event_type,
                events[event_id].event_codes,
                events[event_id].headline,
                rules[event_id],
                len(ids),
            )
            for event_id, ids in top
        ),
        timeline=tuple(suppressed_over_time(stored, chart)),
        problems=tuple(problems),
    )


def strongest_per_account(flags: Iterable[ActiveFlag]) -> dict[str, ActiveFlag]:
    """Each account's strongest flag (the earliest of equally strong ones)."""
    strongest: dict[str, ActiveFlag] = {}
    for flag in flags:
        current = strongest.get(flag.account_id)
        if current is None or (rank(flag.level), current.starts_at) > (rank(current.level), flag.starts_at):
            strongest[flag.account_id] = flag
    return strongest


def event_label(events: Mapping[int, Row], flag: ActiveFlag) -> str:
    """The event type behind a flag ("Flash Flood Warning"), or how it was raised when no event is."""
    event = events.get(flag.event_ids[0]) if flag.event_ids else None
    return (event.event_type or "(no type)") if event else flag.source


def suppressed_over_time(stored: StoredFlags, chart: tuple[datetime, datetime]) -> list[tuple[datetime, int]]:
    """Accounts with a do_not_chase flag in force at the start of each of the chart's bars."""
    start, end = chart
    step = (end - start) / CHART_BARS
    suppressing = [flag for flag in stored.flags if flag.level == "do_not_chase"]
    instants = [start + step * bar for bar in range(CHART_BARS)]
    return [
        (
            instant,
            len(
                {
                    f.account_id
                    for f in suppressing
                    if f.starts_at <= instant and (f.expires_at is None or f.expires_at > instant)
                }
            ),
        )
        for instant in instants
    ]
