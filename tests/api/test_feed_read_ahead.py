"""The change feed reads the page after a full one ahead of the dialer, and never serves one that could lack changes."""

from contextfeed.flags.manual import raise_manual
from tests.api.world import NOW, client_for, make_app, wait_for

FEED = "/v1/flags/changes"


def page(client, world, *, after: int, limit: int) -> dict:
    """One page of the feed, as a dialer asks for it."""
    response = client.get(FEED, params={"after": after, "limit": limit}, headers=world.keys.dialer)
    assert response.status_code == 200, response.text
    return response.json()


def recorded_reads(client) -> list[tuple[int, int]]:
    """Every (after, limit) the service reads from the database from now on, in order."""
    read_ahead = client.app.state.feed_read_ahead
    reads, read = [], read_ahead.read

    def recording(after: int, limit: int):
        reads.append((after, limit))
        return read(after, limit)

    read_ahead.read = recording
    return reads


def test_the_page_after_a_full_one_is_read_before_the_dialer_asks_and_served_once(world):
    with client_for(world.app) as client:  # one event loop for every request, as under uvicorn
        everything = page(client, world, after=0, limit=1000)["changes"]
        reads = recorded_reads(client)

        first = page(client, world, after=0, limit=1)
        assert first["has_more"] is True
        wait_for(lambda: (first["next_cursor"], 1) in reads)
        second = page(client, world, after=first["next_cursor"], limit=1)

    assert reads.count((first["next_cursor"], 1)) == 1
    assert first["changes"] + second["changes"] == everything[:2]


def test_a_change_committed_after_a_short_page_was_read_ahead_still_reaches_the_dialer(world):
    with client_for(world.app) as client:
        existing = len(page(client, world, after=0, limit=1000)["changes"])
        reads = recorded_reads(client)
        limit = existing - 1  # the page after the first holds the last change only: short
        first = page(client, world, after=0, limit=limit)
        wait_for(lambda: (first["next_cursor"], limit) in reads)

        crawler = make_app()
        with crawler.database.write() as session:
            raise_manual(
                session, "A004", level="caution", reason="customer bereavement", actor="sup", now=NOW, expires_at=None
            )
        crawler.database.dispose()
        second = page(client, world, after=first["next_cursor"], limit=limit)

    assert [change["account_id"] for change in second["changes"]][-1] == "A004"
    assert second["next_cursor"] == existing + 1
