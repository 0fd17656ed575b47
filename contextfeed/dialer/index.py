"""The suppression check's memory: every account and every flag still to end, kept fresh from the change log.

A dialer asks about 100,000 accounts at once, or one account 500 times a
second; the database answers either in seconds. This index answers from
memory, and a check never misses a flag change committed before it: each
check first reads the change log's newest cursor (one indexed `max(cursor)`).
When the log gained changes the memory does not hold yet, the accounts they
name (read from the log, ids only) are answered from the database, every
other account from memory, and a follower thread reads the named accounts
into memory meanwhile. So a burst of writes (a national alert, an import
re-matching a million flags) never makes checks wait for the whole burst to
be read: only the accounts it touched cost a query, until they are in.

Accounts are read again when the log names them (a move re-matches flags) and,
for edits that change no flag (a new phone or time zone), by `updated_at`
every ACCOUNTS_EVERY by the follower: such an edit shows within about that
long. Ids it has never seen are looked up in the database, so a freshly
imported account is never answered "unknown".

The first build (and each rebuild) runs in a thread of its own: until it is
in, checks read the database (slower, never wrong), and a rebuild is read
aside while checks keep reading the previous memory, kept fresh meanwhile.
The accounts and flags are held compactly (see `columns`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Collection, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from contextfeed.bootstrap import settle
from contextfeed.clock import Clock
from contextfeed.db.engine import Database, one_of
from contextfeed.db.models import Account, FlagChange
from contextfeed.dialer.columns import AccountTable, FlagStore, table_from_rows
from contextfeed.dialer.feed import CursorProbe, latest_cursor, lock_change_log
from contextfeed.dialer.shared_read import SharedRead
from contextfeed.dialer.suppression import DatabaseView, KnownAccount, chunks
from contextfeed.flags.query import ActiveFlag, in_force, read_flags

# Seconds between reads of accounts edited without any flag change (a new phone or time zone).
ACCOUNTS_EVERY = 10.0
# Writers stamp `updated_at` before they commit, and not in commit order: read again this far back.
ACCOUNTS_OVERLAP = timedelta(minutes=1)
# Expired flags stay in memory until the index is rebuilt from what is still in force.
REBUILD_EVERY = timedelta(hours=6)
ACCOUNT_COLUMNS = (Account.account_id, Account.phone, Account.timezone, Account.loc_precision)
# Account rows read at a time when building: ten million at once would hold gigabytes of row objects.
BUILD_ROWS = 50_000
# A check of at most this many ids that finds memory behind asks the log about its own ids (one indexed
# query) instead of reading every change the backlog lacks: a burst of 100,000 changes costs it nothing.
OWN_IDS = 100

log = logging.getLogger(__name__)


@dataclass
class Backlog:
    """Changes read from the log but not yet into memory: every one up to `through`, by the accounts they name.

    Only `read_log` adds (accounts first, then `through`) and only `apply` removes, both holding the log's
    lock; a check reads `through`, then asks whether its ids are named, without any lock.
    """

    through: int
    accounts: dict[str, int] = field(default_factory=dict)

    def named(self, account_ids: Iterable[str]) -> list[str]:
        """Those of these accounts that a change not yet in memory names."""
        accounts = self.accounts
        return [account_id for account_id in account_ids if account_id in accounts]


@dataclass
class Memory:
    """What checks read, swapped whole by a build: the accounts, their flags, and what the log holds beyond them."""

    accounts: AccountTable
    stored: FlagStore
    backlog: Backlog
    # Every change up to this cursor is in `accounts` and `stored`.
    cursor: int = 0


def account_partitions(connection: Connection) -> Iterator[Sequence[Sequence[Any]]]:
    """Every account's ACCOUNT_COLUMNS, BUILD_ROWS at a time: ten million rows at once would hold gigabytes.

    Read past the ORM (five times the cost per row); on SQLite as the driver's own tuples, on the
    session's connection and so in its transaction, as SQLAlchemy's rows cost a third more again.
    """
    query = select(*ACCOUNT_COLUMNS)
    if connection.dialect.name != "sqlite":
        yield from connection.execute(query.execution_options(yield_per=BUILD_ROWS)).partitions()
        return
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(query.compile(dialect=connection.dialect)))
        while rows := cursor.fetchmany(BUILD_ROWS):
            yield rows
    finally:
        cursor.close()


class SuppressionIndex:
    """Accounts and their flags ending after `horizon`, in memory; thread-safe, followed on demand."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock
        self.horizon: datetime | None = None
        self.memory = Memory(table_from_rows(()), FlagStore(), Backlog(0))
        self.accounts_read_at: datetime | None = None
        self.accounts_read = 0.0
        # Held while memory changes: builds' swaps, reloads, reads of edited accounts.
        self.lock = threading.Lock()
        # Held while the log is read into the backlog, and while the backlog loses what memory now holds.
        self.log_lock = threading.Lock()
        self.building: threading.Thread | None = None
        self.following: threading.Thread | None = None
        self.follow_lock = threading.Lock()
        # Seconds the last build took, from its start to its swap (None: none has finished).
        self.build_seconds: float | None = None
        self.probe: CursorProbe | None = None
        # What the database's driver raises (a lost connection; on SQLite, "busy" to a probe that does not wait).
        self.driver_errors = database.engine.dialect.loaded_dbapi.Error
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

    async def answering(self, account_ids: Collection[str]) -> IndexView | None:
        """Memory that answers these accounts with every change committed before this call (None: ask elsewhere).

        For checks on the event loop: on a database server the probe of the change log runs in a worker thread,
        shared by the checks that arrive together; on SQLite, here.
        When memory is behind, the follower is started, and memory still answers if the
        backlog already read covers the probe and names none of these accounts.
        """
        if self.stale(self.clock.now()):
            return None
        if self.database.is_sqlite:
            # A read of the file on this thread: 6 µs, less than handing it to a worker thread and back.
            try:
                newest = self.newest_cursor()
            except self.driver_errors:
                return None  # told "busy" (the probe does not wait): the check asks in a worker thread
        else:
            newest = await self.shared_probe()
        memory = self.memory
        if self.due() or newest > memory.cursor:
            self.follow()
        backlog = memory.backlog
        if newest <= memory.cursor or (newest <= backlog.through and not backlog.named(account_ids)):
            return IndexView(self.database, memory)
        return None

    def caught_up(self, account_ids: Collection[str]) -> IndexView | None:
        """What a check in a worker thread reads, with every change committed before this call (None: unbuilt).

        Builds first when nothing held can answer now (the clock went back), unless a build is under way.
        A few ids ask the log about themselves after what the backlog holds; more read the backlog up to
        the log's end.
        """
        if self.stale(self.clock.now()):
            with self.lock:
                if self.stale(now := self.clock.now()) and not self.rebuilding():
                    self.build(now, locked=True)
        if self.horizon is None:
            return None
        memory = self.memory
        backlog = memory.backlog
        if len(account_ids) <= OWN_IDS:
            # `through` first: every change up to it is in memory or named by the backlog, read after it.
            named = self.named_after(backlog.through, account_ids)
            named.update(backlog.named(account_ids))
            view = IndexView(self.database, memory, behind=named)
        else:
            self.read_log(memory)
            view = IndexView(self.database, memory)
        if self.due() or backlog.through > memory.cursor or view.behind:
            self.follow()
        return view

    def named_after(self, cursor: int, account_ids: Collection[str]) -> set[str]:
        """Those of these accounts that a change after `cursor` names."""
        with self.database.read() as session:
            return set(
                session.scalars(
                    select(FlagChange.account_id)
                    .where(one_of(session, FlagChange.account_id, list(account_ids)), FlagChange.cursor > cursor)
                    .distinct()
                )
            )

    def follow(self) -> None:
        """Start the follower unless it runs: it reads into memory what the log and the accounts gained."""
        with self.follow_lock:
            if self.following is None or not self.following.is_alive():
                self.following = threading.Thread(target=self.follow_logged, name="suppression-follow", daemon=True)
                self.following.start()

    def follow_logged(self) -> None:
        """`refresh` until the log holds nothing more, or a pass gains nothing (a build is due); logged when it fails.

        The next check that finds memory behind starts another.
        """
        try:
            while True:
                before = self.memory.cursor
                self.refresh()
                if self.memory.cursor == before or self.newest_cursor() <= self.memory.cursor:
                    return
        except Exception:
            log.exception("the suppression index could not follow the change log; checks read the database")

    def refresh(self) -> None:
        """Catch up with the database now: build on first use, then read what the change log and accounts gained."""
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
            memory = self.memory
            self.read_log(memory)
            self.apply(memory)
            if self.accounts_due():
                self.read_accounts(memory, now)

    def due(self) -> bool:
        """True when the follower is due whatever the change log holds: a rebuild, or a read of edited accounts."""
        return self.accounts_due() or (self.old(self.clock.now()) and not self.rebuilding())

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
        """The change log's newest cursor, read on a connection of its own (see `CursorProbe`)."""
        with self.probe_lock:
            try:
                if self.probe is None:
                    self.probe = CursorProbe(self.database.engine)
                return self.probe.newest()
            except (DBAPIError, self.driver_errors):
                # A lost connection (a database restart), or SQLite busy: the next probe opens another.
                if self.probe is not None:
                    self.probe.close()
                self.probe = None
                raise

    def build(self, now: datetime, *, locked: bool = False) -> None:
        """Read everything: the change log's end first, so no change made while reading is skipped.

        Built aside and swapped in whole (under the lock, unless the caller holds it): checks running
        meanwhile read the previous memory, or the database before the first.
        """
        started = time.monotonic()
        # Each read of the log is its own short transaction: on PostgreSQL it holds writers back.
        with self.database.read() as session:
            lock_change_log(session)
            cursor = latest_cursor(session)
        with self.database.read() as session:
            accounts = table_from_rows(account_partitions(session.connection()))
            stored = FlagStore()
            stored.keep(read_flags(session, ending_after=now))
        settle()  # long-lived objects (flags, interned parts), or every full collection walks them all
        # Accounts written while this build read are stamped after `now`: the next refresh reads them again.
        # The changes after `cursor` may have been read or not: the new backlog starts there.
        with contextlib.nullcontext() if locked else self.lock, self.log_lock:
            self.memory = Memory(accounts, stored, Backlog(cursor), cursor)
            self.accounts_read, self.accounts_read_at, self.horizon = time.monotonic(), now, now
            self.build_seconds = self.accounts_read - started

    def read_log(self, memory: Memory, *, wait: bool = True) -> None:
        """Add to the backlog the accounts the change log names after what it holds.

        Unless `wait`ing, on PostgreSQL only when no writer of the log is open (else nothing is read).
        """
        with self.log_lock:
            backlog = memory.backlog
            with self.database.read() as session:
                if not lock_change_log(session, wait=wait):
                    return
                rows = session.execute(
                    select(FlagChange.account_id, FlagChange.cursor)
                    .where(FlagChange.cursor > backlog.through)
                    .order_by(FlagChange.cursor)
                ).all()
            if rows:
                backlog.accounts.update(rows)
                backlog.through = rows[-1].cursor

    def apply(self, memory: Memory) -> None:
        """Read into memory the accounts the backlog names, chunk by chunk, each leaving the backlog once in."""
        backlog = memory.backlog
        through = backlog.through
        # Accounts named again after `through` stay in the backlog: what is read now may miss that change.
        named = sorted(account_id for account_id, cursor in list(backlog.accounts.items()) if cursor <= through)
        with self.database.read() as session:
            for chunk in chunks(named):
                self.reload(session, memory, chunk)
                with self.log_lock:
                    for account_id in chunk:
                        if backlog.accounts.get(account_id, through + 1) <= through:
                            del backlog.accounts[account_id]
                # The log's new changes read between chunks: reading millions of flags in takes minutes, and
                # meanwhile a check finding the log ahead of the backlog asks the database, not memory.
                # Without waiting for the writers of the log (PostgreSQL): the next chunk tries again.
                self.read_log(memory, wait=False)
        # Only now: a check that sees this cursor is answered from memory without looking at the backlog.
        memory.cursor = max(memory.cursor, through)

    def reload(self, session: Session, memory: Memory, account_ids: Collection[str]) -> None:
        """Read these accounts' flags again, and those of their rows written since the accounts were last read.

        A flag raised on an account leaves its row as it was, and memory holds every row written before
        then: a wire's millions of flags over accounts it did not edit keep no row aside (at 10M each
        FOLD_AT of them folded the columns anew, seconds each, while checks of them read the database).
        """
        # Key by key, never emptied first: a check reading meanwhile sees the old flags or the new ones.
        memory.stored.keep(read_flags(session, ending_after=self.horizon, account_ids=account_ids), account_ids)
        edited = select(*ACCOUNT_COLUMNS).where(one_of(session, Account.account_id, account_ids), self.edited())
        memory.accounts = memory.accounts.remember(session.connection().execute(edited))

    def read_accounts(self, memory: Memory, now: datetime) -> None:
        """Read again the accounts written since (a little before) the last time they were read."""
        query = select(*ACCOUNT_COLUMNS).where(self.edited())
        with self.database.read() as session:
            memory.accounts = memory.accounts.remember(session.connection().execute(query))
        self.accounts_read, self.accounts_read_at = time.monotonic(), now

    def edited(self) -> ColumnElement[bool]:
        """Accounts written since (a little before) the last time they were read: the rows memory may lack."""
        return Account.updated_at >= self.accounts_read_at - ACCOUNTS_OVERLAP

    def state(self) -> dict:
        """Whether checks are answered from memory yet, what the index holds and how long its build took."""
        memory = self.memory
        return {
            "in_memory": self.horizon is not None,
            "building": self.rebuilding(),
            "accounts": len(memory.accounts) + len(memory.accounts.extra),
            "flagged_accounts": len(memory.stored),
            "cursor": memory.cursor,
            "build_seconds": self.build_seconds,
        }

    def view(self) -> IndexView:
        """What a check reads: memory as it is now, and the database for the rest."""
        return IndexView(self.database, self.memory)


