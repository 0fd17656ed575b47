"""Reading flags: "active at T" is a query over validity intervals, never a stored boolean."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import chain
from typing import NamedTuple

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from contextfeed.db.engine import one_of
from contextfeed.db.models import Flag, ManualRelease
from contextfeed.domain.instants import iso, stored_instant
from contextfeed.flags.policy import rank

# The one instant formatter (UTC, Z) lives with the instant parsers, below every stage.


class ActiveFlag(NamedTuple):
    """A flag in force at the instant asked about (a named tuple: a frozen dataclass took twice as long to make)."""

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
            "flag_id": self.flag_id,
            "account_id": self.account_id,
            "level": self.level,
            "reason": self.reason,
            "rule": self.rule,
            "event_ids": list(self.event_ids),
            "starts_at": iso(self.starts_at),
            "expires_at": iso(self.expires_at),
            "source": self.source,
            "match": self.match,
            "actor": self.actor,
        }


FLAG_COLUMNS = (
    Flag.id,
    Flag.account_id,
    Flag.level,
    Flag.reason,
    Flag.rule,
    Flag.event_id,
    cast(Flag.starts_at, Text).label("starts_at"),
    cast(Flag.expires_at, Text).label("expires_at"),
    Flag.origin,
    Flag.match,
    Flag.actor,
)


class Release(NamedTuple):
    """A supervisor's release of an account's automatic flags (of one event, or all when `event_id` is None)."""

    account_id: str
    event_id: int | None
    starts_at: datetime
    expires_at: datetime | None


class StoredFlags(NamedTuple):
    """Flags and releases as stored, to be read at any instant they were loaded for."""

    flags: list[ActiveFlag]
    releases: list[Release]


# Flag rows read at a time: held all at once until the store had kept them, ten million accounts' flags
# left the service holding 0.9 GB more, its tuples allocated around the rows' memory, freed only afterwards.
FLAG_ROWS = 10_000


class Instants(dict[str | None, datetime | None]):
    """Instants as the database writes them as text, each made a datetime the first time it is looked up."""

    def __missing__(self, stored: str | None) -> datetime | None:
        instant = self[stored] = stored_instant(stored)
        return instant


class FlagRows(NamedTuple):
    """Flags and releases as read: rows of FLAG_COLUMNS (instants as the database's text), and each text's instant.

    The rows are read from the database as they are iterated, once, while its session is open.
    """

    rows: Iterable[Sequence]
    instants: Mapping[str | None, datetime | None]
    releases: list[Release]


def read_flags(
    session: Session,
    *,
    ending_after: datetime,
    starting_by: datetime | None = None,
    account_ids: Collection[str] | None = None,
) -> FlagRows:
    """Flags and releases still in force after `ending_after` (and begun by `starting_by`), of these accounts or all."""
    flags = select(*FLAG_COLUMNS).where(or_(Flag.expires_at.is_(None), Flag.expires_at > ending_after))
    releases = select(
        ManualRelease.account_id, ManualRelease.event_id, ManualRelease.starts_at, ManualRelease.expires_at
    ).where(or_(ManualRelease.expires_at.is_(None), ManualRelease.expires_at > ending_after))
    if starting_by is not None:
        flags = flags.where(Flag.starts_at <= starting_by)
        releases = releases.where(ManualRelease.starts_at <= starting_by)
    if account_ids is not None:
        flags = flags.where(one_of(session, Flag.account_id, account_ids))
        releases = releases.where(one_of(session, ManualRelease.account_id, account_ids))
    # Columns, not ORM objects, read through the connection (no ORM work per row): the suppression index
    # reads every flag still in force. Instants come as the database's text and each distinct one becomes
    # a datetime once: an event's flags share theirs, so ten million accounts' flags hold a few thousand.
    connection = session.connection()
    released = [Release(*row) for row in connection.execute(releases)]
    rows = chain.from_iterable(connection.execute(flags.execution_options(yield_per=FLAG_ROWS)).partitions())
    return FlagRows(rows, Instants(), released)


def stored_flags(read: FlagRows) -> StoredFlags:
    """The flags and releases read, each flag made an ActiveFlag."""
    rows, instants, releases = read
    return StoredFlags(
        flags=[
            ActiveFlag(
                flag_id=flag_id,
                account_id=account_id,
                level=level,
                reason=reason,
                rule=rule,
                event_ids=(event_id,) if event_id is not None else (),
                starts_at=instants[starts_at],
                expires_at=instants[expires_at],
                source=origin,
                match=match,
                actor=actor,
            )
            for flag_id, account_id, level, reason, rule, event_id, starts_at, expires_at, origin, match, actor in rows
        ],
        releases=releases,
    )


def in_force(stored: StoredFlags, at: datetime) -> list[ActiveFlag]:
    """The flags in force at `at` (strongest first per account), less automatic ones a release in force covers."""
    released = {(release.account_id, release.event_id) for release in stored.releases if during(release, at)}
    flags = [
        flag
        for flag in stored.flags
        if during(flag, at)
        and (
            flag.source == "manual"
            or not (
                (flag.account_id, flag.event_ids[0] if flag.event_ids else None) in released
                or (flag.account_id, None) in released
            )
        )
    ]
    flags.sort(key=lambda flag: (flag.account_id, -rank(flag.level), flag.starts_at))
    return flags


def during(stored: ActiveFlag | Release, at: datetime) -> bool:
    """True when `at` falls in the validity interval [starts_at, expires_at)."""
    return stored.starts_at <= at and (stored.expires_at is None or stored.expires_at > at)


def active_at(session: Session, at: datetime, *, account_ids: Collection[str] | None = None) -> list[ActiveFlag]:
    """Flags in force at `at` (strongest first per account), less automatic ones a supervisor released."""
    return in_force(stored_flags(read_flags(session, ending_after=at, starting_by=at, account_ids=account_ids)), at)
