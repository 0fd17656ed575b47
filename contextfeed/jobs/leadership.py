"""Exactly one scheduler across processes: leadership is a database lock (PostgreSQL) or a file lock (SQLite)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout
from sqlalchemy import text

from contextfeed.bootstrap import App

log = logging.getLogger(__name__)
# Any constant both sides agree on: the advisory lock key of the scheduler.
ADVISORY_KEY = 0x636F6E74  # "cont"


class Leadership(Protocol):
    """A lock that at most one process holds; it is freed when the holder dies."""

    def try_acquire(self) -> bool:
        """Take the lock if free; True when this process holds it (now or already)."""
        ...

    def still_held(self) -> bool:
        """True while the lock is ours (a lost database connection loses it)."""
        ...

    def release(self) -> None:
        """Give the lock up."""
        ...


class FileLeadership:
    """An OS file lock next to the SQLite file: released by the kernel when the process dies."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(path), thread_local=False)

    def try_acquire(self) -> bool:
        """Take the file lock without waiting."""
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def still_held(self) -> bool:
        """A file lock cannot be lost while the process lives."""
        return self._lock.is_locked

    def release(self) -> None:
        """Unlock the file."""
        if self._lock.is_locked:
            self._lock.release(force=True)


class AdvisoryLeadership:
    """A PostgreSQL session advisory lock on a dedicated connection: freed when that session ends."""

    def __init__(self, app: App) -> None:
        self._engine = app.database.engine
        self._connection = None

    def try_acquire(self) -> bool:
        """pg_try_advisory_lock on our own connection."""
        if self._connection is not None:
            return True
        connection = self._engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
        connection.commit()
        if got:
            self._connection = connection
        else:
            connection.close()
        return bool(got)

    def still_held(self) -> bool:
        """Check the session is alive; a dropped connection means another process may lead now."""
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1")).scalar()
            self._connection.commit()
            return True
        except Exception:
            log.warning("lost the scheduler lock's database connection")
            self._connection = None
            return False

    def release(self) -> None:
        """Unlock and close the connection."""
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None


def leadership_for(app: App) -> Leadership:
    """The leadership lock that suits the app's database."""
    if app.database.is_sqlite:
        return FileLeadership(app.settings.data_dir / "scheduler.lock")
    return AdvisoryLeadership(app)


class SchedulerSupervisor:
    """Tries for leadership every `poll_seconds`; runs the scheduler while it leads, stops it when it no longer does."""

    def __init__(self, app: App, *, poll_seconds: float) -> None:
        self.app = app
        self.poll_seconds = poll_seconds
        self.leadership = leadership_for(app)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scheduler-supervisor", daemon=True)
        self._scheduler = None

    @property
    def leading(self) -> bool:
        """True while this process runs the scheduler."""
        return self._scheduler is not None

    def start(self) -> None:
        """Begin trying for leadership in the background."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception:
                log.exception("scheduler supervision failed; trying again")
            self._stop.wait(self.poll_seconds)

    def _step(self) -> None:
        if self._scheduler is None and self.leadership.try_acquire():
            from contextfeed.jobs.scheduler import build_scheduler
            from contextfeed.services.crawl import Crawler

            self._scheduler = build_scheduler(self.app, Crawler(self.app, self.app.fetcher))
            self._scheduler.start()
            log.info("this process now runs the scheduler (crawls and sweeps)")
        elif self._scheduler is not None and not self.leadership.still_held():
            self._scheduler.shutdown(wait=False)
            self._scheduler = None

    def stop(self) -> None:
        """Stop the scheduler if running and give up leadership."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=self.poll_seconds + 5)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        self.leadership.release()
