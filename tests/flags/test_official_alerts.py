"""Real IPAWS-like alerts through the CLI: tests, AMBER and admin messages never suppress; a polygon is the area."""

import json
from pathlib import Path

import pytest

from tests.conftest import DATA

CAP = DATA / "cap"
ACCOUNTS = """account_id,name,phone,address,city,region,postal_code,country,lat,lon
LA1,Maria Garcia,,,Los Angeles,CA,90012,US,,
HOU1,James Smith,,,Houston,TX,77002,US,,
NEWTON-CENTRE,Wei Chen,,,,,,US,42.3310,-71.1920
ARLINGTON-10KM,Aisha Khan,,,,,,US,42.4210,-71.1920
"""


@pytest.fixture
def book(cli, migrated, tmp_path: Path):
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(ACCOUNTS, encoding="utf-8")
    status, _, err = cli("accounts", "import", accounts)
    assert status == 0, err
    return cli


def levels(cli, at: str) -> dict[str, str]:
    status, out, err = cli("flags", "--as-of", at, "--json")
    assert status == 0, err
    found: dict[str, str] = {}
    for flag in json.loads(out):
        found.setdefault(flag["account_id"], flag["level"])
    return found


def ingest(cli, name: str) -> None:
    status, out, err = cli("ingest", CAP / name, "--kind", "cap", "--source", "ipaws")
    assert status == 0, err + out


def test_a_required_monthly_test_sent_as_actual_and_graded_severe_never_flags(book):
    ingest(book, "ipaws_required_monthly_test.xml")
    assert "LA1" not in levels(book, "2023-10-04T18:30:00Z")


def test_an_amber_alert_over_los_angeles_county_is_context_not_a_reason_to_stop_calling(book):
    ingest(book, "ipaws_amber_alert.xml")
    assert levels(book, "2024-03-12T12:00:00Z").get("LA1") == "info"


def test_an_administrative_message_never_flags(book):
    ingest(book, "ipaws_administrative_message.xml")
    assert "HOU1" not in levels(book, "2024-06-05T20:30:00Z")


def test_a_local_area_emergency_polygon_suppresses_inside_and_not_10_km_outside_in_the_same_county(book):
    ingest(book, "ipaws_local_area_emergency_polygon.xml")
    found = levels(book, "2024-08-19T19:00:00Z")
    assert found.get("NEWTON-CENTRE") == "do_not_chase"
    assert "ARLINGTON-10KM" not in found
    status, out, _ = book("explain", "ARLINGTON-10KM", "--as-of", "2024-08-19T19:00:00Z", "--json")
    assert status == 0 and json.loads(out)["location"]["county_fips"] == "25017"
