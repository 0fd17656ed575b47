"""Benchmark: read 100,000 changes from `GET /v1/flags/changes` in pages of 10,000, against 300,000 changes/s and 3x its probe.

    python -m bench.bench_feed [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

A dialer syncing from cursor 0 of a real `contextfeed serve` on 127.0.0.1,
page after page of the largest size (then of the default 1,000, in the
note), parsing each page as it goes. The probe reads the same pages bare in
this process: the same columns of the same rows by one plain `SELECT` per
page on the same database, each row made a dict of the same keys and the
page encoded with orjson, as the service encodes it.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import httpx
import orjson
from sqlalchemy import text

from bench.common import Row, report, scaled, served_client
from bench.world import World, connected
from contextfeed.dialer.feed import INSTANTS, MAX_PAGE, PLAIN_KEYS

FULL_CHANGES = 100_000
DEFAULT_PAGE = 1000
TARGET_PER_S = 300_000.0
TARGET_RATIO = 3.0
RUNS = 3
# What a change says: the feed's own columns, instants as the database's text.
INSTANT_KEYS = tuple(column.key for column in INSTANTS)
BARE_PAGE = text(
    f"SELECT {', '.join(PLAIN_KEYS)}, {', '.join(f'CAST({name} AS TEXT)' for name in INSTANT_KEYS)} "
    "FROM flag_changes WHERE cursor > :after ORDER BY cursor LIMIT :limit"
)


def sync(client: httpx.Client, wanted: int, *, page: int) -> tuple[int, float]:
    """Read the feed from cursor 0 until `wanted` changes (or its end); changes read and seconds taken."""
    read, after = 0, 0
    started = time.perf_counter()
    while read < wanted:
        response = client.get("/v1/flags/changes", params={"after": after, "limit": page})
        response.raise_for_status()
        body = orjson.loads(response.content)
        read, after = read + len(body["changes"]), body["next_cursor"]
        if not body["has_more"]:
            break
    return read, time.perf_counter() - started


def bare_sync(database_url: str, wanted: int, *, page: int) -> tuple[int, float]:
    """The probe: the same pages by a plain SELECT each, encoded with orjson; changes read and seconds taken."""
    keys = (*PLAIN_KEYS, *INSTANT_KEYS)
    with connected(database_url) as connection:
        read, after = 0, 0
        started = time.perf_counter()
        while read < wanted:
            rows = connection.execute(BARE_PAGE, {"after": after, "limit": page}).all()
            orjson.dumps({"changes": [dict(zip(keys, row)) for row in rows], "has_more": len(rows) == page})
            if not rows:
                break
            read, after = read + len(rows), rows[-1][0]
        return read, time.perf_counter() - started


def median_run(run: Callable[[], tuple[int, float]]) -> tuple[int, float]:
    """The changes read and the median time of RUNS syncs (the first also warms the database's pages)."""
    runs = [run() for _ in range(RUNS)]
    return runs[0][0], statistics.median(seconds for _read, seconds in runs)


def main(argv: list[str] | None = None) -> int:
    """Read the feed from the start and report changes per second against the target."""
    args, world = World.parse(__doc__, argv, postgres=True)
    wanted = scaled(args, FULL_CHANGES, least=DEFAULT_PAGE)
    env = world.served_env("feed")
    with served_client(env) as (_service, client):
        read, seconds = median_run(lambda: sync(client, wanted, page=MAX_PAGE))
        small, small_seconds = median_run(lambda: sync(client, wanted, page=DEFAULT_PAGE))
    bare, bare_seconds = median_run(lambda: bare_sync(env["CONTEXTFEED_DATABASE_URL"], wanted, page=MAX_PAGE))
    note = f"median of {RUNS}, {seconds:.2f} s; {small / small_seconds:,.0f} changes/s in pages of {DEFAULT_PAGE:,}"
    return report(
        [
            Row(
                f"change feed: read {read:,} changes in pages of {MAX_PAGE:,}",
                read / seconds,
                "changes/s",
                TARGET_PER_S,
                at_most=False,
                note=note,
                probe=bare / bare_seconds,
                probe_what="plain SELECT of the same rows, orjson, in process",
                ratio_target=TARGET_RATIO,
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
