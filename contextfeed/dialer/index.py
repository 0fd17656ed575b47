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

The first build (and each rebuild) runs in a thread of its own: until it is
in, checks read the database (slower, never wrong), and a rebuild is read
aside while checks keep reading the previous index, kept fresh meanwhile.
The accounts and flags are held compactly (see `columns`).
"""

from __future__ import annotations

import contextlib
import logging
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
from contextfeed.dialer.columns import FlagStore, table_from_rows
from contextfeed.dialer.feed import latest_cursor, lock_change_log
from contextfeed.dialer.shared_read import SharedRead
from contextfeed.dialer.suppression import DatabaseView, KnownAccount, chunks
from contextfeed.flags.query import ActiveFlag, in_force, load_flags

# Seconds between reads of accounts edited without any flag change (a new phone or time zone).
ACCOUNTS_EVERY = 10.0
# Writers stamp `updated_at` before they commit, and not in commit order: read again this far back.
ACCOUNTS_OVERLAP = timedelta(minutes=1)
# Expired flags stay in memory until the index is rebuilt from what is still in force.
REBUILD_EVERY = timedelta(hours=6)
ACCOUNT_COLUMNS = (Account.account_id, Account.phone, Account.timezone, Account.loc_precision)
# Account rows read at a time when building: ten million at once would hold gigabytes of row objects.
BUILD_ROWS = 50_000

log = logging.getLogger(__name__)


class SuppressionIndex:
    """Accounts and their flags ending after `horizon`, in memory; thread-safe, refreshed on demand."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self.horizon: datetime | None = None
        self.cursor = 0
        self.accounts = table_from_rows(())
        self.stored = FlagStore()
        self.accounts_read_at: datetime | None = None
        self.accounts_read = 0.0
        self.lock = threading.Lock()
        self.building: threading.Thread | None = None
        # Seconds the last build took, from its start to its swap (None: none has finished).
        self.build_seconds: float | None = None
        self.probe: Connection | None = None
        self.probe_lock = threading.Lock()
        self.shared_probe = SharedRead(self.newest_cursor)

    def covers(self, at: datetime) -> bool:
        """True when a check at `at` can be answered from memory (the index holds no flag that ended before)."""
        return self.horizon is not None and at >= self.horizon

    def start(self) -> None:
        """Begin building in a thread of its own; checks read the database until it is in."""
        with self.lock:
            self.start_build()

    def start_build(self) -> None:
        """Start a build in the background unless one is running (called holding the lock)."""
        if not self.rebuilding():
            self.building = threading.Thread(target=self.build_logged, name="suppression-index", daemon=True)
            self.building.start()

    def build_logged(self) -> None:
        """`build`, logged when it fails: the next check starts another."""
        try:
            self.build(self.clock.now())
        except Exception:
            log.exception("the suppression index could not be built; checks read the database meanwhile")

    def refresh(self) -> None:
        """Catch up with the database: build on first use, then read what the change log and accounts gained."""
        # The common case, nothing new, takes one indexed read and no lock: concurrent checks do not queue.
        if not self.behind():
            return
        with self.lock:
            now = self.clock.now()
            if self.stale(now):
                # Nothing held can answer at `now`: build here, unless a build is under way (checks read the
                # database until it is in).
                if not self.rebuilding():
                    self.build(now, locked=True)
                return
            if self.old(now):
                # Old, not wrong: a rebuild is read aside while this one keeps answering, kept fresh below.
                self.start_build()
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
        now = self.clock.now()
        return self.accounts_due() or self.stale(now) or (self.old(now) and not self.rebuilding())

    def stale(self, now: datetime) -> bool:
        """True before the first build, and when the clock went back before the horizon."""
        return self.horizon is None or now < self.horizon

    def old(self, now: datetime) -> bool:
        """True REBUILD_EVERY after the horizon: expired flags have piled up."""
        return self.horizon is not None and now >= self.horizon + REBUILD_EVERY

    def rebuilding(self) -> bool:
        """True while a build runs in the background."""
        return self.building is not None and self.building.is_alive()

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

    def build(self, now: datetime, *, locked: bool = False) -> None:
        """Read everything: the change log's end first, so no change made while reading is skipped.

        Built aside and swapped in whole (under the lock, unless the caller holds it): checks running
        meanwhile read the previous index, or the database before the first.
        """
        started = time.monotonic()
        # Each read of the log is its own short transaction: on PostgreSQL it holds writers back.
        with self.database.read() as session:
            lock_change_log(session)
            cursor = latest_cursor(session)
        # Rows are read through the connection, a partition at a time: the session's ORM layer costs five
        # times more per row, and ten million rows at once would hold gigabytes.
        with self.database.read() as session:
            rows = session.connection().execute(select(*ACCOUNT_COLUMNS).execution_options(yield_per=BUILD_ROWS))
            accounts = table_from_rows(rows.partitions())
            stored = FlagStore()
            stored.keep(load_flags(session, ending_after=now))
        settle()  # long-lived objects (flags, interned parts), or every full collection walks them all
        # Accounts written while this build read are stamped after `now`: the next refresh reads them again.
        with contextlib.nullcontext() if locked else self.lock:
            self.accounts, self.stored, self.cursor = accounts, stored, cursor
            self.accounts_read, self.accounts_read_at, self.horizon = time.monotonic(), now, now
            self.build_seconds = self.accounts_read - started

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
                # Key by key, never emptied first: a check reading meanwhile sees the old flags or the new ones.
                self.stored.keep(load_flags(session, ending_after=self.horizon, account_ids=chunk), chunk)
                self.accounts = self.accounts.remember(
                    session.connection().execute(
                        select(*ACCOUNT_COLUMNS).where(one_of(session, Account.account_id, chunk))
                    )
                )

    def read_accounts(self, now: datetime) -> None:
        """Read again the accounts written since (a little before) the last time they were read."""
        query = select(*ACCOUNT_COLUMNS).where(Account.updated_at >= self.accounts_read_at - ACCOUNTS_OVERLAP)
        with self.database.read() as session:
            self.accounts = self.accounts.remember(session.connection().execute(query))
        self.accounts_read, self.accounts_read_at = time.monotonic(), now

    def state(self) -> dict:
        """Whether checks are answered from memory yet, what the index holds and how long its build took."""
        return {
            "in_memory": self.horizon is not None,
            "building": self.rebuilding(),
            "accounts": len(self.accounts) + len(self.accounts.extra),
            "flagged_accounts": len(self.stored),
            "cursor": self.cursor,
            "build_seconds": self.build_seconds,
        }

    def view(self) -> IndexView:
        """What a check reads: this index, and the database for what it does not hold."""
        return IndexView(self)


class IndexView:
    """The check's reads served from the index; unknown ids and phones go to the database."""

    def __init__(self, index: SuppressionIndex) -> None:
        self.index = index

    def accounts(self, account_ids: Sequence[str]) -> dict[str, KnownAccount]:
        """The known accounts among these ids."""
        found = self.index.accounts.accounts(account_ids)
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
            if (flags := stored.stored(account_id)) and (active := in_force(flags, at))
        }
