"""The suppression check answers from memory: it must never lag what other writers committed."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import timedelta

import pytest
from sqlalchemy import text

from contextfeed.accounts.csvfile import AccountRecord
from contextfeed.dialer import index as suppression_index
from contextfeed.dialer import suppression as suppression_module
from contextfeed.dialer.index import SuppressionIndex
from contextfeed.flags.query import read_flags
from tests.api.world import add_accounts, add_quincy_evacuation, make_app, wait_for

CHECK = "/v1/suppression/check"


def check(world, *account_ids: str) -> dict[str, dict]:
    """The check's results by account id."""
    response = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": list(account_ids)})
    assert response.status_code == 200
    return {result["account_id"]: result for result in response.json()["results"]}


@pytest.fixture
def other_writer(world):
    """Another App on the same database, as a crawler in another process would be."""
    app = make_app()
    yield app
    app.database.dispose()


def test_a_flag_another_process_raises_after_the_index_is_built_suppresses_the_next_check(world, other_writer):
    assert check(world, "A004")["A004"]["suppress"] is False
    add_quincy_evacuation(other_writer)

    quincy = check(world, "A004")["A004"]
    assert quincy["suppress"] is True and quincy["level"] == "do_not_chase"


def test_a_supervisors_release_lets_the_next_check_call(world):
    watertown = check(world, "A002")["A002"]
    assert watertown["suppress"] is True
    flag_id = watertown["reasons"][0]["flag_id"]

    released = world.client.delete(
        f"/v1/flags/{flag_id}",
        headers=world.keys.admin,
        params={"reason": "customer confirmed they are safe and asked to be called"},
    )
    assert released.status_code == 200, released.text
    assert check(world, "A002")["A002"]["suppress"] is False


def test_an_account_imported_after_the_index_is_built_is_known_at_once(world, other_writer):
    assert check(world, "A777")["A777"]["status"] == "unknown_account"
    add_accounts(
        other_writer,
        [AccountRecord("A777", "Quincy Bakery", "+16175550777", "5 Hancock St", "Quincy", "MA", "02169", "US")],
    )

    bakery = check(world, "A777")["A777"]
    assert (bakery["status"], bakery["phone"], bakery["suppress"]) == ("ok", "+16175550777", False)


def test_an_edit_that_changes_no_flag_is_read_again_on_the_follower_s_next_pass(world, other_writer, monkeypatch):
    assert check(world, "A009")["A009"]["phone"] == "+6325550109"
    monkeypatch.setattr(suppression_index, "ACCOUNTS_EVERY", 0.0)
    add_accounts(
        other_writer, [AccountRecord("A009", "Makati Trading", "+6325550999", "Ayala Ave", "Manila", "", "", "PH")]
    )

    # The check does not wait for that pass: it starts it, and a later check reads what it read.
    wait_for(lambda: check(world, "A009")["A009"]["phone"] == "+6325550999")


def test_checks_do_not_wait_while_the_index_reads_a_burst_of_changes_and_its_accounts_are_answered_fresh(
    world, other_writer, monkeypatch
):
    index: SuppressionIndex = world.client.app.state.suppression_index
    before = check(world, "A004", "A001")  # built
    assert before["A004"]["suppress"] is False
    reading, release = threading.Event(), threading.Event()

    def slow_read_flags(*args, **kwargs):
        reading.set()
        release.wait(30)
        return read_flags(*args, **kwargs)

    monkeypatch.setattr(suppression_index, "read_flags", slow_read_flags)
    add_quincy_evacuation(other_writer)
    try:
        started = time.monotonic()
        during = check(world, "A004", "A001")
        assert reading.wait(10)  # the follower is reading the change in, and stays there until released
        again = check(world, "A004", "A001")
        # Neither check waited for the follower: the changed account came from the database, the other from memory.
        assert time.monotonic() - started < 10
        assert during["A004"]["level"] == again["A004"]["level"] == "do_not_chase"
        assert during["A001"] == again["A001"] == before["A001"]
    finally:
        release.set()
    wait_for(lambda: index.state()["cursor"] == index.newest_cursor())
    assert check(world, "A004", "A001") == again


def test_the_log_s_new_changes_reach_the_backlog_while_the_follower_is_still_reading_accounts_in(
    world, other_writer, monkeypatch
):
    quincy = [AccountRecord(f"Q{n}", "Quincy Shop", "", "", "Quincy", "MA", "02169", "US") for n in (1, 2)]
    add_accounts(other_writer, quincy[:1])
    index = SuppressionIndex(world.app.database, world.app.clock)
    index.refresh()  # built
    add_quincy_evacuation(other_writer)  # names A004 and Q1: two chunks of one account
    monkeypatch.setattr(suppression_module, "CHUNK", 1)
    committed, backlog_seen = [], []

    def read_flags_while_writing(*args, **kwargs):
        if not committed:  # another writer places Q2 under the order while the first chunk is read
            add_accounts(other_writer, quincy[1:])
            committed.append(index.newest_cursor())
        else:
            backlog_seen.append(index.memory.backlog.through)
        return read_flags(*args, **kwargs)

    monkeypatch.setattr(suppression_index, "read_flags", read_flags_while_writing)
    index.refresh()
    assert backlog_seen and backlog_seen[0] >= committed[0] > 0


def test_between_chunks_the_follower_never_waits_for_a_writer_of_the_log_to_finish(world):
    index = SuppressionIndex(world.app.database, world.app.clock)
    index.refresh()  # built
    pool = ThreadPoolExecutor(1)
    try:
        with world.app.database.write() as writer:
            writer.execute(text("UPDATE flag_changes SET reason = reason"))  # an ingest's batch, still open
            reading = pool.submit(index.read_log, index.memory, wait=False)
            finished = wait([reading], timeout=5).done
    finally:
        pool.shutdown(wait=True)  # the writer has ended: a read that waited for it ends too
    assert finished, "the follower's read of the log waited for an open writer"
    reading.result()
