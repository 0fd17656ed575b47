"""The change feed: cursor order, next_cursor, and a poller that never misses or repeats a change."""

from contextfeed.flags.manual import raise_manual
from tests.api.world import NOW

FEED = "/v1/flags/changes"


def poll_all(world, *, after: int = 0, limit: int) -> tuple[list[dict], int]:
    """Every change after `after`, page by page as a dialer polls; returns the changes and the last cursor."""
    seen = []
    while True:
        page = world.client.get(FEED, params={"after": after, "limit": limit}, headers=world.keys.dialer).json()
        seen += page["changes"]
        assert page["next_cursor"] >= after
        after = page["next_cursor"]
        if not page["has_more"]:
            return seen, after


def test_changes_come_in_cursor_order_with_the_phone_to_act_on(world):
    page = world.client.get(FEED, headers=world.keys.dialer).json()
    cursors = [change["cursor"] for change in page["changes"]]
    assert cursors == sorted(cursors) and page["next_cursor"] == cursors[-1] and page["has_more"] is False
    first = page["changes"][0]
    assert (first["action"], first["level"], first["event_id"]) == ("raise", "do_not_chase", world.shelter)
    assert first["phone"] == "+16175550101" and first["expires_at"] == "2013-04-19T22:05:00Z"


def test_a_poller_sees_every_change_once_even_while_changes_are_written(world):
    seen, cursor = poll_all(world, limit=3)
    with world.app.database.write() as session:
        for account in ("A004", "A009", "A001", "A003"):
            raise_manual(
                session, account, level="caution", reason="customer bereavement", actor="sup", now=NOW, expires_at=None
            )
    more, cursor = poll_all(world, after=cursor, limit=3)
    all_cursors = [change["cursor"] for change in seen + more]
    assert len(all_cursors) == len(set(all_cursors))
    assert all_cursors == list(range(1, len(all_cursors) + 1))
    assert [change["account_id"] for change in more] == ["A004", "A009", "A001", "A003"]
    empty = world.client.get(FEED, params={"after": cursor}, headers=world.keys.dialer).json()
    assert empty == {"changes": [], "next_cursor": cursor, "has_more": False}


def test_bad_cursors_and_limits_are_422_naming_the_parameter(world):
    for params, field in (
        ({"after": -1}, "after"),
        ({"after": "x"}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"after": 2**63}, "after"),
    ):
        response = world.client.get(FEED, params=params, headers=world.keys.dialer)
        assert response.status_code == 422 and response.json()["fields"][0]["field"] == field
