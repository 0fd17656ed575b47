"""Benchmark: read 100,000 changes from `GET /v1/flags/changes` in pages, against 50,000 changes/s.

    python -m bench.bench_feed [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

A dialer syncing from cursor 0 of a real `contextfeed serve` on 127.0.0.1,
page after page of the default size (then of the largest), parsing each page as it goes.
"""

from __future__ import annotations

import sys
import time

import httpx
import orjson

from bench.common import Row, report, scaled, served_client
from bench.world import World
from contextfeed.dialer.feed import MAX_PAGE

FULL_CHANGES = 100_000
PAGE = 1000
TARGET_PER_S = 50_000.0


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


def main(argv: list[str] | None = None) -> int:
    """Read the feed from the start and report changes per second against the target."""
    args, world = World.parse(__doc__, argv, postgres=True)
    wanted = scaled(args, FULL_CHANGES, least=PAGE)
    with served_client(world.served_env("feed")) as (_service, client):
        read, seconds = sync(client, wanted, page=PAGE)
        largest, largest_seconds = sync(client, wanted, page=MAX_PAGE)
    note = f"{seconds:.2f} s; {largest / largest_seconds:,.0f} changes/s in pages of {MAX_PAGE:,}"
    return report(
        [
            Row(
                f"change feed: read {read:,} changes in pages of {PAGE:,}",
                read / seconds,
                "changes/s",
                TARGET_PER_S,
                at_most=False,
                note=note,
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
