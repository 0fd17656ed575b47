"""Upserting accounts: locate what is new or changed, write in bulk, report what happened."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from itertools import islice

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from contextfeed.accounts.csvfile import AccountRecord
from contextfeed.db.models import Account
from contextfeed.geo.model import AccountAddress, Location

INPUT_FIELDS = tuple(f.name for f in fields(AccountRecord))
LOCATION_FIELDS = (
    "loc_precision", "loc_source", "loc_lat", "loc_lon", "loc_country", "loc_admin1",
    "loc_county_fips", "loc_city", "loc_city_geonameid", "loc_postal_code", "timezone", "loc_note",
)
BATCH = 5000

Locate = Callable[[AccountAddress], Location]


@dataclass
class UpsertReport:
    """Counts of an upsert, and the accounts placed anew (created or moved): their flags need computing."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relocated: list[str] = field(default_factory=list)


def address_of(record: AccountRecord) -> AccountAddress:
    """The location-bearing fields of a record, as the geocoder takes them."""
    return AccountAddress(
        address=record.address, city=record.city, region=record.region, postal_code=record.postal_code,
        country=record.country, lat=record.lat, lon=record.lon, phone=record.phone,
    )


def location_columns(location: Location) -> dict[str, object]:
    """The Account columns that store a Location."""
    return {
        "loc_precision": str(location.precision), "loc_source": location.source,
        "loc_lat": location.lat, "loc_lon": location.lon, "loc_country": location.country,
        "loc_admin1": location.admin1, "loc_county_fips": location.county_fips, "loc_city": location.city,
        "loc_city_geonameid": location.city_geonameid, "loc_postal_code": location.postal_code,
        "timezone": location.timezone, "loc_note": location.note,
    }


def upsert_accounts(
    session: Session,
    records: Iterable[AccountRecord],
    *,
    locate: Locate,
    now: datetime,
    on_batch: Callable[[int], None] | None = None,
) -> UpsertReport:
    """Insert new accounts, update changed ones, leave identical ones alone; the caller commits."""
    report = UpsertReport()
    for batch in batched(records, BATCH):
        existing = {
            row.account_id: row
            for row in session.execute(
                select(Account.account_id, *(getattr(Account, name) for name in INPUT_FIELDS[1:] + LOCATION_FIELDS))
                .where(Account.account_id.in_([record.account_id for record in batch]))
            )
        }
        inserts, updates = [], []
        for record in batch:
            values = asdict(record)
            stored = existing.get(record.account_id)
            if stored is not None and all(getattr(stored, name) == values[name] for name in INPUT_FIELDS):
                report.unchanged += 1
                continue
            values.update(location_columns(locate(address_of(record))))
            values["updated_at"] = now
            if stored is None:
                inserts.append(values | {"created_at": now})
                report.created += 1
                report.relocated.append(record.account_id)
                continue
            updates.append(values)
            report.updated += 1
            if any(getattr(stored, name) != values[name] for name in LOCATION_FIELDS):
                report.relocated.append(record.account_id)
        if inserts:
            session.execute(insert(Account), inserts)
        if updates:
            session.execute(update(Account), updates)
        if on_batch:
            on_batch(len(batch))
    return report


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Successive lists of at most `size` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
