"""Realistic data for the benchmarks, and the databases built from it, cached between runs.

The accounts mimic a North American call centre's book: most in the US
(ZIP + city + state, some without ZIP, ZIPs that lost their leading zero,
ZIP+4, lower-case and spelled-out states), some GPS points, and customers in
several other countries by city + country, each city drawn in proportion to
its population; a few known only by country or by phone. The events are the
ones the issue names: a CAP polygon over a metro area touching 5% of the
accounts, a FEMA declaration of 40 counties, and a news wire.

Databases are built through the CLI (`db upgrade`, `accounts import`,
`ingest`) and kept in the cache keyed on the code and data that shape them.
Given a PostgreSQL server (`--database-url`), the benchmarks that serve the
API build the same databases there, named after the same keys, keep them on
the server between runs and give each benchmark its own copy
(`CREATE DATABASE ... TEMPLATE`).
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import itertools
import json
import math
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import cached_property
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import shapely
from sqlalchemy import Connection, TextClause, bindparam, create_engine, text
from sqlalchemy.pool import NullPool

from bench.common import (
    REPO,
    contextfeed,
    environment,
    parse_scale,
    parser,
    say,
    sqlite_url,
    timed_contextfeed,
    world_size,
)
from bench.postgres import PREFIX, PostgresServer
from contextfeed.accounts.csvfile import COLUMNS
from contextfeed.clock import SystemClock
from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.model import AccountAddress

FOREIGN_COUNTRIES = ("CA", "GB", "FR", "DE", "MX", "PH", "IN", "AU", "JO", "JP")
# Country calling code and national-number shape ("#" a digit) of the customers' phones.
PHONE_PLANS = {
    "US": ("1", "{area} ###-####"),
    "CA": ("1", "416 ###-####"),
    "GB": ("44", "20 #### ####"),
    "FR": ("33", "1 ## ## ## ##"),
    "DE": ("49", "30 ########"),
    "MX": ("52", "55 #### ####"),
    "PH": ("63", "2 #### ####"),
    "IN": ("91", "98### #####"),
    "AU": ("61", "2 #### ####"),
    "JO": ("962", "6 ### ####"),
    "JP": ("81", "3 #### ####"),
}
US_AREA_CODES = (
    "212",
    "213",
    "305",
    "312",
    "404",
    "415",
    "469",
    "512",
    "602",
    "617",
    "702",
    "713",
    "718",
    "720",
    "801",
    "832",
    "206",
    "314",
    "412",
    "503",
    "615",
    "704",
    "816",
    "901",
    "919",
)
FIRST_NAMES = ("Maria", "James", "Wei", "Aisha", "John", "Priya", "Carlos", "Emma", "Yuki", "Omar", "Linda", "Kwame")
LAST_NAMES = ("Garcia", "Smith", "Chen", "Khan", "Johnson", "Patel", "Lopez", "Brown", "Tanaka", "Haddad", "Okafor")
STREETS = ("Main St", "Oak Ave", "Maple Dr", "Washington Blvd", "Park Rd", "Elm St", "Lakeview Ct", "2nd Ave")

# How often the generation of a world says how far it is.
PROGRESS_EVERY = 1_000_000
# How many weighted draws of cities are made at a time (a block of ints, not 10M of them).
DRAW_BLOCK = 100_000
# The CAP alert covers the metro area around New York City; FEMA's 40 counties are the ones around Houston,
# as Hurricane Harvey's major-disaster declaration (DR-4332-TX) had 41.
METRO_CENTRE = (40.7128, -74.0060)
METRO_SHARE = 0.05
DECLARATION_CENTRE = (29.7604, -95.3698)
DECLARATION_COUNTIES = 40
POINT_PRECISIONS = ("point", "postal", "city")
# Rows read at a time when all the accounts' points are read.
POINT_BLOCK = 100_000
# The share of a news wire that describes a crisis, and what its items say.
CRISIS_SHARE = 0.05
CRISIS_NEWS = (
    "Shelter in place ordered in {place} after chemical leak at rail yard",
    "Flash flooding forces evacuations in {place}",
    "Explosion at factory in {place} injures several workers",
    "Wildfire near {place} prompts evacuation orders",
    "Tornado damages homes in {place}; power out for thousands",
    "Police manhunt: residents of {place} told to stay indoors",
)
EVERYDAY_NEWS = (
    "{place} council approves budget for new library",
    "Schools in {place} to open late on Monday for teacher training",
    "New restaurant draws crowds in downtown {place}",
    "{place} hosts annual jazz festival this weekend",
    "Road works on Main Street in {place} to finish next week",
    "Housing prices in {place} rise for third month in a row",
    "{place} marathon draws record number of runners",
    "Museum in {place} unveils restored collection",
)
# A wire's newest items: published within this many hours before the ingest.
NEWS_HOURS = 20
# A cached database with events is rebuilt once its alerts are this old (they expire a day after they are sent).
EVENTS_FRESH_FOR = timedelta(hours=12)


def weighted_draws(rng: random.Random, population: list[int], weights: list[int], count: int) -> Iterator[int]:
    """`rng.choices(population, weights, k=count)` drawn a block at a time: the same draws, never all in memory.

    `choices` takes one `random()` per draw, so blocks from a copy of `rng` give the very same sequence;
    `rng` itself is moved past the `count` draws, as one call would have moved it.
    """
    copy = random.Random()
    copy.setstate(rng.getstate())
    for _ in range(count):
        rng.random()
    cumulative = list(itertools.accumulate(weights))
    blocks = (
        copy.choices(population, cum_weights=cumulative, k=min(DRAW_BLOCK, count - start))
        for start in range(0, count, DRAW_BLOCK)
    )
    return itertools.chain.from_iterable(blocks)


def build_accounts(gazetteer: Gazetteer, count: int, rng: random.Random) -> Iterator[AccountAddress]:
    """`count` account addresses in a realistic mix, reproducible from `rng`, one at a time (10M do not fit)."""
    zips = [(code, row) for code, row in gazetteer.core.zips.items() if row[1][3:] not in ("PR", "VI", "GU")]
    states = {code: unit.name for code, unit in gazetteer.core.admin1.items() if code.startswith("US-")}
    cities = gazetteer.cities
    foreign = [i for i, country in enumerate(cities.country) if country in FOREIGN_COUNTRIES and cities.population[i]]
    us_cities = [i for i, country in enumerate(cities.country) if country == "US" and cities.population[i]]
    # Drawn in bulk: random.choices recomputes cumulative weights on every call.
    foreign_draws = weighted_draws(rng, foreign, [cities.population[i] for i in foreign], count)
    us_draws = weighted_draws(rng, us_cities, [cities.population[i] for i in us_cities], count)
    for _ in range(count):
        roll = rng.random()
        if roll < 0.45:
            code, (city, admin1, *_rest) = rng.choice(zips)
            postal = rng.choice([code, code, code, code.lstrip("0"), f"{code}-{rng.randrange(10000):04d}"])
            region = rng.choice([admin1[3:], admin1[3:].lower(), states.get(admin1, admin1[3:])])
            yield AccountAddress(city=city, region=region, postal_code=postal, country="US")
        elif roll < 0.65:
            index = next(us_draws)
            region = cities.admin1[index]
            yield (
                AccountAddress(
                    city=rng.choice([cities.name[index], cities.name[index].lower()]),
                    region=rng.choice([region[3:], states.get(region, region[3:])]),
                    country=rng.choice(["US", "USA", "United States", ""]),
                )
            )
        elif roll < 0.75:
            index = next(us_draws)
            yield (
                AccountAddress(
                    lat=round(cities.lat[index] + rng.uniform(-0.05, 0.05), 5),
                    lon=round(cities.lon[index] + rng.uniform(-0.05, 0.05), 5),
                )
            )
        elif roll < 0.95:
            index = next(foreign_draws)
            yield AccountAddress(city=cities.name[index], country=cities.country[index])
        elif roll < 0.98:
            yield AccountAddress(country=rng.choice(FOREIGN_COUNTRIES + ("US",)))
        else:
            area = rng.choice(["617", "212", "217", "415", "800"])
            yield AccountAddress(phone=f"+1{area}555{rng.randrange(10000):04d}")


def account_id(number: int) -> str:
    """The id of the `number`th generated account (1-based)."""
    return f"C{number:07d}"


def phone_number(country: str, rng: random.Random) -> str:
    """A plausible phone of a customer in `country`, written the way customers write them."""
    code, shape = PHONE_PLANS.get(country, PHONE_PLANS["US"])
    national = "".join(
        str(rng.randrange(10)) if ch == "#" else ch for ch in shape.format(area=rng.choice(US_AREA_CODES))
    )
    if code == "1" and rng.random() < 0.5:
        return f"({national[:3]}) {national[4:]}"
    return f"+{code} {national}"


def account_row(number: int, address: AccountAddress, rng: random.Random) -> list[object]:
    """One CSV row for a generated address: id, a name, a phone for 90% of customers, a street for most."""
    country = address.country if len(address.country) == 2 else "US"
    phone = address.phone or (phone_number(country, rng) if rng.random() < 0.9 else "")
    street = f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}" if address.city else ""
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return [
        account_id(number),
        name,
        phone,
        street,
        address.city,
        address.region,
        address.postal_code,
        address.country,
        "" if address.lat is None else address.lat,
        "" if address.lon is None else address.lon,
    ]


# What shapes the stored data (not how fast it is written): a change here rebuilds the cached databases.
# Not the migrations: copies are upgraded as they are taken.
ACCOUNT_SOURCES = (
    "contextfeed/accounts/csvfile.py",
    "contextfeed/geo/locate.py",
    "contextfeed/geo/gazetteer.py",
    "contextfeed/geo/index_build.py",
    "contextfeed/geo/model.py",
    "contextfeed/geo/names.py",
)
EVENT_SOURCES = (
    "contextfeed/events",
    "contextfeed/flags/policy.py",
    "contextfeed/flags/matcher.py",
    "contextfeed/sources",
    "config",
)


def source_key(*parts: str) -> str:
    """A short digest of these repository files and folders: what a cached database was built by."""
    digest = hashlib.sha256()
    for part in parts:
        for path in sorted([REPO / part, *(REPO / part).rglob("*")]):
            if path.is_file() and path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def remove_database(path: Path) -> None:
    """Delete a SQLite file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def copy_database(source: Path, target: Path) -> Path:
    """A copy of a closed SQLite file at `target` (replacing what was there)."""
    remove_database(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


@dataclass(frozen=True)
class World:
    """One size of generated data: where it is cached and how the CLI reaches it."""

    cache: Path
    accounts: int
    seed: int
    # Where the served databases live instead of SQLite files, when the benchmark runs on PostgreSQL.
    server: PostgresServer | None = None

    @classmethod
    def parse(
        cls,
        doc: str,
        argv: list[str] | None,
        *,
        postgres: bool = False,
        options: Callable[[argparse.ArgumentParser], object] | None = None,
    ) -> tuple[argparse.Namespace, World]:
        """A benchmark's arguments (`bench.common.parser`, plus its own `options`) and its world.

        `postgres`: it can serve from PostgreSQL.
        """
        arguments = parser(doc, postgres=postgres)
        if options:
            options(arguments)
        args = parse_scale(arguments, argv)
        server = PostgresServer(args.database_url) if args.database_url else None
        return args, cls(cache=args.cache, accounts=world_size(args), seed=args.seed, server=server)

    def sample_ids(self, count: int) -> list[str]:
        """`count` account ids drawn at random from the accounts, one in a thousand unknown to contextfeed."""
        rng = random.Random(self.seed)
        numbers = rng.sample(range(1, self.accounts + 1), min(count, self.accounts))
        return [f"X{number:07d}" if rng.random() < 0.001 else account_id(number) for number in numbers]

    @property
    def data_dir(self) -> Path:
        """The service data directory: where the gazetteer index is built once."""
        return self.cache / "data"

    def env(self, database: Path) -> dict[str, str]:
        """The CLI's environment for a SQLite database of this world."""
        return self.url_env(sqlite_url(database))

    def url_env(self, database_url: str) -> dict[str, str]:
        """The CLI's environment for a database of this world, its gazetteer index built (outside any timing)."""
        _ = self.gazetteer  # loading it builds the index when the data or its builder changed
        return environment(database_url, self.data_dir)

    def work(self, name: str) -> Path:
        """A path for a scratch database (any old one removed)."""
        path = self.cache / "work" / f"{name}.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_database(path)
        return path

    @cached_property
    def gazetteer(self) -> Gazetteer:
        """The offline gazetteer (built on first use: about half a minute)."""
        return Gazetteer.load(self.data_dir)

    def accounts_csv(self) -> Path:
        """The accounts as a CSV file, generated once per size and seed."""
        path = self.cache / f"accounts-{self.accounts}-seed{self.seed}.csv"
        if not path.exists():
            say(f"generating {self.accounts:,} accounts into {path}")
            addresses = random.Random(self.seed)
            # The rows' draws come after every address's, as when the addresses were first built as one
            # list: a first pass moves a copy past them, so a world is the same data at any size while
            # its addresses stream (10,000,000 of them do not fit in memory).
            rows = random.Random()
            rows.setstate(addresses.getstate())
            collections.deque(build_accounts(self.gazetteer, self.accounts, rows), maxlen=0)
            partial = path.with_suffix(".partial")
            with partial.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(COLUMNS)
                for number, address in enumerate(build_accounts(self.gazetteer, self.accounts, addresses), start=1):
                    writer.writerow(account_row(number, address, rows))
                    if number % PROGRESS_EVERY == 0:
                        say(f"  {number:,} of {self.accounts:,} accounts written")
            partial.rename(path)
        return path

    def migrated(self, name: str) -> Path:
        """A new scratch database at the latest schema."""
        path = self.work(name)
        contextfeed("db", "upgrade", env=self.env(path))
        return path

    def accounts_database_path(self) -> Path:
        """Where the database with this world's accounts (and nothing else) is cached."""
        return self.cache / f"accounts-{self.accounts}-seed{self.seed}-{source_key(*ACCOUNT_SOURCES)}.db"

    def accounts_database(self) -> Path:
        """The cached database with every account imported and located, built through the CLI when missing."""
        path = self.accounts_database_path()
        if not path.exists():
            csv_path = self.accounts_csv()
            say(f"importing {self.accounts:,} accounts into {path}")
            database = self.migrated("accounts-build")
            contextfeed("accounts", "import", csv_path, env=self.env(database))
            self.keep(database, path)
        return path

    def keep(self, database: Path, path: Path) -> None:
        """Store a finished scratch database in the cache under `path`, in place of older builds of it."""
        for older in path.parent.glob(f"{path.name.rsplit('-', 1)[0]}-*.db"):
            remove_database(older)
        partial = copy_database(database, path.with_suffix(".partial"))
        partial.rename(path)

    def upgraded_copy(self, source: Path, name: str) -> Path:
        """A scratch copy of a cached database, migrated to the latest schema."""
        database = copy_database(source, self.work(name))
        contextfeed("db", "upgrade", env=self.env(database))
        return database

    def scratch_copy(self, name: str) -> Path:
        """A scratch copy of the accounts database, for a benchmark that writes."""
        return self.upgraded_copy(self.accounts_database(), name)

    def timed_ingest(self, name: str, document: bytes, *, kind: str) -> tuple[float, dict[str, int]]:
        """Ingest a document into a scratch copy of the accounts database: seconds taken, flag changes by action."""
        database = self.scratch_copy(name)
        path = self.cache / "work" / f"{name}.{kind}"
        path.write_bytes(document)
        result, seconds = timed_contextfeed(
            "ingest", path, "--kind", kind, "--source", f"bench-{name}", "--json", env=self.env(database)
        )
        return seconds, json.loads(result.stdout)["flag_changes"]

    def served_env(self, name: str) -> dict[str, str]:
        """The CLI's environment on a scratch copy of the flagged database (SQLite or PostgreSQL): what is served."""
        if self.server:
            return self.url_env(self.server.database_url(self.postgres_copy(self.postgres_flagged(), name)))
        return self.env(self.upgraded_copy(self.flagged_database(), name))

    def empty_env(self, name: str) -> dict[str, str]:
        """The CLI's environment on a new, empty database at the latest schema (SQLite or PostgreSQL)."""
        if self.server:
            return self.url_env(self.server.database_url(self.postgres_copy(None, name)))
        return self.env(self.migrated(name))

    def flagged_database_path(self) -> Path:
        """Where the flagged database is cached."""
        key = source_key(*ACCOUNT_SOURCES, *EVENT_SOURCES)
        return self.cache / f"flagged-{self.accounts}-seed{self.seed}-{key}.db"

    def flagged_database(self) -> Path:
        """The accounts database after a metro-area CAP alert, its Update and a FEMA declaration: what is served."""
        path = self.flagged_database_path()
        if path.exists() and time.time() - path.stat().st_mtime < EVENTS_FRESH_FOR.total_seconds():
            return path
        database = self.scratch_copy("flagged-build")
        self.ingest_events(sqlite_url(database))
        self.keep(database, path)
        return path

    def ingest_events(self, database_url: str) -> None:
        """Ingest a metro-area CAP alert, its Update and a FEMA declaration into a copy of the accounts database."""
        now = SystemClock().now()
        env = self.url_env(database_url)
        say("ingesting a metro-area alert, its update and a FEMA declaration")
        polygon = metro_polygon(database_url)
        documents = {
            "cap": cap_alert(polygon, sent=now - timedelta(minutes=30)),
            "fema": fema_declaration(database_url, self.gazetteer, declared=now - timedelta(days=1)),
        }
        documents["cap-update"] = cap_alert(
            shifted(polygon, east_km=8), sent=now - timedelta(minutes=10), updates=now - timedelta(minutes=30)
        )
        folder = self.cache / "work"
        folder.mkdir(parents=True, exist_ok=True)
        for name, document in documents.items():
            document_path = folder / f"{name}.document"
            document_path.write_bytes(document)
            contextfeed("ingest", document_path, "--kind", name.split("-")[0], "--source", f"bench-{name}", env=env)

    def postgres_copy(self, source: str | None, name: str) -> str:
        """A scratch database on the PostgreSQL server (a copy of `source`, or empty) at the latest schema; its name."""
        # The size in the name keeps a smoke run from replacing a full-size run's copy on a shared server.
        database = f"{PREFIX}work-{name}-{self.accounts}"
        self.server.create(database, template=source)
        contextfeed("db", "upgrade", env=self.url_env(self.server.database_url(database)))
        return database

    def postgres_accounts(self) -> str:
        """`accounts_database` on the PostgreSQL server: its name there, built through the CLI when missing."""
        name = PREFIX + self.accounts_database_path().stem
        if self.server.built_at(name) is None:
            csv_path = self.accounts_csv()
            say(f"importing {self.accounts:,} accounts into {name} on PostgreSQL")
            database = self.postgres_copy(None, "accounts-build")
            contextfeed("accounts", "import", csv_path, env=self.url_env(self.server.database_url(database)))
            self.server.keep(database, name)
        return name

    def postgres_flagged(self) -> str:
        """`flagged_database` on the PostgreSQL server: its name there, built anew when missing or stale."""
        name = PREFIX + self.flagged_database_path().stem
        built = self.server.built_at(name)
        if built and SystemClock().now() - built < EVENTS_FRESH_FOR:
            return name
        database = self.postgres_copy(self.postgres_accounts(), "flagged-build")
        self.ingest_events(self.server.database_url(database))
        self.server.keep(database, name)
        return name


@contextmanager
def connected(database_url: str) -> Iterator[Connection]:
    """A connection to the database at `database_url` (SQLite or PostgreSQL), its engine disposed after."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def query(database_url: str, statement: TextClause, **parameters: object) -> list[tuple]:
    """The rows of one read-only query on the database at `database_url` (SQLite or PostgreSQL)."""
    with connected(database_url) as connection:
        return [tuple(row) for row in connection.execute(statement, parameters)]


def located_points(database_url: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Latitudes and longitudes of the accounts a shape can reach (by their point), and the number of accounts."""
    located = text("SELECT loc_lat, loc_lon FROM accounts WHERE loc_lat IS NOT NULL AND loc_precision IN :precisions")
    statement = located.bindparams(bindparam("precisions", expanding=True))
    with connected(database_url) as connection:
        # Read a block at a time into arrays: 10,000,000 rows as Python tuples would take gigabytes.
        result = connection.execution_options(yield_per=POINT_BLOCK).execute(
            statement, {"precisions": POINT_PRECISIONS}
        )
        blocks = [np.array([tuple(row) for row in block], dtype=float).reshape(-1, 2) for block in result.partitions()]
        total = connection.execute(text("SELECT count(*) FROM accounts")).scalar_one()
    points = np.concatenate(blocks) if blocks else np.empty((0, 2))
    return points[:, 0], points[:, 1], total


def metro_ring(radius_km: float) -> list[tuple[float, float]]:
    """A closed, irregular (lat, lon) ring around the metro centre, about `radius_km` across each way."""
    lat0, lon0 = METRO_CENTRE
    ring = []
    for step in range(48):
        angle = 2 * math.pi * step / 48
        reach = radius_km * (1 + 0.18 * math.sin(3 * angle) + 0.08 * math.cos(7 * angle))
        ring.append(
            (
                round(lat0 + reach * math.sin(angle) / 111.2, 4),
                round(lon0 + reach * math.cos(angle) / (111.2 * math.cos(math.radians(lat0))), 4),
            )
        )
    return ring + ring[:1]


def metro_polygon(database_url: str) -> list[tuple[float, float]]:
    """The metro-area ring that holds METRO_SHARE of the database's accounts, found by bisecting its size."""
    lats, lons, total = located_points(database_url)
    wanted = total * METRO_SHARE
    low, high = 1.0, 2000.0
    for _ in range(40):
        middle = (low + high) / 2
        polygon = shapely.Polygon([(lon, lat) for lat, lon in metro_ring(middle)])
        if shapely.contains_xy(polygon, lons, lats).sum() < wanted:
            low = middle
        else:
            high = middle
    return metro_ring(high)


def shifted(ring: list[tuple[float, float]], *, east_km: float) -> list[tuple[float, float]]:
    """The ring moved east: an Update that redraws the area."""
    degrees = east_km / (111.2 * math.cos(math.radians(METRO_CENTRE[0])))
    return [(lat, round(lon + degrees, 4)) for lat, lon in ring]


def cap_instant(instant: datetime) -> str:
    """A CAP 1.2 dateTime (no fraction, explicit offset)."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def cap_alert(ring: list[tuple[float, float]], *, sent: datetime, updates: datetime | None = None) -> bytes:
    """A CAP 1.2 shelter-in-place alert over the ring (or an Update of the one sent at `updates`)."""
    sender = "alerts@nyc-oem.example.gov"
    original = f"NYC-OEM-{updates:%Y%m%d%H%M}-SIP" if updates else None
    identifier = f"NYC-OEM-{sent:%Y%m%d%H%M}-SIP"
    reference = f"<references>{sender},{original},{cap_instant(updates)}</references>" if updates else ""
    polygon = " ".join(f"{lat},{lon}" for lat, lon in ring)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{cap_instant(sent)}</sent>
  <status>Actual</status>
  <msgType>{"Update" if updates else "Alert"}</msgType>
  <scope>Public</scope>
  {reference}
  <info>
    <language>en-US</language>
    <category>Safety</category>
    <event>Shelter in Place Warning</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    <effective>{cap_instant(sent)}</effective>
    <expires>{cap_instant(sent + timedelta(hours=24))}</expires>
    <senderName>New York City Emergency Management</senderName>
    <headline>Shelter in place: hazardous materials release across the metro area</headline>
    <description>A chemical release is spreading across the metro area. Stay indoors, close windows.</description>
    <instruction>Go indoors now. Close windows and doors. Turn off ventilation.</instruction>
    <area>
      <areaDesc>New York metro area</areaDesc>
      <polygon>{polygon}</polygon>
    </area>
  </info>
</alert>
""".encode()


def declared_counties(database_url: str, count: int) -> list[str]:
    """The `count` Texas counties with accounts nearest the declaration's centre, by their accounts' mean point."""
    rows = query(
        database_url,
        text(
            "SELECT loc_county_fips, avg(loc_lat), avg(loc_lon) FROM accounts WHERE "
            "loc_county_fips LIKE '48%' AND loc_lat IS NOT NULL GROUP BY loc_county_fips"
        ),
    )
    lat0, lon0 = DECLARATION_CENTRE
    rows.sort(key=lambda row: (row[1] - lat0) ** 2 + ((row[2] - lon0) * math.cos(math.radians(lat0))) ** 2)
    return [row[0] for row in rows[:count]]


def fema_declaration(database_url: str, gazetteer: Gazetteer, *, declared: datetime) -> bytes:
    """An OpenFEMA response: one major-disaster declaration of the 40 counties around Houston."""
    rows = []
    for fips in declared_counties(database_url, DECLARATION_COUNTIES):
        county = gazetteer.county(fips)
        rows.append(
            {
                "femaDeclarationString": "DR-4999-TX",
                "disasterNumber": 4999,
                "state": "TX",
                "declarationType": "DR",
                "declarationDate": declared.strftime("%Y-%m-%dT00:00:00.000Z"),
                "incidentType": "Hurricane",
                "declarationTitle": "HURRICANE BENCH",
                "incidentBeginDate": declared.strftime("%Y-%m-%dT00:00:00.000Z"),
                "incidentEndDate": None,
                "fipsStateCode": fips[:2],
                "fipsCountyCode": fips[2:],
                "tribalRequest": False,
                "designatedArea": f"{county.name if county else fips} (County)",
            }
        )
    return json.dumps({"DisasterDeclarationsSummaries": rows}).encode()


def news_feed(gazetteer: Gazetteer, count: int, *, now: datetime, rng: random.Random) -> bytes:
    """An RSS 2.0 wire of `count` items about towns of 10,000 people or more; CRISIS_SHARE of them emergencies."""
    cities = gazetteer.cities
    towns = [
        i
        for i, country in enumerate(cities.country)
        if (country == "US" or country in FOREIGN_COUNTRIES) and cities.population[i] >= 10_000
    ]
    items = []
    for number in range(1, count + 1):
        town = rng.choice(towns)
        region = (cities.admin1[town] or "")[3:] if cities.country[town] == "US" else ""
        place = f"{cities.name[town]}, {region}" if region and rng.random() < 0.6 else cities.name[town]
        template = rng.choice(CRISIS_NEWS if rng.random() < CRISIS_SHARE else EVERYDAY_NEWS)
        title = template.format(place=place)
        published = now - timedelta(seconds=rng.uniform(0, NEWS_HOURS * 3600))
        items.append(f"""    <item>
      <title>{escape(title)}</title>
      <link>https://wire.example.com/{number}</link>
      <guid isPermaLink="false">wire-{published:%Y%m%d}-{number:06d}</guid>
      <pubDate>{format_datetime(published)}</pubDate>
      <description>{escape(title)}. Local officials said more details would follow later in the day.</description>
    </item>""")
    return (
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Wire - all stories</title>
    <link>https://wire.example.com/</link>
    <description>Every story on the wire</description>
"""
        + "\n".join(items)
        + "\n  </channel>\n</rss>\n"
    ).encode()
