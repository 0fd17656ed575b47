"""Benchmark: locate realistic account addresses offline and print accounts/s against the 10,000/s target.

The accounts are the call-centre book of `bench.world.build_accounts`; the
Locator runs in this process, without a database, so this is the locating
step of an import on its own. The probe is the floor of that work on the same
addresses: one dict lookup each, of its ZIP among the gazetteer's ZIPs or of
its lower-cased city name among its city names.

    python -m bench.bench_locate [--scale 1.0] [--cache bench/results/cache] [--seed 7]
"""

from __future__ import annotations

import random
import sys
import time

from bench.common import FULL_ACCOUNTS, Row, report, say, scaled
from bench.world import World, build_accounts
from contextfeed.geo.locate import Locator
from contextfeed.geo.model import Precision

TARGET_PER_SECOND = 10_000


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the throughput and the precisions reached."""
    args, world = World.parse(__doc__, argv)
    started = time.perf_counter()
    # A rate: at most a million addresses, held in a list so the timing leaves their generation out.
    accounts = list(build_accounts(world.gazetteer, scaled(args, FULL_ACCOUNTS), random.Random(args.seed)))
    say(f"prepared {len(accounts):,} accounts in {time.perf_counter() - started:.1f} s")

    locator = Locator(world.gazetteer)
    started = time.perf_counter()
    precisions: dict[Precision, int] = {}
    for account in accounts:
        precision = locator.locate(account).precision
        precisions[precision] = precisions.get(precision, 0) + 1
    rate = len(accounts) / (time.perf_counter() - started)
    zips, names = world.gazetteer.core.zips, world.gazetteer.cities.names
    started = time.perf_counter()
    for account in accounts:
        _ = zips.get(account.postal_code[:5]) if account.postal_code else names.get(account.city.lower())
    probe = len(accounts) / (time.perf_counter() - started)
    ordered = sorted(precisions.items(), key=lambda item: item[0].rank)
    print("by precision: " + ", ".join(f"{precision.value} {count:,}" for precision, count in ordered))
    return report(
        [
            Row(
                f"locate {len(accounts):,} accounts offline (in process)",
                rate,
                "accounts/s",
                TARGET_PER_SECOND,
                at_most=False,
                probe=probe,
                probe_what="a dict lookup of each ZIP or city name",
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
