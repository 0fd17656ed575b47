"""Run every benchmark, each in its own process, and print one table: what, measured, probe, ratio, target, result.

    python -m bench [--scale 1.0 | --accounts N] [--cache bench/results/cache] [--seed 7] [--only import,check]
                    [--database-url postgresql+psycopg://USER@HOST:PORT/postgres]

`make bench` runs this at full size (1,000,000 accounts; about 15 minutes on
2 cores, plus a few minutes the first time to generate and import the data).
The table is also written to bench/results/latest.md. `--scale 10` builds the
10,000,000-account world the targets are set for (bench/results/latest-10m.md);
it takes hours on 2 cores the first time (generating, importing, flagging).

With --database-url the benchmarks that serve the API (check, load, feed,
memory) run on that PostgreSQL server instead, their rows labelled so, and
the table goes to bench/results/latest-postgres.md; the others measure the
CLI on SQLite and run only when named in --only. The world's databases are
built on the server the first time (about 15 minutes at full size on 2
cores) and kept there for the next run: `make bench-postgres` runs this on
a throwaway cluster, or on the server in BENCH_DATABASE_URL.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.common import FULL_ACCOUNTS, RESULTS, TARGET_ACCOUNTS, parse_scale, parser, read_rows, table

# In this order the import builds the cached accounts database before the benchmarks that read it.
BENCHMARKS = (
    "locate",
    "import",
    "cold_start",
    "cap",
    "fema",
    "news",
    "corpora",
    "policy",
    "check",
    "load",
    "feed",
    "memory",
    "writes",
)
# The benchmarks that take --database-url: they measure the served API, which runs on either database.
ON_POSTGRES = ("check", "load", "feed", "memory")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; exit 1 when one of them failed to run (a missed target is not a failure)."""
    arguments = parser(__doc__, postgres=True)
    arguments.add_argument("--only", help=f"comma-separated names among {', '.join(BENCHMARKS)}")
    args = parse_scale(arguments, argv)
    chosen = args.only.split(",") if args.only else ON_POSTGRES if args.database_url else BENCHMARKS
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        arguments.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    with tempfile.TemporaryDirectory() as scratch:
        rows_file = Path(scratch) / "rows.jsonl"
        for name in chosen:
            print(f"\n== bench_{name}", flush=True)
            command = [
                sys.executable,
                "-m",
                f"bench.bench_{name}",
                "--scale",
                str(args.scale),
                "--cache",
                str(args.cache),
                "--seed",
                str(args.seed),
                "--rows",
                str(rows_file),
            ]
            if args.database_url and name in ON_POSTGRES:
                command += ["--database-url", args.database_url]
            if subprocess.run(command).returncode != 0:
                failed.append(name)
        rows = read_rows(rows_file)
    summary = table(rows)
    if args.database_url:
        summary += "\n\n" + sqlite_only_note(chosen)
    print(f"\n{summary}")
    # Only the two sizes the README quotes are kept: the default 1M world and the 10M one.
    kept = {FULL_ACCOUNTS: "latest", TARGET_ACCOUNTS: "latest-10m"}.get(round(args.scale * FULL_ACCOUNTS))
    if kept:
        RESULTS.mkdir(parents=True, exist_ok=True)
        latest = f"{kept}-postgres.md" if args.database_url else f"{kept}.md"
        (RESULTS / latest).write_text(summary + "\n", encoding="utf-8")
    if failed:
        print(f"\nfailed to run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def sqlite_only_note(chosen: Sequence[str]) -> str:
    """Which benchmarks of a PostgreSQL run measured SQLite, and which it left out."""
    ran = [name for name in chosen if name not in ON_POSTGRES]
    left_out = [name for name in BENCHMARKS if name not in ON_POSTGRES and name not in chosen]
    lines = [f"Ran on SQLite (no PostgreSQL path): {', '.join(ran)}."] if ran else []
    if left_out:
        lines.append(f"Not run (SQLite only; `make bench` runs them): {', '.join(left_out)}.")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
