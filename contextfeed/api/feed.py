"""The change feed: flag changes in cursor order, for dialers that poll it and for webhooks."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from contextfeed.db.models import Account, FlagChange
from contextfeed.flags.query import iso

MAX_PAGE = 10_000


def change_json(change: FlagChange, phone: str | None) -> dict:
    """One change as dialers read it; `cursor` is its position and its idempotency key."""
    return {
        "cursor": change.cursor, "account_id": change.account_id, "phone": phone or None,
        "flag_id": change.flag_id, "event_id": change.event_id, "action": change.action, "origin": change.origin,
        "level": change.level, "previous_level": change.previous_level, "rule": change.rule,
        "reason": change.reason, "actor": change.actor, "starts_at": iso(change.starts_at),
        "expires_at": iso(change.expires_at), "recorded_at": iso(change.recorded_at),
    }


def changes_after(session: Session, after: int, *, limit: int, through: int | None = None) -> list[dict]:
    """Up to `limit` changes with a cursor above `after` (and at most `through`), oldest first."""
    if session.get_bind().dialect.name == "postgresql":
        # A sequence hands out cursors at insert, not at commit: a slow writer could commit cursor 41
        # after a reader saw 42 and moved past it. SHARE mode waits for every open writer of the log
        # (and holds new ones back until this read ends), so what is read has no hole below it.
        session.execute(text("LOCK TABLE flag_changes IN SHARE MODE"))
    # SQLite has a single writer and assigns cursors under its lock, so commit order is cursor order.
    query = (select(FlagChange, Account.phone).outerjoin(Account, Account.account_id == FlagChange.account_id)
             .where(FlagChange.cursor > after).order_by(FlagChange.cursor).limit(limit))
    if through is not None:
        query = query.where(FlagChange.cursor <= through)
    return [change_json(change, phone) for change, phone in session.execute(query)]


def latest_cursor(session: Session) -> int:
    """The cursor of the newest change, 0 for an empty log."""
    return session.scalar(select(func.max(FlagChange.cursor))) or 0
