"""The suppression index holds accounts in numpy columns and writes answers from them: nothing may change."""

import threading
from datetime import timedelta

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from contextfeed.clock import FixedClock
from contextfeed.db.models import Event
from contextfeed.dialer import columns as columns_module
from contextfeed.dialer import index as index_module
from contextfeed.dialer.bulk import ONE_BY_ONE, check_json
from contextfeed.dialer.columns import FlagStore, table_from_rows
from contextfeed.dialer.index import SuppressionIndex
from contextfeed.dialer.suppression import DatabaseView, KnownAccount, suppression_check
from contextfeed.flags.query import FlagRows
from contextfeed.services.ingest import flag_engine
from tests.api.world import NOW, add_quincy_evacuation

CHECK = "/v1/suppression/check"
SEEDED = ["A001", "A002", "A003", "A004", "A009", "A020", "A099"]


def database_answer(world, account_ids, **asked) -> dict:
    """The check's answer read from the database alone, as it was before there was an index."""
    with world.app.database.read() as session:
        results = list(suppression_check(DatabaseView(session), account_ids=account_ids, phones=[], **asked))
    return orjson.loads(orjson.dumps({"results": results}))


def test_the_columns_answer_every_account_exactly_as_the_database_does(world):
    index = SuppressionIndex(world.app.database, world.app.clock)
    index.refresh()
    # Flagged, unflagged, unplaced, without a phone, unknown, asked twice; a few (result by result) and
    # more than ONE_BY_ONE (written from the columns).
    few = [*SEEDED, "NOPE", "A002", "A001"]
    for asked_ids in (few, few * (ONE_BY_ONE // len(few) + 1)):
        for purpose in ("agent", "automated"):
            for at in (NOW, NOW + timedelta(hours=30)):
                asked = {"at": at, "purpose": purpose, "calling": world.app.settings.calling}
                answer = orjson.loads(check_json(index.view(), account_ids=asked_ids, **asked))
                assert answer == database_answer(world, asked_ids, **asked)
        assert sum(result["suppress"] for result in answer["results"]) < len(asked_ids)


def test_flags_raised_and_cleared_after_the_build_reach_a_bulk_check_from_the_columns(world):
    index = SuppressionIndex(world.app.database, world.app.clock)
    index.refresh()
    asked = {"at": NOW, "purpose": "automated", "calling": world.app.settings.calling}
    many = SEEDED * (ONE_BY_ONE // len(SEEDED) + 1)

    def quincy_suppressed() -> bool:
        answer = orjson.loads(check_json(index.view(), account_ids=many, **asked))
        assert answer == database_answer(world, many, **asked)
        return next(result["suppress"] for result in answer["results"] if result["account_id"] == "A004")

    assert not quincy_suppressed()
    event_id = add_quincy_evacuation(world.app)
    index.refresh()
    assert quincy_suppressed()
    with world.app.database.write() as session:
        session.get(Event, event_id).valid_until = NOW - timedelta(minutes=1)
        flag_engine(world.app, session, now=NOW).reconcile_events([event_id])
    index.refresh()
    assert not quincy_suppressed()


def test_a_check_asked_while_the_index_is_built_is_answered_from_the_database(world, monkeypatch):
    index: SuppressionIndex = world.client.app.state.suppression_index
    reading, release = threading.Event(), threading.Event()

    def slow_table(partitions):
        reading.set()
        release.wait(30)
        return table_from_rows(partitions)

    monkeypatch.setattr(index_module, "table_from_rows", slow_table)
    index.start()
    assert reading.wait(30)
    try:
        response = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ["A002", "A004"]})
        assert response.status_code == 200
        assert index.horizon is None  # answered while the build still reads
        watertown, quincy = response.json()["results"]
        assert (watertown["suppress"], watertown["level"], quincy["suppress"]) == (True, "do_not_chase", False)
    finally:
        release.set()
    index.building.join(30)
    assert index.horizon == NOW
    after = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ["A002", "A004"]})
    assert after.json() == response.json()


