"""A long write elsewhere (a CLI ingest or import holding SQLite's write lock) never stops the dialer's checks."""

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from contextfeed.bootstrap import App
from contextfeed.clock import FixedClock
from contextfeed.config import load_settings
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
