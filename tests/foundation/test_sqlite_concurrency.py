"""The embedded SQLite file serves an API process and a crawler process at once without "database is locked"."""

import multiprocessing
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from contextfeed.db.engine import Database
from contextfeed.db.models import Source
from tests.conftest import sqlite_only

ROUNDS = 60


def writer(url: str, prefix: str, queue) -> None:
    database = Database.from_url(url)
    try:
        for n in range(ROUNDS):
            with database.write() as session:
                # Read, then write in the same transaction: the pattern that fails
                # at once under deferred transactions when another writer is busy.
                count = session.scalar(select(func.count()).select_from(Source))
                session.add(
                    Source(name=f"{prefix}-{n}", kind="rss", trust="news", url=str(count), created_at=datetime.now(UTC))
                )
        queue.put((prefix, "ok"))
    except Exception as error:  # reported to the test, which fails with it
        queue.put((prefix, repr(error)))


def reader(url: str, queue) -> None:
    database = Database.from_url(url)
    try:
        for _ in range(ROUNDS * 3):
            with database.read() as session:
                session.scalar(select(func.count()).select_from(Source))
        queue.put(("reader", "ok"))
    except Exception as error:
        queue.put(("reader", repr(error)))


@sqlite_only("the embedded file's locking")
def test_two_writers_and_a_reader_in_separate_processes_all_succeed(migrated):
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    processes = [context.Process(target=writer, args=(migrated, name, queue)) for name in ("api", "crawler")]
    processes.append(context.Process(target=reader, args=(migrated, queue)))
    for process in processes:
        process.start()
    results = dict(queue.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert results == {"api": "ok", "crawler": "ok", "reader": "ok"}
    with Database.from_url(migrated).read() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 2 * ROUNDS


@sqlite_only("SQLite pragmas")
def test_sqlite_runs_in_wal_mode_with_foreign_keys(migrated):
    with Database.from_url(migrated).read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
