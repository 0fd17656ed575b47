"""Probes of the ingest benchmarks: the bare work of an ingest (start, read, write the flags), timed in the same run.

An ingest's figure includes starting the CLI, finding the accounts and writing a flag and a change per
account; its probe does the same with nothing else: `contextfeed --help` for the start, one plain
`SELECT` for the accounts, and two plain inserts per account into a scratch database with sqlite3.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.common import contextfeed, median_seconds

RUNS = 3
# A flag and its change, as bare as rows get: who, what level, from when to when.
SCRATCH = (
    "CREATE TABLE flags (id INTEGER PRIMARY KEY, account_id TEXT, level TEXT, starts_at TEXT, expires_at TEXT)",
    "CREATE INDEX ix_flags_account ON flags (account_id, starts_at, expires_at)",
    "CREATE TABLE flag_changes (cursor INTEGER PRIMARY KEY, account_id TEXT, flag_id INTEGER, action TEXT)",
    "CREATE INDEX ix_flag_changes_account ON flag_changes (account_id)",
)


def cli_start(env: dict[str, str]) -> float:
    """The median time of `contextfeed --help` in a new process: what starting an ingest costs before any work."""
    return median_seconds(lambda: contextfeed("--help", env=env), RUNS)


def read_rows(database: Path, statement: str, parameters: Sequence[object] = ()) -> list[tuple]:
    """The rows of one plain query on a SQLite file, read-only."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute(statement, parameters).fetchall()
    finally:
        connection.close()


def write_flags(scratch: Path, account_ids: Sequence[str]) -> None:
    """A flag and a change per account (or news item) into a new scratch database, in one transaction."""
    connection = sqlite3.connect(scratch)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        with connection:
            for statement in SCRATCH:
                connection.execute(statement)
            connection.executemany(
                "INSERT INTO flags (account_id, level, starts_at, expires_at) VALUES (?, 'do_not_chase', "
                "'2026-01-01 00:00:00', '2026-01-02 00:00:00')",
                [(account_id,) for account_id in account_ids],
            )
            connection.execute(
                "INSERT INTO flag_changes (account_id, flag_id, action) SELECT account_id, id, 'raise' FROM flags"
            )
    finally:
        connection.close()


def timed(work: Callable[[], object]) -> float:
    """Wall seconds of one run of `work`."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bare_ingest(env: dict[str, str], scratch: Path, find: Callable[[], Sequence[str]]) -> float:
    """The probe of an ingest: the CLI's start, plus finding what it touches (`find`) and writing two rows each."""
    return cli_start(env) + timed(lambda: write_flags(scratch, find()))
