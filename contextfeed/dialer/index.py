"""The suppression check's memory: every account and every flag still to end, kept fresh from the change log.

A dialer asks about 100,000 accounts at once, or one account 500 times a
second; the database answers either in seconds. This index answers from
memory and, before each check, reads what the change log gained since
(one indexed `max(cursor)` when nothing did), so a check never misses a
committed flag change: what it knows lags the database by no more than the
check's own refresh. Accounts are read again when the log names them (a
move re-matches flags) and, for edits that change no flag, by `updated_at`
every ACCOUNTS_EVERY; ids it has never seen are looked up in the database,
so a freshly imported account is never answered "unknown".
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from contextfeed.bootstrap import settle
from contextfeed.clock import Clock
from contextfeed.db.engine import Database, one_of
from contextfeed.db.models import Account, FlagChange
from contextfeed.dialer.feed import latest_cursor, lock_change_log
from contextfeed.dialer.shared_read import SharedRead
from contextfeed.dialer.suppression import DatabaseView, KnownAccount, chunks, known_account
from contextfeed.flags.query import ActiveFlag, StoredFlags, in_force, load_flags

# Seconds between reads of accounts edited without any flag change (a new phone or time zone).
ACCOUNTS_EVERY = 10.0
# Writers stamp `updated_at` before they commit, and not in commit order: read again this far back.
ACCOUNTS_OVERLAP = timedelta(minutes=1)
# Expired flags stay in memory until the index is rebuilt from what is still in force.
REBUILD_EVERY = timedelta(hours=6)
ACCOUNT_COLUMNS = (Account.account_id, Account.phone, Account.timezone, Account.loc_precision)


class SuppressionIndex:
    """Accounts and their flags ending after `horizon`, in memory; thread-safe, refreshed on demand."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self.horizon: datetime | None = None
        self.cursor = 0
        self.accounts: dict[str, KnownAccount] = {}
        self.stored: dict[str, StoredFlags] = {}
        self.accounts_read_at: datetime | None = None
        self.accounts_read = 0.0
        self.lock = threading.Lock()
        self.probe: Connection | None = None
        self.probe_lock = threading.Lock()
        self.shared_probe = SharedRead(self.newest_cursor)

    def covers(self, at: datetime) -> bool:
        """True when a check at `at` can be answered from memory (the index holds no flag that ended before)."""
        return self.horizon is not None and at >= self.horizon

    def refresh(self) -> None:
        """Catch up with the database: build on first use, then read what the change log and accounts gained."""
        # The common case, nothing new, takes one indexed read and no lock: concurrent checks do not queue.
        if not self.behind():
            return
        with self.lock:
            now = self.clock.now()
            if self.needs_build(now):
                self.build(now)
                return
            changed, newest = self.changed_accounts()
            if changed:
                self.reload(changed)
                # Only now: a check that sees this cursor is answered without waiting for the lock.
                self.cursor = newest
            if self.accounts_due():
                self.read_accounts(now)

    def behind(self) -> bool:
        """True when the index is unbuilt, old, or the database has changes or edits it has not read."""
        return self.due() or self.newest_cursor() > self.cursor

    async def current(self) -> bool:
        """True when the index holds every change committed before this call; for checks on the event loop.

        The probe of the change log runs in a worker thread, shared by the checks that arrive together.
        """
        return not self.due() and await self.shared_probe() <= self.cursor

    def due(self) -> bool:
        """True when a refresh is due whatever the change log holds: a build, or a read of edited accounts."""
        return self.accounts_due() or self.needs_build(self.clock.now())

    def needs_build(self, now: datetime) -> bool:
        """True before the first build, after REBUILD_EVERY, and when the clock went back before the horizon."""
        return self.horizon is None or not self.horizon <= now < self.horizon + REBUILD_EVERY

    def accounts_due(self) -> bool:
        """True when the accounts edited since they were last read are due to be read again."""
        return time.monotonic() - self.accounts_read > ACCOUNTS_EVERY

    def newest_cursor(self) -> int:
        """The change log's newest cursor, read on a connection of its own.

        This runs before every check: a session, or a pooled connection (pinged, then rolled back),
        costs several round trips where this autocommit connection takes one.
        """
        with self.probe_lock:
            try:
                if self.probe is None:
                    self.probe = self.database.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                return latest_cursor(self.probe)
            except DBAPIError:
                # A lost connection (a database restart): the next probe opens another.
                self.probe = None
                raise

    def build(self, now: datetime) -> None:
        """Read everything: the change log's end first, so no change made while reading is skipped."""
        # Each read of the log is its own short transaction: on PostgreSQL it holds writers back.
        with self.database.read() as session:
            lock_change_log(session)
            cursor = latest_cursor(session)
        # Built aside and swapped in whole: checks running meanwhile read the previous index. Rows are read
        # through the connection: the session's ORM layer costs five times more per row, for a million accounts.
        accounts: dict[str, KnownAccount] = {}
        with self.database.read() as session:
            remember(session.connection().execute(select(*ACCOUNT_COLUMNS)), accounts)
            stored = grouped(load_flags(session, ending_after=now))
        self.accounts, self.stored, self.cursor = accounts, stored, cursor
        self.accounts_read, self.accounts_read_at, self.horizon = time.monotonic(), now, now
        settle()  # a million long-lived objects, or every full collection walks them all

    def changed_accounts(self) -> tuple[set[str], int]:
        """The accounts the change log names after our cursor, and the newest cursor among them."""
        with self.database.read() as session:
            lock_change_log(session)
            rows = session.execute(
                select(FlagChange.account_id, FlagChange.cursor)
                .where(FlagChange.cursor > self.cursor)
                .order_by(FlagChange.cursor)
            ).all()
        return {row.account_id for row in rows}, rows[-1].cursor if rows else self.cursor

    def reload(self, account_ids: Collection[str]) -> None:
        """Read these accounts and their flags again."""
        with self.database.read() as session:
            for chunk in chunks(sorted(account_ids)):
                fresh = grouped(load_flags(session, ending_after=self.horizon, account_ids=chunk))
                # Key by key, never emptied first: a check reading meanwhile sees the old flags or the new ones.
                for account_id in chunk:
                    if account_id in fresh:
                        self.stored[account_id] = fresh[account_id]
                    else:
                        self.stored.pop(account_id, None)
                remember(
                    session.connection().execute(
                        select(*ACCOUNT_COLUMNS).where(one_of(session, Account.account_id, chunk))
                    ),
                    self.accounts,
                )

    def read_accounts(self, now: datetime) -> None:
        """Read again the accounts written since (a little before) the last time they were read."""
        query = select(*ACCOUNT_COLUMNS).where(Account.updated_at >= self.accounts_read_at - ACCOUNTS_OVERLAP)
        with self.database.read() as session:
            remember(session.connection().execute(query), self.accounts)
        self.accounts_read, self.accounts_read_at = time.monotonic(), now

    def view(self) -> IndexView:
        """What a check reads: this index, and the database for what it does not hold."""
        return IndexView(self)


