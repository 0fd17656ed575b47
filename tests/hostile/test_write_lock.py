"""A long write elsewhere (a CLI ingest or import holding SQLite's write lock) never stops the dialer's checks."""

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from contextfeed.bootstrap import App
from contextfeed.clock import FixedClock
from contextfeed.config import load_settings
from contextfeed.db import engine as engine_module
from contextfeed.db.engine import Database, make_engine
from contextfeed.db.migrate import upgrade
from contextfeed.db.models import Flag
from contextfeed.services import ingest
from contextfeed.services.accounts import import_accounts_file
from contextfeed.services.ingest import ingest_document
from contextfeed.sources.parse import parse_document
from tests.api.conftest import seeded_template, world  # noqa: F401  (fixtures)
from tests.conftest import sqlite_only

SCENARIO = Path(__file__).resolve().parents[2] / "contextfeed" / "training" / "scenarios" / "boston-2013"
BOSTON_MORNING = datetime(2013, 4, 19, 11, 0, tzinfo=UTC)


@sqlite_only("the write lock is SQLite's")
def test_checks_are_answered_at_once_while_another_process_holds_the_write_lock(world, database_url):
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what `contextfeed ingest` of a 50,000-item wire holds for a minute
    try:
        with ThreadPoolExecutor(4) as pool:
            started = time.monotonic()
            answers = list(
                pool.map(
                    lambda _: world.client.post(
                        "/v1/suppression/check", headers=world.keys.dialer, json={"account_ids": ["A001"]}
                    ),
                    range(8),
                )
            )
            elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [answer.status_code for answer in answers] == [200] * 8
    assert elapsed < 5, f"checks waited {elapsed:.1f} s behind the write lock"


