"""The benchmarks' databases on a PostgreSQL server: created, cloned from a template, kept under a name, dropped.

Not a benchmark itself; `bench.world.World` keeps the PostgreSQL world here when given `--database-url`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.common import say
from contextfeed.clock import SystemClock

# Every database the benchmarks create starts so, to tell them apart on a shared server.
PREFIX = "bench-"


@dataclass(frozen=True)
class PostgresServer:
    """A PostgreSQL server, reached through the URL of any database on it (typically `postgres`)."""

    url: str

    @contextmanager
    def connection(self, database: str | None = None) -> Iterator[Connection]:
        """An autocommit connection (CREATE and DROP DATABASE refuse transactions), closed on the way out."""
        url = self.database_url(database) if database else self.url
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()

    def database_url(self, name: str) -> str:
        """The SQLAlchemy URL of the database `name` on this server."""
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    def names(self) -> set[str]:
        """The benchmarks' databases on the server now."""
        with self.connection() as connection:
            rows = connection.execute(
                text("SELECT datname FROM pg_database WHERE starts_with(datname, :prefix)"), {"prefix": PREFIX}
            )
            return {row.datname for row in rows}

    def built_at(self, name: str) -> datetime | None:
        """When `keep` stored the database `name` (its comment), or None when there is none."""
        with self.connection() as connection:
            comment = connection.execute(
                text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :name"),
                {"name": name},
            ).scalar()
        return datetime.fromisoformat(comment) if comment else None

    def create(self, name: str, *, template: str | None = None) -> None:
        """A new database `name` (replacing any), empty or a copy of the database `template`."""
        self.drop(name)
        with self.connection() as connection:
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))

    def drop(self, name: str) -> None:
        """Drop the database `name` if it exists, closing its connections."""
        with self.connection() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def keep(self, work: str, name: str) -> None:
        """Store a finished scratch database as `name`, analyzed and stamped with the time, in place of older builds."""
        # As autovacuum would within a minute of the build: without statistics of the fifty thousand changes
        # just written, the planner takes the change log for small and sorts it instead of walking its key.
        with self.connection(work) as connection:
            connection.execute(text("ANALYZE"))
        family = name.rsplit("-", 1)[0] + "-"
        for older in sorted(self.names()):
            if older.startswith(family):
                say(f"dropping {older} from the PostgreSQL server")
                self.drop(older)
        with self.connection() as connection:
            connection.execute(text(f'ALTER DATABASE "{work}" RENAME TO "{name}"'))
            connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{SystemClock().now().isoformat()}'"))
