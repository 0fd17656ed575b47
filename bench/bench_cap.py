"""Benchmark: a CAP polygon over a metro area touching 50,000 of 1M accounts, ingest to flags written, against 3 s.

    python -m bench.bench_cap [--scale 1.0] [--cache bench/results/cache] [--seed 7]

`contextfeed ingest alert.xml --kind cap` in a subprocess on a copy of the
accounts database; the time includes starting the process.
"""

from __future__ import annotations

import sys

from bench.common import Row, report, sqlite_url
from bench.world import World, cap_alert, metro_polygon
from contextfeed.clock import SystemClock

TARGET_S = 3.0


def main(argv: list[str] | None = None) -> int:
    """Ingest the alert and report the wall time against the target."""
    args, world = World.parse(__doc__, argv)
    alert = cap_alert(metro_polygon(sqlite_url(world.accounts_database())), sent=SystemClock().now())
    seconds, changes = world.timed_ingest("cap", alert, kind="cap")
    return report(
        [
            Row(
                f"CAP polygon over a metro area, {world.accounts:,} accounts: ingest to flags written",
                seconds,
                "s",
                TARGET_S,
                at_most=True,
                note=f"{changes.get('raise', 0):,} flags raised",
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