def test_a_key_s_last_use_is_still_recorded_once_the_lock_is_free(world):
    assert (
        world.client.post(
            "/v1/suppression/check", headers=world.keys.dialer, json={"account_ids": ["A001"]}
        ).status_code
        == 200
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        keys = world.client.get("/v1/keys", headers=world.keys.admin).json()["keys"]
        if next(key for key in keys if key["scope"] == "dialer")["last_used_at"] == "2013-04-19T11:00:00Z":
            return
        time.sleep(0.1)
    raise AssertionError("the dialer key's last use was never recorded")


class LockProbingGeoparser:
    """A geoparser that, for each news item, notes whether another process could take the write lock then."""

    def __init__(self, database_path: str) -> None:
        self.database_path = database_path
        self.lock_free: list[bool] = []

    def parse(self, text: str, *, home: str | None = None) -> list:
        other = sqlite3.connect(self.database_path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            self.lock_free.append(True)
        except sqlite3.OperationalError:  # "database is locked": the ingest holds it while geoparsing
            self.lock_free.append(False)
        finally:
            other.close()
        return []


@sqlite_only("the write lock is SQLite's")
def test_an_ingest_geoparses_its_news_before_it_takes_the_write_lock(migrated):
    geoparser = LockProbingGeoparser(make_url(migrated).database)
    app = App(load_settings(), clock=FixedClock(BOSTON_MORNING), geoparser=geoparser)
    try:
        document = (SCENARIO / "feeds" / "news.rss").read_bytes()
        report = ingest_document(app, "wire", parse_document("rss", document, source="wire"), kind="rss")
    finally:
        app.close()
    assert report.new > 0 and not report.errors
    assert geoparser.lock_free and all(geoparser.lock_free), "the write lock was held while the news was read"


class CountingDatabase(Database):
    """The real database, counting its write transactions."""

    writes = 0

    @contextmanager
    def write(self) -> Iterator[Session]:
        self.writes += 1
        with super().write() as session:
            yield session


def boston_news_ingested(tmp_path: Path, name: str) -> tuple[dict, int, list]:
    """Boston's accounts and news wire ingested into a new database: the report, write transactions, the flags."""
    url = f"sqlite:///{tmp_path / name}"
    upgrade(url)
    database = CountingDatabase(make_engine(url))
    app = App(load_settings(), clock=FixedClock(BOSTON_MORNING), database=database)
    try:
        import_accounts_file(app, SCENARIO / "accounts.csv")
        database.writes = 0
        document = (SCENARIO / "feeds" / "news.rss").read_bytes()
        report = ingest_document(app, "wire", parse_document("rss", document, source="wire"), kind="rss")
        with database.read() as session:
            flags = sorted(tuple(row) for row in session.execute(select(Flag.account_id, Flag.level, Flag.reason)))
    finally:
        app.close()
    return report.as_json(), database.writes, flags


@sqlite_only("the write lock is SQLite's")
def test_a_long_wire_is_stored_in_short_transactions_with_the_outcome_of_one(tmp_path, monkeypatch):
    whole = boston_news_ingested(tmp_path, "whole.db")
    monkeypatch.setattr(ingest, "INGEST_BATCH", 2)
    batched = boston_news_ingested(tmp_path, "batched.db")
    assert whole[0]["new"] == 7 and whole[2], "the wire raised no flags to compare"
    assert (batched[0], batched[2]) == (whole[0], whole[2])
    assert batched[1] >= 4 + whole[1] - 1  # 7 items two at a time: four transactions where there was one


@sqlite_only("the write lock is SQLite's")
def test_a_wire_whose_transactions_hold_the_lock_too_long_goes_on_in_smaller_ones(tmp_path, monkeypatch):
    whole = boston_news_ingested(tmp_path, "whole.db")
    monkeypatch.setattr(ingest, "FIRST_INGEST_BATCH", 3)
    monkeypatch.setattr(ingest, "INGEST_LOCK_S", 0.0)  # every transaction holds the lock longer than wished
    shrunk = boston_news_ingested(tmp_path, "shrunk.db")
    assert (shrunk[0], shrunk[2]) == (whole[0], whole[2])
    assert shrunk[1] == whole[1] - 1 + 5  # 7 items: 3, then one at a time


def test_the_next_batch_is_sized_to_hold_the_lock_as_long_as_wished_and_grows_at_most_twofold():
    wished = ingest.INGEST_LOCK_S
    assert ingest.next_batch_size(400, held_s=wished * 4) == 100
    assert ingest.next_batch_size(400, held_s=wished / 10) == 800
    assert ingest.next_batch_size(ingest.INGEST_BATCH, held_s=wished / 10) == ingest.INGEST_BATCH
    assert ingest.next_batch_size(1, held_s=wished * 100) == 1


def cli_priority(environment: dict[str, str], *args: str, nice: int = 0) -> int:
    """The niceness `contextfeed ARGS` runs its work at, in a process of its own started at `nice`."""
    report = (
        f"import os, sys; from contextfeed.cli import main; os.nice({nice}); status = main(sys.argv[1:]); "
        "print('priority', os.getpriority(os.PRIO_PROCESS, 0)); sys.exit(status)"
    )
    done = subprocess.run(
        [sys.executable, "-c", report, *args], env={**os.environ, **environment}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.rsplit("priority", 1)[1])


def test_imports_and_ingests_yield_the_cores_to_the_service_and_never_raise_an_operator_s_nice(
    cli, environment, tmp_path
):
    assert cli("db", "upgrade")[0] == 0
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        "account_id,name,phone,address,city,region,postal_code,country,lat,lon\nN1,Ann,,,Quincy,MA,,US,42.25,-71.0\n"
    )
    configured = load_settings().service.batch_niceness
    assert configured > 0
    assert cli_priority(environment, "accounts", "import", str(accounts)) == configured
    assert (
        cli_priority(environment, "ingest", str(SCENARIO / "feeds" / "mema_shelter_in_place.xml"), "--kind", "cap")
        == configured
    )
    assert cli_priority(environment, "accounts", "import", str(accounts), nice=19) == 19


@sqlite_only("the write lock is SQLite's")
def test_a_writer_is_not_starved_by_another_that_commits_and_begins_again_at_once(database_url, monkeypatch):
    upgrade(database_url)
    bulk = Database(make_engine(database_url))
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 2_500)
    other = Database(make_engine(database_url))

    def back_to_back_batches() -> None:  # as a 50,000-item ingest writes, each batch holding the lock a second
        for _ in range(6):
            with bulk.write() as session:
                session.execute(text("UPDATE alembic_version SET version_num = version_num"))
                time.sleep(1.0)

    with ThreadPoolExecutor(1) as pool:
        batches = pool.submit(back_to_back_batches)
        time.sleep(0.5)
        with other.write() as session:  # fails with "database is locked" after 2.5 s unless the batches make way
            session.execute(text("UPDATE alembic_version SET version_num = version_num"))
        assert not batches.done()
        batches.result()
