"""Accounts: upsert records and re-place their flags, a batch per transaction; import a CSV file."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from contextfeed.accounts.csvfile import AccountFileError, AccountRecord, RowProblem, as_row
from contextfeed.accounts.locating import LocatorProcess
from contextfeed.accounts.reader import Batch, StageStopped, batches_from_process, read_batches
from contextfeed.accounts.store import (
    BATCH,
    SCATTERED_INDEXES,
    Comparison,
    UpsertPlan,
    UpsertReport,
    apply_upsert,
    batched,
    build_missing_indexes,
    compare_batch,
    drop_scattered_indexes,
    missing_indexes,
    plan_located,
    plan_upsert,
)
from contextfeed.db.engine import Database
from contextfeed.db.models import Account
from contextfeed.services.ingest import flag_engine

if TYPE_CHECKING:
    from contextfeed.bootstrap import App


class AccountImportError(ValueError):
    """An accounts file that cannot be read at all; the message is for the user."""


@dataclass
class AccountsWritten:
    """An upsert's counts (accounts placed anew: created or moved) and the flag changes placing them made.

    Counts only: the ids of a batch's placed accounts are needed in its own transaction, and a
    first load of ten million kept as a list held most of the importer's gigabyte.
    """

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    placed: int = 0
    flag_changes: Counter[str] = field(default_factory=Counter)

    def add(self, report: UpsertReport, flag_actions: Counter[str]) -> None:
        """Count one batch's upsert and its flag changes."""
        self.created += report.created
        self.updated += report.updated
        self.unchanged += report.unchanged
        self.placed += len(report.relocated)
        self.flag_changes.update(flag_actions)


def upsert_records(
    app: App, records: Iterable[AccountRecord], *, on_batch: Callable[[int], None] | None = None
) -> AccountsWritten:
    """Upsert accounts and recompute the flags of those placed anew: one short transaction per batch (`upsert_rows`)."""
    written = AccountsWritten()
    for batch in batched(map(as_row, records), BATCH):
        upsert_rows(app, batch, written)
        if on_batch:
            on_batch(len(batch))
    return written


def upsert_rows(app: App, rows: list[tuple], written: AccountsWritten) -> int:
    """Upsert one batch of rows (AccountRecord fields, `as_row`) and re-place its moved accounts' flags; returns how many were located.

    The batch is located while only reading, then written together with its flags in one short
    transaction, so a batch is never half-written and the write lock is held for one batch's writes,
    not for a whole file's geocoding. A file cut short (a crash) leaves whole batches behind;
    importing it again finishes it.
    """
    with app.database.read() as session:
        plan = plan_upsert(session, rows, locate=app.locator.locate)
    write_plan(app, plan, written)
    return len(plan.inserts) + len(plan.updates)


def write_plan(app: App, plan: UpsertPlan, written: AccountsWritten) -> None:
    """Write a located batch and re-place the flags of its new and moved accounts, in one short transaction.

    A batch with nothing new or changed takes no write lock: a re-import of an unchanged book
    never waits behind an ingest, nor makes it wait.
    """
    if not plan.inserts and not plan.updates:
        written.add(plan.report, Counter())
        return
    now = app.clock.now()
    with app.database.write() as session:
        report = apply_upsert(session, plan, now=now)
        flags = flag_engine(app, session, now=now).reconcile_accounts(report.relocated)
    written.add(report, flags.actions)


@dataclass(frozen=True)
class AccountsFile:
    """An accounts CSV read: the good rows, and the problems of the others with their line numbers."""

    path: Path
    records: list[AccountRecord]
    problems: list[RowProblem]


def read_accounts_file(path: Path) -> AccountsFile:
    """Read and check an accounts CSV whole; raises AccountImportError when it cannot be read at all."""
    records: list[AccountRecord] = []
    problems: list[RowProblem] = []
    with _readable():
        for batch in read_batches(path, size=BATCH):
            records.extend(AccountRecord(*row) for row in batch.rows)
            problems.extend(batch.problems)
    return AccountsFile(path, records, problems)


