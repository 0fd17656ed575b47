"""Accounts: upsert records and re-place their flags, a batch per transaction; import a CSV file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from contextfeed.accounts.csvfile import AccountFileError, AccountRecord, RowProblem, decode, read_accounts
from contextfeed.accounts.store import BATCH, UpsertReport, apply_upsert, batched, plan_upsert
from contextfeed.services.ingest import flag_engine

if TYPE_CHECKING:
    from contextfeed.bootstrap import App


class AccountImportError(ValueError):
    """An accounts file that cannot be read at all; the message is for the user."""


@dataclass
class AccountsWritten:
    """An upsert's counts and the flag changes that placing the new or moved accounts made."""

    report: UpsertReport = field(default_factory=UpsertReport)
    flag_changes: Counter[str] = field(default_factory=Counter)


def upsert_records(
    app: App, records: Iterable[AccountRecord], *, on_batch: Callable[[int], None] | None = None
) -> AccountsWritten:
    """Upsert accounts and recompute the flags of those placed anew: one short transaction per batch.

    Each batch is located while only reading, then written together with its flags, so a batch is
    never half-written and the write lock is held for one batch's writes, not for a whole file's
    geocoding. A file cut short (a crash) leaves whole batches behind; importing it again finishes it.
    """
    written = AccountsWritten()
    total = written.report
    for batch in batched(records, BATCH):
        with app.database.read() as session:
            plan = plan_upsert(session, batch, locate=app.locator.locate)
        now = app.clock.now()
        with app.database.write() as session:
            report = apply_upsert(session, plan, now=now)
            flags = flag_engine(app, session, now=now).reconcile_accounts(report.relocated)
        total.created += report.created
        total.updated += report.updated
        total.unchanged += report.unchanged
        total.relocated += report.relocated
        written.flag_changes.update(flags.actions)
        if on_batch:
            on_batch(len(batch))
    return written


@dataclass(frozen=True)
class AccountsFile:
    """An accounts CSV read: the good rows, and the problems of the others with their line numbers."""

    path: Path
    records: list[AccountRecord]
    problems: list[RowProblem]


def read_accounts_file(path: Path) -> AccountsFile:
    """Read and check an accounts CSV; raises AccountImportError when it cannot be read at all."""
    try:
        items = list(read_accounts(decode(path.read_bytes())))
    except OSError as error:
        raise AccountImportError(f"cannot read {path}: {error.strerror}") from None
    except AccountFileError as error:
        raise AccountImportError(f"{path}: {error}") from None
    return AccountsFile(
        path,
        [item for item in items if isinstance(item, AccountRecord)],
        [item for item in items if not isinstance(item, AccountRecord)],
    )


def import_accounts(app: App, accounts: AccountsFile, *, on_batch: Callable[[int], None] | None = None) -> dict:
    """Upsert a file's good rows (see `upsert_records`); returns the report, bad rows with their lines."""
    written = upsert_records(app, accounts.records, on_batch=on_batch)
    report = written.report
    problems = accounts.problems
    return {
        "file": str(accounts.path),
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": sum(problem.rejected for problem in problems),
        "flag_changes": dict(written.flag_changes),
        "problems": [
            {"line": p.line, "account_id": p.account_id, "message": p.message, "rejected": p.rejected} for p in problems
        ],
    }


def import_accounts_file(app: App, path: Path) -> dict:
    """Read and import an accounts CSV in one call (start-up imports, replays)."""
    return import_accounts(app, read_accounts_file(path))
