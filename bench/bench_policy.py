"""Calibration: the default policy over a real national night of NWS alerts and a US book, against 3% do_not_chase.

    python -m bench.bench_policy [--scale 1.0] [--cache bench/results/cache] [--seed 7]

`contextfeed policy simulate` over the alerts.weather.gov CAP ATOM index of
15 Aug 2018 (../shared/fixtures/real/calibration/) and a book of 200,000 US
accounts weighted by county population (bench/us_book.py; the --seed of this
benchmark is not used, the book's own is, so every run measures the same
customers). A service that suppresses more than 3% of a country on a routine
night gets switched off; none of it may come from a watch or a fire-weather
product, which say nobody is in danger yet.
"""

from __future__ import annotations

import json
import sys

from bench.common import REPO, Row, contextfeed, environment, report, say, scaled, sqlite_url
from bench.us_book import DEFAULT_ACCOUNTS, DEFAULT_SEED, write_us_book
from bench.world import World

NIGHT = REPO.parent / "shared" / "fixtures" / "real" / "calibration" / "nws_national_index_2018-08-15.atom"
TARGET_SHARE = 3.0
# Event types that must never suppress: watches and fire-weather products.
NEVER_SUPPRESSING = ("watch", "red flag", "fire weather")


def main(argv: list[str] | None = None) -> int:
    """Simulate the night over the book and report the do_not_chase share against the target."""
    args, world = World.parse(__doc__, argv)
    accounts = scaled(args, DEFAULT_ACCOUNTS, least=2_000)
    book = world.cache / f"us-book-{accounts}-seed{DEFAULT_SEED}.csv"
    if not book.exists():
        say(f"generating a US book of {accounts:,} accounts into {book}")
        book.parent.mkdir(parents=True, exist_ok=True)
        write_us_book(book, world.gazetteer, accounts=accounts)
    env = environment(sqlite_url(world.cache / "work" / "policy-unused.db"), world.data_dir)
    result = json.loads(contextfeed("policy", "simulate", NIGHT, "--accounts", book, "--json", env=env).stdout)
    levels = result["levels"]
    wrong = sum(
        row["accounts"]
        for row in result["by_event_type"]
        if row["level"] == "do_not_chase" and any(word in row["event_type"].lower() for word in NEVER_SUPPRESSING)
    )
    return report(
        [
            Row(
                f"do_not_chase share, NWS national index 15 Aug 2018 over {accounts:,} US accounts",
                100 * levels["do_not_chase"]["share"],
                "%",
                TARGET_SHARE,
                at_most=True,
                note=f"caution {100 * levels['caution']['share']:.2f}%, info {100 * levels['info']['share']:.2f}%",
            ),
            Row(
                "do_not_chase accounts from watches and fire-weather products, same night",
                wrong,
                "accounts",
                0,
                at_most=True,
            ),
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