ids = st.text(alphabet=st.sampled_from('AB\0é"\\9'), min_size=1, max_size=6)
phones = st.sampled_from(["", "+16175550101", "+6325550109", "0617 555", "+0123", "+1234567890123456"])
zones = st.sampled_from([None, "America/New_York", "Asia/Manila"])
rows = st.tuples(ids, phones, zones, st.sampled_from(["city", "unknown", "point"]))


@settings(max_examples=60, deadline=None)
# The database holds each id once; edits read later may repeat one.
@given(
    first=st.lists(rows, max_size=30, unique_by=lambda row: row[0]),
    later=st.lists(rows, max_size=30),
    fold_at=st.integers(1, 8),
)
def test_the_columns_find_what_a_dict_of_the_same_rows_finds(first, later, fold_at):
    # Ids with NULs, phones that are not E.164 and edits folded in at any point are all kept exactly.
    columns_module.FOLD_AT, saved = fold_at, columns_module.FOLD_AT
    try:
        expected = {row[0]: KnownAccount(row[0], row[1], row[2], row[3] != "unknown") for row in [*first, *later]}
        table = table_from_rows([first[: len(first) // 2], first[len(first) // 2 :]]).remember(later)
    finally:
        columns_module.FOLD_AT = saved
    asked = [*expected, "A", "A\0", "\0", "never"]
    assert table.accounts(asked) == {key: expected[key] for key in asked if key in expected}


def test_flags_of_an_account_read_again_replace_its_old_ones_and_leave_others_alone(world):
    index = SuppressionIndex(world.app.database, world.app.clock)
    index.refresh()
    store: FlagStore = index.memory.stored
    watertown = store.stored("A002")
    assert watertown is not None and {flag.level for flag in watertown.flags} == {"do_not_chase"}
    assert store.stored("A004") is None
    store.keep(FlagRows([], {}, []), ["A002"])
    assert store.stored("A002") is None
    assert store.stored("A020") is not None


def test_the_index_says_when_checks_are_answered_from_memory(world):
    before = world.client.get("/v1/suppression/index", headers=world.keys.dialer).json()
    assert before["in_memory"] is False and before["build_seconds"] is None
    world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ["A001"]})

    after = world.client.get("/v1/suppression/index", headers=world.keys.dialer).json()
    assert after["in_memory"] is True and after["accounts"] == len(SEEDED) and after["flagged_accounts"] >= 2
    assert world.client.get("/v1/suppression/index", headers=world.keys.agent).status_code == 403


def test_ids_that_need_escaping_in_json_are_written_from_the_columns_as_the_results_encode_them(world):
    # Quotes, backslashes and accents in ids, phones and none: the columns' answer equals encoding the results.
    odd = ['Q"1', "B\\2", "é3", "plain4"]
    rows = [
        (account_id, "+16175550101" if i % 2 else "", "America/New_York", "city") for i, account_id in enumerate(odd)
    ]
    memory = index_module.Memory(table_from_rows([rows]), FlagStore(), index_module.Backlog(0))
    view = index_module.IndexView(world.app.database, memory)
    asked_ids = [*odd, 'never"5'] * (ONE_BY_ONE // len(odd) + 1)
    asked = {"at": NOW, "purpose": "agent", "calling": world.app.settings.calling}
    results = list(suppression_check(view, account_ids=asked_ids, phones=[], **asked))
    assert check_json(view, account_ids=asked_ids, **asked) == orjson.dumps({"results": results})
    assert [result["status"] for result in results[:5]] != ["unknown_account"] * 5


def test_flags_raised_on_accounts_no_one_edited_are_followed_without_reading_their_rows_again(world):
    later = NOW + 2 * index_module.ACCOUNTS_OVERLAP  # the accounts were last written at NOW
    index = SuppressionIndex(world.app.database, FixedClock(later))
    index.refresh()
    asked = {"at": later, "purpose": "agent", "calling": world.app.settings.calling}
    add_quincy_evacuation(world.app)
    index.refresh()
    answer = orjson.loads(check_json(index.view(), account_ids=SEEDED, **asked))
    assert answer == database_answer(world, SEEDED, **asked)
    assert next(result["suppress"] for result in answer["results"] if result["account_id"] == "A004")
    assert not index.memory.accounts.extra, "rows nobody wrote were kept aside again"
