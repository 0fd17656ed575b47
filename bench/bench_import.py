"""Benchmark: `contextfeed accounts import` of 1,000,000 accounts from CSV (read, locate, upsert) against 180 s.

    python -m bench.bench_import [--scale 1.0] [--cache bench/results/cache] [--seed 7]

The timed run is the CLI in a subprocess on a new, migrated database; the
database it leaves is kept in the cache for the benchmarks that need accounts.
"""

from __future__ import annotations

import json
import sys

from bench.common import Row, report, say, timed_contextfeed
from bench.world import World

TARGET_S = 180.0


def main(argv: list[str] | None = None) -> int:
    """Import the generated accounts and report the wall time against the target (scaled to the size)."""
    args, world = World.parse(__doc__, argv)
    csv_path = world.accounts_csv()
    database = world.migrated("import")
    say(f"importing {world.accounts:,} accounts")
    result, seconds = timed_contextfeed("accounts", "import", csv_path, "--json", env=world.env(database))
    summary = json.loads(result.stdout)
    world.keep(database, world.accounts_database_path())
    note = (
        f"{summary['created']:,} created, {summary['rejected']:,} rejected, {world.accounts / seconds:,.0f} accounts/s"
    )
    return report(
        [
            Row(
                f"import + locate {world.accounts:,} accounts from CSV",
                seconds,
                "s",
                TARGET_S * args.scale,
                at_most=True,
                note=note,
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
