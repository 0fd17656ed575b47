"""Benchmark: resident memory of `contextfeed serve` with 1M accounts, after real work, against 1.5 GB.

    python -m bench.bench_memory [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

Serves the flagged 1M-account database on 127.0.0.1, answers a 100,000-id
bulk check, a thousand single checks and ten pages of the change feed, then
reads VmRSS (and the peak, VmHWM) of the process from /proc.
"""

from __future__ import annotations

import sys

import orjson

from bench.common import Row, memory_gb, post_check, report, scaled, served_client
from bench.world import World

BULK_IDS = 100_000
SINGLE_CHECKS = 1000
FEED_PAGES = 10
TARGET_GB = 1.5


def main(argv: list[str] | None = None) -> int:
    """Serve, do the work, and report the resident memory against the target."""
    args, world = World.parse(__doc__, argv, postgres=True)
    ids = world.sample_ids(BULK_IDS)
    with served_client(world.served_env("memory")) as (service, client):
        post_check(client, orjson.dumps({"account_ids": ids}))
        for account_id in ids[: scaled(args, SINGLE_CHECKS, least=10)]:
            post_check(client, orjson.dumps({"account_ids": [account_id]}))
        after = 0
        for _ in range(FEED_PAGES):
            response = client.get("/v1/flags/changes", params={"after": after, "limit": 1000})
            after = response.raise_for_status().json()["next_cursor"]
        resident, peak = memory_gb(service.pid)
    return report(
        [
            Row(
                f"service memory with {world.accounts:,} accounts (RSS after checks and feed reads)",
                resident,
                "GB",
                TARGET_GB,
                at_most=True,
                note=f"peak {peak:.2f} GB",
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
