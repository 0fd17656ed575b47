"""Supervisors' decisions: a manual flag on an account, or the release of a flag, each in the change log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from contextfeed.db.models import Account, Flag, FlagChange, ManualRelease
from contextfeed.domain.instants import iso

MANUAL_RULE = "manual"


def raise_manual(
    session: Session,
    account_id: str,
    *,
    level: str,
    reason: str,
    actor: str,
    expires_at: datetime | None,
    now: datetime,
) -> int:
    """Put a manual flag on an account from now until `expires_at` (None: until released); returns its id."""
    if session.get(Account, account_id) is None:
        raise LookupError(f"unknown account {account_id!r}")
    if expires_at is not None and expires_at <= now:
        raise LookupError("the flag would end before it starts (--until is in the past)")
    flag = Flag(
        account_id=account_id,
        event_id=None,
        origin="manual",
        level=level,
        rule=MANUAL_RULE,
        reason=reason,
        match="raised by hand",
        actor=actor,
        starts_at=now,
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
    )
    session.add(flag)
    session.flush()
    record(session, flag, "raise", now=now, actor=actor, reason=reason)
    return flag.id


def release_flag(
    session: Session,
    flag_id: int,
    *,
    reason: str,
    actor: str,
    until: datetime | None,
    now: datetime,
    start: datetime | None = None,
) -> str:
    """End a manual flag, or override an automatic one from `start` (default now) until `until`; returns a summary."""
    start = start or now
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise LookupError(f"no flag {flag_id}")
    if flag.origin == "manual":
        flag.expires_at = max(start, flag.starts_at)
        flag.updated_at = now
        record(session, flag, "release", now=now, actor=actor, reason=reason)
        return f"manual flag {flag_id} on {flag.account_id} released"
    expires = until or flag.expires_at
    session.add(
        ManualRelease(
            account_id=flag.account_id,
            event_id=flag.event_id,
            reason=reason,
            actor=actor,
            starts_at=start,
            expires_at=expires,
            created_at=now,
        )
    )
    record(session, flag, "release", now=now, actor=actor, reason=reason, expires_at=expires)
    until_text = iso(expires) if expires else "it is lifted"
    return f"automatic flag {flag_id} on {flag.account_id} released until {until_text}"


def record(
    session: Session,
    flag: Flag,
    action: str,
    *,
    now: datetime,
    actor: str,
    reason: str,
    expires_at: datetime | None = None,
) -> None:
    """Append a supervisor's action to the change log."""
    session.execute(
        insert(FlagChange),
        [
            {
                "flag_id": flag.id,
                "account_id": flag.account_id,
                "event_id": flag.event_id,
                "action": action,
                "origin": "manual",
                "level": flag.level if action == "raise" else None,
                "previous_level": flag.level,
                "rule": MANUAL_RULE,
                "reason": reason,
                "actor": actor,
                "starts_at": now,
                "expires_at": expires_at or flag.expires_at,
                "recorded_at": now,
            }
        ],
    )