def remember(rows: Iterable, accounts: dict[str, KnownAccount]) -> None:
    """Keep these account rows in `accounts`."""
    zones: dict[str | None, str | None] = {}
    for account_id, phone, timezone, precision in rows:
        # One string per zone, not one per account: a million accounts live in a few hundred zones.
        zone = zones.setdefault(timezone, sys.intern(timezone) if timezone else None)
        accounts[account_id] = known_account(account_id, phone, zone, precision)


def grouped(stored: StoredFlags) -> dict[str, StoredFlags]:
    """Flags and releases split by account."""
    by_account: dict[str, StoredFlags] = {}
    for flag in stored.flags:
        by_account.setdefault(flag.account_id, StoredFlags([], [])).flags.append(flag)
    for release in stored.releases:
        by_account.setdefault(release.account_id, StoredFlags([], [])).releases.append(release)
    return by_account


class IndexView:
    """The check's reads served from the index; unknown ids and phones go to the database."""

    def __init__(self, index: SuppressionIndex) -> None:
        self.index = index

    def accounts(self, account_ids: Sequence[str]) -> dict[str, KnownAccount]:
        """The known accounts among these ids."""
        known = self.index.accounts
        found = {account_id: account for account_id in account_ids if (account := known.get(account_id))}
        if len(found) < len(set(account_ids)):
            with self.index.database.read() as session:
                found |= DatabaseView(session).accounts([i for i in account_ids if i not in found])
        return found

    def accounts_by_phone(self, phones: Sequence[str]) -> dict[str, list[KnownAccount]]:
        """The accounts behind each of these phones (from the database: the index keeps no phone book)."""
        with self.index.database.read() as session:
            return DatabaseView(session).accounts_by_phone(phones)

    def flags(self, account_ids: Iterable[str], *, at: datetime) -> dict[str, list[ActiveFlag]]:
        """The flags in force at `at` of these accounts, by account."""
        stored = self.index.stored
        return {
            account_id: active
            for account_id in account_ids
            if (flags := stored.get(account_id)) and (active := in_force(flags, at))
        }
