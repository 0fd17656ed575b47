"""Benchmark: a FEMA major-disaster declaration of 40 counties over 1M accounts, ingest to flags written, against 5 s.

    python -m bench.bench_fema [--scale 1.0] [--cache bench/results/cache] [--seed 7]

`contextfeed ingest declarations.json --kind fema` in a subprocess on a copy
of the accounts database; the time includes starting the process.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from bench.common import Row, report, sqlite_url
from bench.world import World, fema_declaration
from contextfeed.clock import SystemClock

TARGET_S = 5.0


def main(argv: list[str] | None = None) -> int:
    """Ingest the declaration and report the wall time against the target."""
    args, world = World.parse(__doc__, argv)
    declaration = fema_declaration(
        sqlite_url(world.accounts_database()), world.gazetteer, declared=SystemClock().now() - timedelta(days=1)
    )
    seconds, changes = world.timed_ingest("fema", declaration, kind="fema")
    return report(
        [
            Row(
                f"FEMA declaration of 40 counties, {world.accounts:,} accounts: ingest to flags written",
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
