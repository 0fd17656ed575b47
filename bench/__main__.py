"""Run every benchmark, each in its own process, and print one table: what, measured, target, pass/miss.

    python -m bench [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--only import,check]

`make bench` runs this at full size (1,000,000 accounts; about 15 minutes on
2 cores, plus a few minutes the first time to generate and import the data).
The table is also written to bench/results/latest.md.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import RESULTS, parser, read_rows, table

# In this order the import builds the cached accounts database before the benchmarks that read it.
BENCHMARKS = ("locate", "import", "cold_start", "cap", "fema", "news", "check", "load", "feed", "memory")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks; exit 1 when one of them failed to run (a missed target is not a failure)."""
    arguments = parser(__doc__)
    arguments.add_argument("--only", help=f"comma-separated names among {', '.join(BENCHMARKS)}")
    args = arguments.parse_args(argv)
    chosen = args.only.split(",") if args.only else BENCHMARKS
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        arguments.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    with tempfile.TemporaryDirectory() as scratch:
        rows_file = Path(scratch) / "rows.jsonl"
        for name in chosen:
            print(f"\n== bench_{name}", flush=True)
            command = [sys.executable, "-m", f"bench.bench_{name}", "--scale", str(args.scale),
                       "--cache", str(args.cache), "--seed", str(args.seed), "--rows", str(rows_file)]
            if subprocess.run(command).returncode != 0:
                failed.append(name)
        rows = read_rows(rows_file)
    summary = table(rows)
    print(f"\n{summary}")
    if args.scale == 1.0:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "latest.md").write_text(summary + "\n", encoding="utf-8")
    if failed:
        print(f"\nfailed to run: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
