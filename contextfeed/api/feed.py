"""The change feed: flag changes in cursor order, for dialers that poll it and for webhooks."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select, text, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from contextfeed.clock import as_utc
from contextfeed.db.models import Account, FlagChange
from contextfeed.flags.query import iso

MAX_PAGE = 10_000
# Read as columns, not ORM objects: a dialer syncing from the start reads a hundred thousand. Instants come
# as the driver gives them (SQLite: text) and each distinct one is turned into the answer's text once.
INSTANTS = (FlagChange.starts_at, FlagChange.expires_at, FlagChange.recorded_at)
CHANGE_COLUMNS = (FlagChange.cursor, FlagChange.account_id, FlagChange.flag_id, FlagChange.event_id,
                  FlagChange.action, FlagChange.origin, FlagChange.level, FlagChange.previous_level, FlagChange.rule,
                  FlagChange.reason, FlagChange.actor,
                  *(type_coerce(column, NullType()).label(column.key) for column in INSTANTS))


def change_json(change, phone: str | None) -> dict:
    """One change (a row of CHANGE_COLUMNS) as dialers read it; `cursor` is its position and its idempotency key."""
    return {
        "cursor": change.cursor, "account_id": change.account_id, "phone": phone or None,
        "flag_id": change.flag_id, "event_id": change.event_id, "action": change.action, "origin": change.origin,
        "level": change.level, "previous_level": change.previous_level, "rule": change.rule,
        "reason": change.reason, "actor": change.actor, "starts_at": stored_instant_text(change.starts_at),
        "expires_at": stored_instant_text(change.expires_at), "recorded_at": stored_instant_text(change.recorded_at),
    }


@lru_cache(maxsize=4096)
def stored_instant_text(stored: datetime | str | None) -> str | None:
    """`iso` of an instant as the driver returns it: naive UTC text from SQLite, a datetime from PostgreSQL."""
    if stored is None:
        return None
    return iso(as_utc(datetime.fromisoformat(stored) if isinstance(stored, str) else stored))


def changes_after(session: Session, after: int, *, limit: int, through: int | None = None) -> list[dict]:
    """Up to `limit` changes with a cursor above `after` (and at most `through`), oldest first."""
    if session.get_bind().dialect.name == "postgresql":
        # A sequence hands out cursors at insert, not at commit: a slow writer could commit cursor 41
        # after a reader saw 42 and moved past it. SHARE mode waits for every open writer of the log
        # (and holds new ones back until this read ends), so what is read has no hole below it.
        session.execute(text("LOCK TABLE flag_changes IN SHARE MODE"))
    # SQLite has a single writer and assigns cursors under its lock, so commit order is cursor order.
    query = (select(*CHANGE_COLUMNS, Account.phone).outerjoin(Account, Account.account_id == FlagChange.account_id)
             .where(FlagChange.cursor > after).order_by(FlagChange.cursor).limit(limit))
    if through is not None:
        query = query.where(FlagChange.cursor <= through)
    return [change_json(row, row.phone) for row in session.execute(query)]


def latest_cursor(session: Session) -> int:
    """The cursor of the newest change, 0 for an empty log."""
    return session.scalar(select(func.max(FlagChange.cursor))) or 0
