"""The change feed: flag changes in cursor order, for dialers that poll it and for webhooks."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from itertools import chain

from sqlalchemy import Connection, Engine, Text, cast, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from contextfeed.db.models import FlagChange
from contextfeed.dialer.suppression import DatabaseView, KnownAccount
from contextfeed.domain.instants import iso, stored_instant

MAX_PAGE = 10_000
# Read as plain columns, not ORM objects: a dialer syncing from the start reads a hundred thousand.
PLAIN = (
    FlagChange.cursor,
    FlagChange.account_id,
    FlagChange.flag_id,
    FlagChange.event_id,
    FlagChange.action,
    FlagChange.origin,
    FlagChange.level,
    FlagChange.previous_level,
    FlagChange.rule,
    FlagChange.reason,
    FlagChange.actor,
)
PLAIN_KEYS = tuple(column.key for column in PLAIN)
ACCOUNT_ID = PLAIN_KEYS.index("account_id")
STARTS_AT = len(PLAIN)
# Instants are read as the database's text (SQLite stores text; PostgreSQL's ISO output, which psycopg needs
# anyway, costs a third of parsing into datetimes), and each distinct one becomes the answer's text once.
INSTANTS = (FlagChange.starts_at, FlagChange.expires_at, FlagChange.recorded_at)
CHANGE_COLUMNS = (*PLAIN, *(cast(column, Text).label(column.key) for column in INSTANTS))
AccountsById = Callable[[Sequence[str]], Mapping[str, KnownAccount]]


def changes_json(rows: Sequence[Sequence], accounts: Mapping[str, KnownAccount]) -> list[dict]:
    """Changes (rows of CHANGE_COLUMNS) as dialers read them; `cursor` is each one's position and idempotency key."""
    # A page shares a handful of instants (one alert's changes share their times): each becomes text once.
    instants = set(chain.from_iterable(row[STARTS_AT:] for row in rows))
    texts = {stored: stored_instant_text(stored) for stored in instants}
    changes = [dict(zip(PLAIN_KEYS, row)) for row in rows]  # zip stops at the plain columns; the instants follow
    for change, row in zip(changes, rows):
        account = accounts.get(row[ACCOUNT_ID])
        change["phone"] = account.phone or None if account else None
        change["starts_at"] = texts[row[STARTS_AT]]
        change["expires_at"] = texts[row[STARTS_AT + 1]]
        change["recorded_at"] = texts[row[STARTS_AT + 2]]
    return changes


def stored_instant_text(stored: str | None) -> str | None:
    """`iso` of an instant as the database writes it: naive UTC from SQLite, with its offset from PostgreSQL."""
    return iso(stored_instant(stored))


def lock_change_log(session: Session, *, wait: bool = True) -> bool:
    """Make what this session reads of the change log free of holes below its newest cursor.

    False, with the session's transaction failed, when not `wait`ing and a writer of the log is open.
    """
    if session.get_bind().dialect.name == "postgresql":
        # A sequence hands out cursors at insert, not at commit: a slow writer could commit cursor 41
        # after a reader saw 42 and moved past it. SHARE mode waits for every open writer of the log
        # (and holds new ones back until this read ends), so what is read has no hole below it.
        try:
            session.execute(text(f"LOCK TABLE flag_changes IN SHARE MODE{'' if wait else ' NOWAIT'}"))
        except OperationalError:
            if wait:
                raise
            return False
    # SQLite has a single writer and assigns cursors under its lock, so commit order is cursor order.
    return True


def changes_after(
    session: Session, after: int, *, limit: int, through: int | None = None, accounts: AccountsById | None = None
) -> list[dict]:
    """Up to `limit` changes with a cursor above `after` (and at most `through`), oldest first.

    Phones come from `accounts` (the API's suppression index), else from the database.
    """
    lock_change_log(session)
    query = select(*CHANGE_COLUMNS).where(FlagChange.cursor > after).order_by(FlagChange.cursor).limit(limit)
    if through is not None:
        query = query.where(FlagChange.cursor <= through)
    # Through the connection: Core rows skip the session's ORM work per row.
    rows = session.connection().execute(query).all()
    # By position: a Row's attribute lookup by name costs more than the rest of the change.
    return changes_json(rows, (accounts or DatabaseView(session).accounts)(list({row[ACCOUNT_ID] for row in rows})))


def latest_cursor(session: Session | Connection) -> int:
    """The cursor of the newest change, 0 for an empty log."""
    return session.scalar(select(func.max(FlagChange.cursor))) or 0


class CursorProbe:
    """The change log's newest cursor, read with one bare statement on a driver connection of its own.

    Every single check runs it first: through SQLAlchemy the same select cost 130 µs on SQLite,
    on the driver's own cursor 6 µs. The connection is taken out of the pool, so its settings
    (autocommit; on SQLite no busy wait) never reach another user. Not thread-safe: one caller at a time.
    """

    def __init__(self, engine: Engine) -> None:
        self.statement = str(select(func.max(FlagChange.cursor)).compile(dialect=engine.dialect))
        self.errors = engine.dialect.loaded_dbapi.Error
        connection = engine.raw_connection()
        self.driver = connection.driver_connection
        connection.detach()
        if engine.dialect.name == "sqlite":
            # A WAL read never waits for writers; should it ever be told "busy", it fails at once instead of
            # stalling the event loop it runs on (the check then goes the slow way).
            self.driver.execute("PRAGMA busy_timeout=0")
        else:
            self.driver.autocommit = True

    def newest(self) -> int:
        """The newest cursor, 0 for an empty log (raises the driver's error)."""
        cursor = self.driver.cursor()
        try:
            cursor.execute(self.statement)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return (row[0] if row else None) or 0

    def close(self) -> None:
        """Close the connection, quietly: it may be the one that broke."""
        with contextlib.suppress(self.errors):
            self.driver.close()
