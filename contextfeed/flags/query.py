"""Reading flags: "active at T" is a query over validity intervals, never a stored boolean."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contextfeed.db.engine import one_of
from contextfeed.db.models import Flag, ManualRelease
from contextfeed.flags.policy import rank


@dataclass(frozen=True)
class ActiveFlag:
    """A flag in force at the instant asked about."""

    flag_id: int
    account_id: str
    level: str
    reason: str
    rule: str
    event_ids: tuple[int, ...]
    starts_at: datetime
    expires_at: datetime | None
    source: str
    match: str
    actor: str | None

    def as_json(self) -> dict:
        """The JSON shape of `contextfeed flags --json` and the API."""
        return {
            "flag_id": self.flag_id, "account_id": self.account_id, "level": self.level, "reason": self.reason,
            "rule": self.rule, "event_ids": list(self.event_ids), "starts_at": iso(self.starts_at),
            "expires_at": iso(self.expires_at), "source": self.source, "match": self.match, "actor": self.actor,
        }


# Remembered: a bulk check or a page of the change feed formats the same few instants thousands of times.
@lru_cache(maxsize=4096)
def iso(instant: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, or None."""
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ") if instant else None


FLAG_COLUMNS = (Flag.id, Flag.account_id, Flag.level, Flag.reason, Flag.rule, Flag.event_id, Flag.starts_at,
                Flag.expires_at, Flag.origin, Flag.match, Flag.actor)


def active_at(session: Session, at: datetime, *, account_ids: Collection[str] | None = None) -> list[ActiveFlag]:
    """Flags in force at `at` (strongest first per account), less automatic ones a supervisor released."""
    query = select(*FLAG_COLUMNS).where(Flag.starts_at <= at, or_(Flag.expires_at.is_(None), Flag.expires_at > at))
    releases = select(ManualRelease.account_id, ManualRelease.event_id).where(
        ManualRelease.starts_at <= at, or_(ManualRelease.expires_at.is_(None), ManualRelease.expires_at > at)
    )
    if account_ids is not None:
        query = query.where(one_of(session, Flag.account_id, account_ids))
        releases = releases.where(one_of(session, ManualRelease.account_id, account_ids))
    released = set(map(tuple, session.execute(releases)))
    # Columns, not ORM objects: a bulk check reads thousands of flags and keeps none of them.
    flags = [
        ActiveFlag(
            flag_id=flag_id, account_id=account_id, level=level, reason=reason, rule=rule,
            event_ids=(event_id,) if event_id is not None else (), starts_at=starts_at, expires_at=expires_at,
            source=origin, match=match, actor=actor,
        )
        for flag_id, account_id, level, reason, rule, event_id, starts_at, expires_at, origin, match, actor
        in session.execute(query)
        if origin == "manual" or not ((account_id, event_id) in released or (account_id, None) in released)
    ]
    flags.sort(key=lambda flag: (flag.account_id, -rank(flag.level), flag.starts_at))
    return flags
