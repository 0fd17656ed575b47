"""Engines and sessions: SQLite tuned for a reader and a writer at once, PostgreSQL as is."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, Table, create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# How long a writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# SQLite's busy handler retries the lock every 100 ms at the longest, and a writer that commits and begins again
# at once can take it back before then: a 50,000-item ingest's back-to-back batches starved an import past
# its busy timeout. So a writer that held the lock gives a tenth of that time back, up to that 100 ms.
WRITER_GAP_S = 0.1
# Connections kept open: at least the threads that may each hold a session at once (anyio's 40
# workers serve FastAPI's sync endpoints and dependencies). Fewer makes a burst of requests queue
# for a connection, or stall outright while the threads that would give theirs back wait for a
# thread themselves. SQLite connections are cheap; none is ever waited for.
SQLITE_POOL_SIZE = 48
# A database server's connections are processes there (PostgreSQL allows 100 by default, for every worker
# of every host): keep a few per process, and open more only for a burst of threads that all hold sessions.
SERVER_POOL_SIZE = 8
SERVER_POOL_OVERFLOW = 32
# A bulk write (an import of a million accounts) updates index pages all over the table; in SQLite's
# default 2 MB page cache each of them is read and written again and again.
BULK_CACHE_KIB = 512 * 1024
# A bulk write also reads pages all over the accounts table (a metro-area alert's fifty thousand);
# mapped, each comes straight from the OS cache instead of through a read() into SQLite's cache.
BULK_MMAP_BYTES = 1 << 30


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a busy timeout, and their folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(
            url, pool_pre_ping=True, future=True, pool_size=SERVER_POOL_SIZE, max_overflow=SERVER_POOL_OVERFLOW
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        future=True,
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=-1,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so
        # writers can take the write lock up front (see _begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for a
        # busy lock (SQLite would deadlock), so it fails at once with "database
        # is locked". Writers therefore BEGIN IMMEDIATE and queue on busy_timeout.
        writer = connection.get_execution_options().get("sqlite_writer")
        connection.exec_driver_sql(f"BEGIN {'IMMEDIATE' if writer else 'DEFERRED'}")
        if writer:
            _locked.at = time.monotonic()

    return engine


# When this thread's SQLite writer got the write lock (None: no writer of it holds one).
_locked = threading.local()


class Database:
    """The session factories of one database: writers and readers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        writer_bind = engine.execution_options(sqlite_writer=True)
        self._writer = sessionmaker(writer_bind, expire_on_commit=False)
        self._reader = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str) -> Database:
        """A Database on a new engine for `url`."""
        return cls(make_engine(url))

    @property
    def is_sqlite(self) -> bool:
        """True on the embedded SQLite backend."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session that commits once when the block ends and rolls back if it raises; then makes way (SQLite)."""
        _locked.at = None
        try:
            with self._writer() as session, session.begin():
                yield session
        finally:
            if (locked_at := _locked.at) is not None:
                _locked.at = None
                time.sleep(min(WRITER_GAP_S, (time.monotonic() - locked_at) / 10))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; whatever it did is rolled back."""
        with self._reader() as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


@contextmanager
def bulk_writes(session: Session) -> Iterator[None]:
    """On SQLite, a large page cache and a memory-mapped file for this session's connection while the block runs."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    previous = {
        pragma: connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() for pragma in ("cache_size", "mmap_size")
    }
    connection.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    connection.exec_driver_sql(f"PRAGMA mmap_size={BULK_MMAP_BYTES}")
    try:
        yield
    finally:
        # Back to the defaults: the pooled connection frees the pages it no longer may keep.
        for pragma, value in previous.items():
            connection.exec_driver_sql(f"PRAGMA {pragma}={value}")


def insert_many(session: Session, table: Table, keys: Sequence[str], rows: Sequence[tuple], **constants) -> None:
    """INSERT `rows` (tuples of the `keys` columns, in table order) with the same `constants` on each, at once.

    On SQLite the rows go to the driver nearly as they are: only columns whose type converts
    values are converted, each distinct value once. SQLAlchemy's executemany converts every
    parameter of every row, which at a million rows costs more than SQLite's own work.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = [*keys, *constants]
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    if dialect.name != "sqlite" or list(compiled.positiontup or ()) != names:
        session.execute(insert(table), [dict(zip(keys, row), **constants) for row in rows])
        return
    converters = {name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names}
    # Column by column, each distinct value converted once: the flags of one event share their instants.
    columns = [list(column) for column in zip(*rows)]
    for column, name in zip(columns, keys):
        if convert := converters[name]:
            converted = {value: convert(value) for value in set(column)}
            column[:] = map(converted.__getitem__, column)
    for name, value in constants.items():
        columns.append(repeat(converters[name](value) if converters[name] else value, len(rows)))
    connection.exec_driver_sql(compiled.string, list(zip(*columns)))


def insert_many_with_ids(
    session: Session, table: Table, keys: Sequence[str], rows: Sequence[tuple], **constants
) -> list[int]:
    """`insert_many` into a table with an integer `id` key; returns the new rows' ids in order.

    On SQLite the ids are given rather than returned: from above the highest ever handed out
    (the table is AUTOINCREMENT, so a deleted newest row's id is not given again), and a writer
    holds the write lock from BEGIN IMMEDIATE until it commits.
    """
    if session.connection().dialect.name != "sqlite":
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.scalars(statement, [dict(zip(keys, row), **constants) for row in rows]))
    highest = session.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :table"), {"table": table.name})
    first = max(highest.scalar() or 0, session.scalar(select(func.max(table.c.id))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    insert_many(session, table, ("id", *keys), [(row_id, *row) for row_id, row in zip(ids, rows)], **constants)
    return ids


def one_of(session: Session, column: ColumnElement, values: Sequence[str]) -> ColumnElement[bool]:
    """`column IN values`; on SQLite bound as one JSON parameter read by json_each.

    SQLAlchemy renders and converts an IN list's placeholders one by one, which for
    the 100,000 ids of a bulk check costs more than SQLite's own lookups.
    """
    if session.get_bind().dialect.name != "sqlite":
        return column.in_(values)
    return column.in_(select(func.json_each(json.dumps(list(values))).table_valued("value").c.value))