@dataclass
class ImportProgress:
    """How far an import is: rows read from the file, good and bad (and bytes, for an ETA), located, and committed."""

    total_bytes: int
    started: float = field(default_factory=time.perf_counter)
    read: int = 0
    placed: int = 0
    written: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    # Every row is written and the indexes left to the end of a first load are being built.
    indexing: bool = False

    @property
    def elapsed(self) -> float:
        """Seconds since the import started."""
        return time.perf_counter() - self.started

    @property
    def rate(self) -> float:
        """Rows read and committed per second so far."""
        return self.read / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def remaining(self) -> float | None:
        """Seconds left at the rate so far, by the share of the file's bytes committed; None before the first batch."""
        if not self.bytes_written:
            return None
        return self.elapsed * (self.total_bytes - self.bytes_written) / self.bytes_written


#: A file this large (about half a million rows and up) loaded into a table holding fewer accounts
#: than it brings has SCATTERED_INDEXES built after its rows; rows are taken to be at most
#: FIRST_LOAD_ROW_BYTES long, so the file's rows are never overestimated.
FIRST_LOAD_ABOVE = 64 << 20
FIRST_LOAD_ROW_BYTES = 200

#: Files up to this size (some 25,000 rows) are read and located in this process: the reader and
#: locator processes cost a few seconds to start (the locator loads the gazetteer).
PROCESSES_ABOVE = 2 << 20


def import_accounts_file(
    app: App,
    path: Path,
    *,
    on_progress: Callable[[ImportProgress], None] | None = None,
    processes_above: int = PROCESSES_ABOVE,
    first_load_above: int = FIRST_LOAD_ABOVE,
) -> dict:
    """Upsert a CSV file's good rows a batch at a time; returns the report, bad rows with their lines.

    The file is streamed, never held whole. A large one is read and checked in a reader process
    (`batches_from_process`) and, when locating is offline, located in a locator process
    (`LocatorProcess`) while this one compares and writes: three stages on the two cores, each
    batch still written in one short transaction. Raises AccountImportError when the file cannot
    be read at all (then nothing is written).

    A first load of a large book (`first_load_above`) builds the phone, point and postal code
    indexes once after its rows rather than row by row: meanwhile the service answers from the
    table without them, slower, never wrong. They are built again even when the import fails;
    after a killed one, by the next import or `contextfeed db upgrade`.
    """
    written = AccountsWritten()
    problems: list[RowProblem] = []
    try:
        size = path.stat().st_size
    except OSError as error:
        raise AccountImportError(f"cannot read {path}: {error.strerror}") from None
    progress = ImportProgress(total_bytes=size)
    apart = size > processes_above
    with (
        _readable(progress),
        _batches(path, reader_process=apart) as batches,
        _indexes_after(app, progress, first_load=size > first_load_above, on_progress=on_progress),
    ):
        if apart and app.settings.geocoder.tier == "offline":
            _import_located_apart(app, batches, written, problems, progress, on_progress=on_progress)
        else:
            for batch in batches:
                _read(batch, problems, progress)
                progress.placed += upsert_rows(app, batch.rows, written)
                _written(batch, progress, on_progress=on_progress)
    return {
        "file": str(path),
        "created": written.created,
        "updated": written.updated,
        "unchanged": written.unchanged,
        "rejected": sum(problem.rejected for problem in problems),
        "flag_changes": dict(written.flag_changes),
        "problems": [
            {"line": p.line, "account_id": p.account_id, "message": p.message, "rejected": p.rejected} for p in problems
        ],
    }


#: Batches with the locator while one is written: two, so that neither process waits for the other.
LOCATING_AHEAD = 2


