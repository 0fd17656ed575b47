"""Benchmark: locate realistic account addresses offline and print accounts/s against the 10,000/s target.

The accounts mimic a North American call centre's book: most in the US
(ZIP + city + state, some without ZIP, ZIPs that lost their leading zero,
ZIP+4, lower-case and spelled-out states), some GPS points, and customers in
several other countries by city + country, each city drawn in proportion to
its population; a few known only by country or by phone.

    python bench/bench_locate.py [--count 1000000] [--data-dir DIR] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.locate import Locator
from contextfeed.geo.model import AccountAddress, Precision

TARGET_PER_SECOND = 10_000
FOREIGN_COUNTRIES = ("CA", "GB", "FR", "DE", "MX", "PH", "IN", "AU", "JO", "JP")


def build_accounts(gazetteer: Gazetteer, count: int, rng: random.Random) -> list[AccountAddress]:
    """`count` account addresses in a realistic mix, reproducible from `rng`."""
    zips = [(code, row) for code, row in gazetteer.core.zips.items() if row[1][3:] not in ("PR", "VI", "GU")]
    states = {code: unit.name for code, unit in gazetteer.core.admin1.items() if code.startswith("US-")}
    cities = gazetteer.cities
    foreign = [i for i, country in enumerate(cities.country) if country in FOREIGN_COUNTRIES and cities.population[i]]
    us_cities = [i for i, country in enumerate(cities.country) if country == "US" and cities.population[i]]
    # Drawn in bulk: random.choices recomputes cumulative weights on every call.
    foreign_draws = iter(rng.choices(foreign, [cities.population[i] for i in foreign], k=count))
    us_draws = iter(rng.choices(us_cities, [cities.population[i] for i in us_cities], k=count))
    accounts = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            code, (city, admin1, *_rest) = rng.choice(zips)
            postal = rng.choice([code, code, code, code.lstrip("0"), f"{code}-{rng.randrange(10000):04d}"])
            region = rng.choice([admin1[3:], admin1[3:].lower(), states.get(admin1, admin1[3:])])
            accounts.append(AccountAddress(city=city, region=region, postal_code=postal, country="US"))
        elif roll < 0.65:
            index = next(us_draws)
            region = cities.admin1[index]
            accounts.append(AccountAddress(city=rng.choice([cities.name[index], cities.name[index].lower()]),
                                           region=rng.choice([region[3:], states.get(region, region[3:])]),
                                           country=rng.choice(["US", "USA", "United States", ""])))
        elif roll < 0.75:
            index = next(us_draws)
            accounts.append(AccountAddress(lat=round(cities.lat[index] + rng.uniform(-0.05, 0.05), 5),
                                           lon=round(cities.lon[index] + rng.uniform(-0.05, 0.05), 5)))
        elif roll < 0.95:
            index = next(foreign_draws)
            accounts.append(AccountAddress(city=cities.name[index], country=cities.country[index]))
        elif roll < 0.98:
            accounts.append(AccountAddress(country=rng.choice(FOREIGN_COUNTRIES + ("US",))))
        else:
            accounts.append(AccountAddress(phone=f"+1{rng.choice(['617', '212', '217', '415', '800'])}555{rng.randrange(10000):04d}"))
    return accounts


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the throughput; exit 1 if `--enforce` and below target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "contextfeed-bench")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--enforce", action="store_true", help="exit 1 when below the target")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    gazetteer = Gazetteer.load(args.data_dir)
    accounts = build_accounts(gazetteer, args.count, random.Random(args.seed))
    print(f"prepared {len(accounts):,} accounts in {time.perf_counter() - started:.1f} s")

    locator = Locator(gazetteer)
    started = time.perf_counter()
    precisions: dict[Precision, int] = {}
    for account in accounts:
        precision = locator.locate(account).precision
        precisions[precision] = precisions.get(precision, 0) + 1
    elapsed = time.perf_counter() - started
    rate = len(accounts) / elapsed
    print(f"located {len(accounts):,} accounts in {elapsed:.1f} s: {rate:,.0f} accounts/s "
          f"(target {TARGET_PER_SECOND:,}/s: {'met' if rate >= TARGET_PER_SECOND else 'NOT met'})")
    print("by precision: " + ", ".join(f"{p.value} {n:,}" for p, n in sorted(precisions.items(), key=lambda i: i[0].rank)))
    return 1 if args.enforce and rate < TARGET_PER_SECOND else 0


if __name__ == "__main__":
    sys.exit(main())
