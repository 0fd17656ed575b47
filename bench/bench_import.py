"""Benchmark: `contextfeed accounts import` of the world's accounts from CSV (read, locate, upsert): 10M in 15 min.

    python -m bench.bench_import [--scale 1.0] [--cache bench/results/cache] [--seed 7]

The timed run is the CLI in a subprocess on a new, migrated database; the
database it leaves is kept in the cache for the benchmarks that need accounts.
The target is a rate, the issue's 10,000,000 accounts in 900 s, scaled to
the world's size. The probe reads the same CSV with Python's csv module and
inserts every row as it is into the accounts table (same schema, same
indexes) of another new database, in one transaction of batches of 10,000
with sqlite3, placing nothing: what reading and storing the book costs
here, without the locating, validation and upserting that make the import.
Like the import's first load, it builds the phone, point and postal code
indexes after the rows rather than row by row.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import sys
import time
from itertools import islice
from pathlib import Path

from sqlalchemy import create_engine

from bench.common import TARGET_ACCOUNTS, Row, report, say, sqlite_url, timed_contextfeed
from bench.world import World
from contextfeed.accounts.csvfile import COLUMNS
from contextfeed.accounts.store import build_missing_indexes, drop_scattered_indexes

TARGET_S = 900.0
BATCH = 10_000
# The stored columns the CSV has no value for: an account not placed yet, stamped now.
UNPLACED = {"loc_precision": "unknown", "loc_source": "none", "loc_note": ""}
STAMPS = ("created_at", "updated_at")


def bare_import(csv_path: Path, database: Path) -> int:
    """The probe: the CSV's rows inserted as they are into the accounts table; how many."""
    columns = (*COLUMNS, *UNPLACED, *STAMPS)
    statement = f"INSERT INTO accounts ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000000", time.gmtime())
    fixed = (*UNPLACED.values(), stamp, stamp)
    coordinates = (COLUMNS.index("lat"), COLUMNS.index("lon"))
    inserted = 0
    indexes = create_engine(sqlite_url(database))
    with indexes.begin() as ddl:
        drop_scattered_indexes(ddl)
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        with csv_path.open(newline="", encoding="utf-8") as source, connection:
            rows = csv.reader(source)
            next(rows)
            while batch := list(islice(rows, BATCH)):
                for row in batch:
                    for position in coordinates:
                        row[position] = float(row[position]) if row[position] else None
                connection.executemany(statement, [(*row, *fixed) for row in batch])
                inserted += len(batch)
    finally:
        connection.close()
    with indexes.begin() as ddl:
        build_missing_indexes(ddl)
    indexes.dispose()
    return inserted


def main(argv: list[str] | None = None) -> int:
    """Import the generated accounts and report the wall time against the target (scaled to the size)."""
    args, world = World.parse(__doc__, argv)
    csv_path = world.accounts_csv()
    database = world.migrated("import")
    say(f"importing {world.accounts:,} accounts")
    result, seconds = timed_contextfeed("accounts", "import", csv_path, "--json", env=world.env(database))
    summary = json.loads(result.stdout)
    world.keep(database, world.accounts_database_path())
    say(f"probe: inserting the same {world.accounts:,} rows without placing them")
    bare = world.migrated("import-probe")
    started = time.perf_counter()
    bare_import(csv_path, bare)
    probe = time.perf_counter() - started
    note = (
        f"{summary['created']:,} created, {summary['rejected']:,} rejected, {world.accounts / seconds:,.0f} accounts/s"
    )
    return report(
        [
            Row(
                f"import + locate {world.accounts:,} accounts from CSV",
                seconds,
                "s",
                TARGET_S * world.accounts / TARGET_ACCOUNTS,
                at_most=True,
                note=note,
                probe=probe,
                probe_what="csv module + sqlite3 inserts of the same rows, unplaced",
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
