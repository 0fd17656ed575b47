"""Accounts in twenty countries, written the way CRMs hold them, placed through `contextfeed accounts import` and `explain`."""

from __future__ import annotations

import csv
import json
import math

from tests.conftest import DATA

ACCOUNTS = DATA / "accounts" / "world_addresses.csv"
EXPECTED = DATA / "accounts" / "world_addresses.expected.csv"
FINE_ENOUGH = {"point", "postal", "city"}
WITHIN_KM = 40.0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def _miss(location: dict, expected: dict) -> str | None:
    """Why a location does not count as placed (None when it does)."""
    if location["precision"] not in FINE_ENOUGH:
        return f"precision {location['precision']}"
    if location["admin1"] != expected["admin1"]:
        return f"region {location['admin1']}, expected {expected['admin1']}"
    km = _km(location["lat"], location["lon"], float(expected["lat"]), float(expected["lon"]))
    return f"{km:.0f} km away" if km > WITHIN_KM else None


def test_world_addresses_are_placed_at_city_precision_in_the_right_iso_region_within_40_km(cli, migrated):
    status, out, err = cli("accounts", "import", ACCOUNTS, "--json")
    assert status == 0, err
    assert json.loads(out)["rejected"] == 0
    expected = {row["account_id"]: row for row in csv.DictReader(EXPECTED.open(encoding="utf-8"))}
    misses = {}
    for account, wanted in expected.items():
        status, out, err = cli("explain", account, "--json")
        assert status == 0, err
        location = json.loads(out)["location"]
        miss = _miss(location, wanted)
        if miss:
            # A miss must say why: the explanation carries the locator's note.
            assert location["note"], f"{account} missed ({miss}) without a note"
            misses[account] = f"{miss}: {location['note']}"
    assert len(expected) >= 100 and len({row["admin1"][:2] for row in expected.values()}) >= 20
    assert len(misses) <= 0.05 * len(expected), misses
    assert not any("-GN" in (row.get("admin1") or "") for row in expected.values())


def test_an_account_stored_with_a_geonames_private_region_is_relocated_by_the_next_import(cli, migrated):
    from sqlalchemy import update

    from contextfeed.db.engine import Database
    from contextfeed.db.models import Account

    assert cli("accounts", "import", ACCOUNTS)[0] == 0
    with Database.from_url(migrated).write() as session:
        # What an import before ISO 3166-2 regions stored for Paris.
        session.execute(update(Account).where(Account.account_id == "W080").values(loc_admin1="FR-GN11"))
    status, out, err = cli("accounts", "import", ACCOUNTS, "--json")
    assert status == 0, err
    assert json.loads(out)["updated"] == 1
    status, out, _ = cli("explain", "W080", "--json")
    assert json.loads(out)["location"]["admin1"] == "FR-IDF"
