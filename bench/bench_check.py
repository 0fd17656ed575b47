"""Benchmark: `POST /v1/suppression/check` with 100,000 account ids against 1.0 s (median of 5).

    python -m bench.bench_check [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

A real `contextfeed serve` on 127.0.0.1 over the 1M accounts with a metro
alert and a FEMA declaration in force; the time is the client's, from
sending the request to the last byte of the answer.
"""

from __future__ import annotations

import sys

import orjson

from bench.common import Row, median_seconds, post_check, report, scaled, served_client
from bench.world import World

FULL_IDS = 100_000
RUNS = 5
TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    """Check the ids five times and report the median against the target (scaled to the number of ids)."""
    args, world = World.parse(__doc__, argv, postgres=True)
    ids = world.sample_ids(scaled(args, FULL_IDS, least=50))
    body = orjson.dumps({"account_ids": ids})
    with served_client(world.served_env("check")) as (_service, client):
        seconds = median_seconds(lambda: post_check(client, body), RUNS)
        results = orjson.loads(post_check(client, body))["results"]
    suppressed = sum(result["suppress"] for result in results if result["status"] == "ok")
    return report(
        [
            Row(
                f"POST /v1/suppression/check with {len(ids):,} ids (median of {RUNS})",
                seconds,
                "s",
                TARGET_S * len(ids) / FULL_IDS,
                at_most=True,
                note=f"{suppressed:,} suppressed",
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