class IndexView:
    """The check's reads served from memory; unknown ids, phones and accounts with changes not yet in, from the database."""

    def __init__(self, database: Database, memory: Memory, *, behind: Container[str] | None = None) -> None:
        self.database = database
        self.memory = memory
        # The accounts memory may be behind on: the backlog's, unless the check found out more precisely.
        self.behind = memory.backlog.accounts if behind is None else behind

    def behind_of(self, account_ids: Iterable[str]) -> list[str]:
        """Those of these ids that memory does not answer: a change not yet read in names them."""
        behind = self.behind
        return [account_id for account_id in account_ids if account_id in behind]

    def accounts(self, account_ids: Sequence[str]) -> dict[str, KnownAccount]:
        """The known accounts among these ids."""
        behind = set(self.behind_of(account_ids))
        found = {
            account_id: account
            for account_id, account in self.memory.accounts.accounts(account_ids).items()
            if account_id not in behind
        }
        if len(found) < len(set(account_ids)):
            with self.database.read() as session:
                found |= DatabaseView(session).accounts([i for i in account_ids if i not in found])
        return found

    def accounts_by_phone(self, phones: Sequence[str]) -> dict[str, list[KnownAccount]]:
        """The accounts behind each of these phones (from the database: the index keeps no phone book)."""
        with self.database.read() as session:
            return DatabaseView(session).accounts_by_phone(phones)

    def flags(self, account_ids: Iterable[str], *, at: datetime) -> dict[str, list[ActiveFlag]]:
        """The flags in force at `at` of these accounts, by account."""
        account_ids = list(account_ids)
        stored = self.memory.stored
        found = {
            account_id: active
            for account_id in account_ids
            if (flags := stored.stored(account_id)) and (active := in_force(flags, at))
        }
        if behind := self.behind_of(account_ids):
            with self.database.read() as session:
                fresh = DatabaseView(session).flags(behind, at=at)
            for account_id in behind:
                found.pop(account_id, None)
            found |= fresh
        return found
