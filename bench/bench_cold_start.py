"""Benchmark: cold start of the CLI, `contextfeed flags --help` and `contextfeed flags --account X`, against 1 s.

    python -m bench.bench_cold_start [--scale 1.0] [--cache bench/results/cache] [--seed 7]

Each is a fresh process (median of 5) on the flagged 1M-account database
with the gazetteer index already built; the account asked about has a flag.
The probe is the interpreter alone: `python -c pass` in a fresh process.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from bench.common import Row, contextfeed, median_seconds, report
from bench.world import World

RUNS = 5
TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    """Time both commands and report each against the target."""
    args, world = World.parse(__doc__, argv)
    env = world.served_env("cold-start")
    database = env["CONTEXTFEED_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        flagged = connection.execute("SELECT account_id FROM flags ORDER BY id LIMIT 1").fetchone()[0]
    runs = RUNS if args.scale >= 1 else 1
    helped = median_seconds(lambda: contextfeed("flags", "--help", env=env), runs)
    answered = median_seconds(lambda: contextfeed("flags", "--account", flagged, env=env), runs)
    probe = median_seconds(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True), runs)
    return report(
        [
            Row(
                f"cold start: contextfeed flags --help (median of {runs})",
                helped,
                "s",
                TARGET_S,
                at_most=True,
                probe=probe,
                probe_what="python -c pass",
            ),
            Row(
                f"cold start: contextfeed flags --account {flagged}, {world.accounts:,} accounts (median of {runs})",
                answered,
                "s",
                TARGET_S,
                at_most=True,
                probe=probe,
                probe_what="python -c pass",
            ),
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