def _import_located_apart(
    app: App,
    batches: Iterator[Batch],
    written: AccountsWritten,
    problems: list[RowProblem],
    progress: ImportProgress,
    *,
    on_progress: Callable[[ImportProgress], None] | None,
) -> None:
    """Compare each batch, have the locator process place its new or changed rows, write it when they come back.

    The locator works on the next batches while batch k is written. They are compared before batch k
    is committed, which is safe: an id appears in one batch only (the reader rejects repeats).
    """
    locator = LocatorProcess(app.settings.data_dir)
    waiting: deque[tuple[Batch, Comparison]] = deque()
    try:
        for batch in batches:
            _read(batch, problems, progress)
            with app.database.read() as session:
                comparison = compare_batch(session, batch.rows)
            locator.submit(comparison.to_locate)
            waiting.append((batch, comparison))
            if len(waiting) > LOCATING_AHEAD:
                _write_located(app, *waiting.popleft(), locator.result(), written, progress, on_progress=on_progress)
        while waiting:
            _write_located(app, *waiting.popleft(), locator.result(), written, progress, on_progress=on_progress)
    finally:
        locator.close()


def _write_located(
    app: App,
    batch: Batch,
    comparison: Comparison,
    locations: list[tuple],
    written: AccountsWritten,
    progress: ImportProgress,
    *,
    on_progress: Callable[[ImportProgress], None] | None,
) -> None:
    progress.placed += len(locations)
    write_plan(app, plan_located(comparison, locations), written)
    _written(batch, progress, on_progress=on_progress)


def _read(batch: Batch, problems: list[RowProblem], progress: ImportProgress) -> None:
    problems.extend(batch.problems)
    progress.read += len(batch.rows) + sum(problem.rejected for problem in batch.problems)
    progress.bytes_read = batch.bytes_read


def _written(batch: Batch, progress: ImportProgress, *, on_progress: Callable[[ImportProgress], None] | None) -> None:
    progress.written += len(batch.rows)
    progress.bytes_written = batch.bytes_read
    if on_progress:
        on_progress(progress)


def build_missing_account_indexes(database: Database) -> list[str]:
    """Build the accounts' indexes an import killed mid-load left out; the names built."""
    with database.write() as session:
        return build_missing_indexes(session.connection())


@contextmanager
def _indexes_after(
    app: App, progress: ImportProgress, *, first_load: bool, on_progress: Callable[[ImportProgress], None] | None
) -> Iterator[None]:
    """Build the accounts' missing indexes; on a first load drop the scattered ones and build them after the block.

    Looked at in a read first: an import that finds every index in place and is no first load
    never takes the write lock for them.
    """
    with app.database.read() as session:
        missing = missing_indexes(session.connection())
        stored = select(func.count()).select_from(Account)
        first_load = first_load and session.scalar(stored) * FIRST_LOAD_ROW_BYTES < progress.total_bytes
    if missing or first_load:
        with app.database.write() as session:
            connection = session.connection()
            build_missing_indexes(connection)
            if first_load:
                drop_scattered_indexes(connection)
    try:
        yield
    finally:
        if first_load:
            progress.indexing = True
            if on_progress:
                on_progress(progress)
            # One transaction each: a writer waiting for the lock waits for one index, not three.
            for index in SCATTERED_INDEXES:
                with app.database.write() as session:
                    build_missing_indexes(session.connection(), among=(index,))


def _batches(path: Path, *, reader_process: bool) -> AbstractContextManager[Iterator[Batch]]:
    if reader_process:
        return batches_from_process(path, size=BATCH)
    return nullcontext(read_batches(path, size=BATCH))


@contextmanager
def _readable(progress: ImportProgress | None = None) -> Iterator[None]:
    """AccountImportError, for the user, in place of a file that cannot be read at all or an import cut short."""
    try:
        yield
    except AccountFileError as error:
        raise AccountImportError(str(error)) from None
    except StageStopped as error:
        done = f" after {progress.written:,} rows written" if progress else ""
        raise AccountImportError(f"import stopped{done}: {error}; importing the file again finishes it") from None
