"""A long write elsewhere (a CLI ingest or import holding SQLite's write lock) never stops the dialer's checks."""

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import make_url

from tests.api.conftest import seeded_template, world  # noqa: F401  (fixtures)
from tests.conftest import sqlite_only


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
