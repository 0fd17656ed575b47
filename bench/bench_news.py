"""Benchmark: ingest a wire of 10,000 news entries (geoparsing, crisis reading, flags) against 500 entries/s.

    python -m bench.bench_news [--scale 1.0] [--cache bench/results/cache] [--seed 7]

`contextfeed ingest wire.rss --kind rss` in a subprocess on a copy of the
accounts database; the time includes starting the process. The probe
(bench/probes.py) starts the CLI, parses the same wire with feedparser (what
the ingest reads RSS with) and inserts two rows per item with sqlite3: the
reading and storing of a wire, without the geoparsing, crisis reading and
matching that make the ingest.
"""

from __future__ import annotations

import random
import sys

import feedparser

from bench.common import Row, report, scaled
from bench.probes import bare_ingest
from bench.world import World, news_feed
from contextfeed.clock import SystemClock

FULL_ENTRIES = 10_000
TARGET_PER_S = 500.0


def main(argv: list[str] | None = None) -> int:
    """Ingest the wire and report entries per second against the target."""
    args, world = World.parse(__doc__, argv)
    entries = scaled(args, FULL_ENTRIES, least=20)
    wire = news_feed(world.gazetteer, entries, now=SystemClock().now(), rng=random.Random(args.seed))
    seconds, changes = world.timed_ingest("news", wire, kind="rss")
    probe = bare_ingest(
        world.env(world.accounts_database()),
        world.work("news-probe"),
        lambda: [entry.get("id", "") for entry in feedparser.parse(wire).entries],
    )
    return report(
        [
            Row(
                f"ingest {entries:,} news entries with geoparsing, {world.accounts:,} accounts",
                entries / seconds,
                "entries/s",
                TARGET_PER_S,
                at_most=False,
                note=f"{seconds:.1f} s, {changes.get('raise', 0):,} flags raised",
                probe=entries / probe,
                probe_what="CLI start, feedparser, sqlite3 inserts",
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
