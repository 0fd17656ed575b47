"""Reading flags: "active at T" is a query over validity intervals, never a stored boolean."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

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


def iso(instant: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, or None."""
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ") if instant else None


def active_at(session: Session, at: datetime, *, account_ids: Collection[str] | None = None) -> list[ActiveFlag]:
    """Flags in force at `at` (strongest first per account), less automatic ones a supervisor released."""
    query = select(Flag).where(Flag.starts_at <= at, or_(Flag.expires_at.is_(None), Flag.expires_at > at))
    releases = select(ManualRelease).where(
        ManualRelease.starts_at <= at, or_(ManualRelease.expires_at.is_(None), ManualRelease.expires_at > at)
    )
    if account_ids is not None:
        query = query.where(Flag.account_id.in_(account_ids))
        releases = releases.where(ManualRelease.account_id.in_(account_ids))
    released = {(release.account_id, release.event_id) for release in session.scalars(releases)}
    flags = [
        ActiveFlag(
            flag_id=flag.id, account_id=flag.account_id, level=flag.level, reason=flag.reason, rule=flag.rule,
            event_ids=(flag.event_id,) if flag.event_id is not None else (), starts_at=flag.starts_at,
            expires_at=flag.expires_at, source=flag.origin, match=flag.match, actor=flag.actor,
        )
        for flag in session.scalars(query)
        if flag.origin == "manual" or not (
            (flag.account_id, flag.event_id) in released or (flag.account_id, None) in released
        )
    ]
    flags.sort(key=lambda flag: (flag.account_id, -rank(flag.level), flag.starts_at))
    return flags
