"""Benchmark: `POST /v1/suppression/check` with 100,000 account ids against 0.30 s (median of 5), and 2x its probe.

    python -m bench.bench_check [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

A real `contextfeed serve` on 127.0.0.1 over the accounts with a metro
alert and a FEMA declaration in force; the time is the client's, from
sending the request to the last byte of the answer. The probe is the same
work done bare in this process, timed the same way: parsing the same request
with orjson, 100,000 dict lookups of its ids among the answers, and encoding
the same answer with orjson. What the service adds beyond that (HTTP, the
index's layout, the calling-hours rules) is the ratio.
"""

from __future__ import annotations

import sys

import orjson

from bench.common import Row, median_seconds, post_check, report, scaled, served_client
from bench.world import World

FULL_IDS = 100_000
RUNS = 5
TARGET_S = 0.30
TARGET_RATIO = 2.0


def bare_check(body: bytes, answers: dict[str, dict]) -> bytes:
    """The probe: the request parsed, each id looked up in a dict, the answer encoded, all with orjson."""
    asked = orjson.loads(body)["account_ids"]
    return orjson.dumps({"results": [answers[account_id] for account_id in asked]})


def main(argv: list[str] | None = None) -> int:
    """Check the ids five times and report the median against the target (scaled to the number of ids)."""
    args, world = World.parse(__doc__, argv, postgres=True)
    ids = world.sample_ids(scaled(args, FULL_IDS, least=50))
    body = orjson.dumps({"account_ids": ids})
    with served_client(world.served_env("check")) as (_service, client):
        seconds = median_seconds(lambda: post_check(client, body), RUNS)
        results = orjson.loads(post_check(client, body))["results"]
    answers = {result["account_id"]: result for result in results}
    probe = median_seconds(lambda: bare_check(body, answers), RUNS)
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
                probe=probe,
                probe_what="orjson parse, dict lookups, orjson encode, in process",
                ratio_target=TARGET_RATIO,
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
