"""Benchmark: a FEMA major-disaster declaration of 40 counties over the accounts, ingest to flags written, against 5 s.

    python -m bench.bench_fema [--scale 1.0] [--cache bench/results/cache] [--seed 7]

`contextfeed ingest declarations.json --kind fema` in a subprocess on a copy
of the accounts database; the time includes starting the process. The probe
(bench/probes.py) starts the CLI, reads the accounts of the 40 counties by one
plain `SELECT` and inserts a flag and a change for each with sqlite3.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from bench.common import Row, report, sqlite_url
from bench.probes import bare_ingest, read_rows
from bench.world import DECLARATION_COUNTIES, World, declared_counties, fema_declaration
from contextfeed.clock import SystemClock

TARGET_S = 5.0


def main(argv: list[str] | None = None) -> int:
    """Ingest the declaration and report the wall time against the target."""
    args, world = World.parse(__doc__, argv)
    database = world.accounts_database()
    url = sqlite_url(database)
    declaration = fema_declaration(url, world.gazetteer, declared=SystemClock().now() - timedelta(days=1))
    seconds, changes = world.timed_ingest("fema", declaration, kind="fema")
    counties = declared_counties(url, DECLARATION_COUNTIES)
    in_counties = f"SELECT account_id FROM accounts WHERE loc_county_fips IN ({', '.join('?' for _ in counties)})"
    probe = bare_ingest(
        world.env(database),
        world.work("fema-probe"),
        lambda: [row[0] for row in read_rows(database, in_counties, counties)],
    )
    return report(
        [
            Row(
                f"FEMA declaration of 40 counties, {world.accounts:,} accounts: ingest to flags written",
                seconds,
                "s",
                TARGET_S,
                at_most=True,
                note=f"{changes.get('raise', 0):,} flags raised",
                probe=probe,
                probe_what="CLI start, SELECT by county, sqlite3 inserts",
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
