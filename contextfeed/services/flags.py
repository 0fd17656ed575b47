"""Flags by hand and by time: raise or release a manual flag, log the flags that expired; one transaction each."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from contextfeed.db.models import Flag
from contextfeed.flags.manual import raise_manual, release_flag
from contextfeed.flags.query import active_at
from contextfeed.services.ingest import flag_engine

if TYPE_CHECKING:
    from contextfeed.bootstrap import App


def sweep_expired(app: App) -> int:
    """Log the flags that expired since the last sweep, so the change feed reports them; returns how many."""
    with app.database.write() as session:
        return flag_engine(app, session, now=app.clock.now()).sweep_expired()


class NotInForceError(ValueError):
    """A release of a flag that is not in force at the instant the release would start."""


def raise_flag(
    app: App, account_id: str, *, level: str, reason: str, actor: str, expires_at: datetime | None = None
) -> Flag:
    """Raise a manual flag on an account; returns it (LookupError for an unknown account or a past end)."""
    with app.database.write() as session:
        flag_id = raise_manual(
            session, account_id, level=level, reason=reason, actor=actor, expires_at=expires_at, now=app.clock.now()
        )
        return session.get_one(Flag, flag_id)


def release(
    app: App, flag_id: int, *, reason: str, actor: str, start: datetime | None = None, until: datetime | None = None
) -> str:
    """Release a flag in force from `start` (default now); returns what happened, in words.

    LookupError for an unknown flag; NotInForceError for one already ended or released then:
    a release of nothing would log a change no dialer could make sense of.
    """
    now = app.clock.now()
    with app.database.write() as session:
        flag = session.get(Flag, flag_id)
        if flag is None:
            raise LookupError(f"no flag {flag_id}")
        # A release may start before the flag did (correcting a flag that was wrong): ask from its start.
        at = max(start or now, flag.starts_at)
        if not any(active.flag_id == flag_id for active in active_at(session, at, account_ids=[flag.account_id])):
            raise NotInForceError(f"flag {flag_id} is not in force (ended, or already released)")
        return release_flag(session, flag_id, reason=reason, actor=actor, start=start, until=until, now=now)
