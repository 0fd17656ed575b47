"""Engines and sessions: SQLite tuned for a reader and a writer at once, PostgreSQL as is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# How long a writer waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a busy timeout, and their folder is created."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, future=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, future=True)

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
        mode = "IMMEDIATE" if connection.get_execution_options().get("sqlite_writer") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


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
        """A session that commits once when the block ends and rolls back if it raises."""
        with self._writer() as session, session.begin():
            yield session

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
