"""Upserting accounts: locate what is new or changed (reading), then write in bulk, and report what happened."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime
from itertools import islice

from sqlalchemy import Connection, Index, bindparam, inspect, select, update
from sqlalchemy.orm import Session

from contextfeed.accounts.csvfile import AccountRecord
from contextfeed.db.engine import bulk_writes, insert_many, one_of
from contextfeed.db.models import Account
from contextfeed.geo.model import AccountAddress, Location

INPUT_FIELDS = tuple(f.name for f in fields(AccountRecord))
LOCATION_FIELDS = (
    "loc_precision",
    "loc_source",
    "loc_lat",
    "loc_lon",
    "loc_country",
    "loc_admin1",
    "loc_county_fips",
    "loc_city",
    "loc_city_geonameid",
    "loc_postal_code",
    "timezone",
    "loc_note",
)
# Input then location: the table's column order, so rows go to the database as tuples.
STORED_FIELDS = INPUT_FIELDS + LOCATION_FIELDS
# Ids per round trip: one SELECT of the stored rows, then one executemany of inserts and one of updates.
# Within SQLite's 32,766 bound parameters (PostgreSQL's 65,535).
BATCH = 10_000

_ADMIN1 = STORED_FIELDS.index("loc_admin1")
Locate = Callable[[AccountAddress], Location]
ACCOUNTS = Account.__table__
STORED = select(*(ACCOUNTS.c[name] for name in STORED_FIELDS))
# The indexes a row's entry lands anywhere in (by phone, point, postal code), not at the end of a run:
# at ten million accounts every row written changes a page of each, and a first load of a book
# writes far less when they are built once, after its rows (`drop_scattered_indexes`).
SCATTERED_INDEXES = tuple(
    index
    for index in ACCOUNTS.indexes
    if index.name in ("ix_accounts_point", "ix_accounts_phone", "ix_accounts_loc_postal_code")
)
# Bound names differ from the column names: SQLAlchemy reserves those for the SET clause.
UPDATE_KEYS = ("key",) + tuple(f"new_{name}" for name in STORED_FIELDS[1:])
UPDATE_BY_ID = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.account_id == bindparam("key"))
    .values({name: bindparam(f"new_{name}") for name in (*STORED_FIELDS[1:], "updated_at")})
)


@dataclass
class UpsertReport:
    """Counts of an upsert, and the accounts placed anew (created or moved): their flags need computing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relocated: list[str] = field(default_factory=list)


def address_of(row: tuple) -> AccountAddress:
    """The location-bearing fields of a row (an AccountRecord's fields in order), as the geocoder takes them."""
    _, _, phone, address, city, region, postal_code, country, lat, lon = row
    return AccountAddress(
        address=address,
        city=city,
        region=region,
        postal_code=postal_code,
        country=country,
        lat=lat,
        lon=lon,
        phone=phone,
    )


def location_values(location: Location) -> tuple:
    """The values of the Account columns that store a Location, in LOCATION_FIELDS order."""
    return (
        str(location.precision),
        location.source,
        location.lat,
        location.lon,
        location.country,
        location.admin1,
        location.county_fips,
        location.city,
        location.city_geonameid,
        location.postal_code,
        location.timezone,
        location.note,
    )


@dataclass
class UpsertPlan:
    """What an upsert of one batch will write: rows to insert and to update, counted, located before any write."""

    inserts: list[tuple] = field(default_factory=list)
    updates: list[tuple] = field(default_factory=list)
    report: UpsertReport = field(default_factory=UpsertReport)


@dataclass
class Comparison:
    """A batch of rows against the stored accounts: the stored row of each that exists, and the rows to locate."""

    stored: dict[str, tuple]
    to_locate: list[tuple]
    unchanged: int


def compare_batch(session: Session, batch: list[tuple]) -> Comparison:
    """Which rows of a batch (AccountRecord fields, see `as_row`) are new or changed, and so need locating; reads only."""
    inputs = len(INPUT_FIELDS)
    ids = one_of(session, ACCOUNTS.c.account_id, [values[0] for values in batch])
    stored = {row[0]: tuple(row) for row in session.execute(STORED.where(ids))}
    to_locate = []
    for values in batch:
        before = stored.get(values[0])
        if before is None or before[:inputs] != values or _private_region(before):
            to_locate.append(values)
    return Comparison(stored, to_locate, len(batch) - len(to_locate))


def plan_located(comparison: Comparison, locations: Iterable[tuple]) -> UpsertPlan:
    """The writes of a compared batch, given the `location_values` of each of its rows to locate, in order."""
    plan = UpsertPlan()
    report = plan.report
    report.unchanged = comparison.unchanged
    inputs = len(INPUT_FIELDS)
    for values, location in zip(comparison.to_locate, locations, strict=True):
        account_id = values[0]
        before = comparison.stored.get(account_id)
        row = values + location
        if before is None:
            plan.inserts.append(row)
            report.created += 1
            report.relocated.append(account_id)
            continue
        plan.updates.append(row)
        report.updated += 1
        if before[inputs:] != row[inputs:]:
            report.relocated.append(account_id)
    return plan


def plan_upsert(session: Session, batch: list[tuple], *, locate: Locate) -> UpsertPlan:
    """Compare a batch of rows with the stored accounts and locate the new or changed ones; writes nothing.

    Locating happens here, outside any write transaction: an online geocoder's rate-limited calls
    (and its cache writes) must not run while the database's write lock is held.
    """
    comparison = compare_batch(session, batch)
    return plan_located(comparison, [location_values(locate(address_of(values))) for values in comparison.to_locate])


def apply_upsert(session: Session, plan: UpsertPlan, *, now: datetime) -> UpsertReport:
    """Write a planned batch; the caller commits.

    Rows travel as tuples and are written with one executemany each for inserts and updates:
    at a million accounts, per-row ORM objects and dicts cost more than locating them.
    """
    with bulk_writes(session):
        if plan.inserts:
            insert_many(session, ACCOUNTS, STORED_FIELDS, plan.inserts, created_at=now, updated_at=now)
        if plan.updates:
            session.execute(UPDATE_BY_ID, [dict(zip(UPDATE_KEYS, row), new_updated_at=now) for row in plan.updates])
    return plan.report


def drop_scattered_indexes(connection: Connection) -> None:
    """Drop the SCATTERED_INDEXES of the accounts table (`build_missing_indexes` builds them again)."""
    for index in SCATTERED_INDEXES:
        index.drop(connection, checkfirst=True)


def missing_indexes(connection: Connection, among: Iterable[Index] = ACCOUNTS.indexes) -> list[Index]:
    """The indexes of the accounts table among `among` that are missing (an import killed mid-load)."""
    inspector = inspect(connection)
    if not inspector.has_table(ACCOUNTS.name):
        return []  # not migrated yet: the import's first write says so
    present = {index["name"] for index in inspector.get_indexes(ACCOUNTS.name)}
    return [index for index in among if index.name not in present]


def build_missing_indexes(connection: Connection, among: Iterable[Index] = ACCOUNTS.indexes) -> list[str]:
    """Build each of the accounts table's indexes among `among` that is missing; the names built."""
    missing = missing_indexes(connection, among)
    for index in missing:
        index.create(connection)
    return [str(index.name) for index in missing]


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Successive lists of at most `size` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _private_region(stored: tuple) -> bool:
    """True for a row located before regions were ISO 3166-2 ("FR-GN11"): re-importing it relocates it."""
    return "-GN" in (stored[_ADMIN1] or "")
