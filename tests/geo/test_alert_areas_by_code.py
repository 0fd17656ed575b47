"""Alerts that name their areas only by code (MeteoAlarm EMMA_ID, NWS UGC zones) reach the accounts inside them, through the CLI."""

from __future__ import annotations

import json

from contextfeed.geo.areas import resolve_area
from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.sources.model import Area, Geocode
from contextfeed.sources.parse import parse_document
from tests.conftest import DATA

ACCOUNTS = DATA / "accounts" / "europe_iowa.csv"
GERMANY = DATA / "meteoalarm" / "germany_emma_thunderstorm.xml"
UK = DATA / "meteoalarm" / "uk_northern_ireland_cap.xml"
IOWA = DATA / "nws" / "iowa_zones_only.atom"
NATIONAL = DATA / "nws" / "nws_national_index_2018-08-15.atom"


def flagged(cli, at: str) -> dict[str, str]:
    status, out, err = cli("flags", "--as-of", at, "--json")
    assert status == 0, err
    return {flag["account_id"]: flag["level"] for flag in json.loads(out)}


def touched(cli, account: str, at: str) -> list[str]:
    """The `why` of every event `explain` says came near the account."""
    status, out, err = cli("explain", account, "--as-of", at, "--json")
    assert status == 0, err
    return [event["why"] for event in json.loads(out)["events"]]


def test_a_meteoalarm_alert_with_only_emma_ids_flags_the_accounts_inside_its_areas_and_none_outside(cli, migrated):
    assert cli("accounts", "import", ACCOUNTS)[0] == 0
    status, _, err = cli("ingest", GERMANY, "--kind", "cap", "--source", "meteoalarm-de")
    assert status == 0, err
    assert set(flagged(cli, "2022-12-07T12:00:00Z")) == {"K1", "R1"}


def test_the_real_uk_meteoalarm_alert_reaches_belfast_in_northern_ireland_and_not_london(cli, migrated):
    # The UK's EMMA_IDs have no outline offline; an area described as a whole region ("Northern Ireland")
    # is that region, while "East of England" is only part of England and reaches nobody.
    assert cli("accounts", "import", ACCOUNTS)[0] == 0
    status, _, err = cli("ingest", UK, "--kind", "cap", "--source", "meteoalarm-uk")
    assert status == 0, err
    assert set(flagged(cli, "2022-12-08T18:00:00Z")) == {"B1"}


def test_a_ugc_zone_only_nws_alert_reaches_the_counties_its_zones_are_named_after_and_none_outside(cli, migrated):
    assert cli("accounts", "import", ACCOUNTS)[0] == 0
    status, _, err = cli("ingest", IOWA, "--kind", "cap", "--source", "nws-dmx")
    assert status == 0, err
    at = "2018-08-15T23:00:00Z"
    for inside in ("IA1", "IA2"):
        assert any("county" in why.lower() and "outside" not in why for why in touched(cli, inside, at)), inside
    for outside in ("IA3", "IA4", "K1"):
        assert not any("county" in why.lower() and "outside" not in why for why in touched(cli, outside, at)), outside


def test_zone_names_never_map_to_a_county_the_alert_left_out(gazetteer: Gazetteer):
    # NWS's national index gives both UGC zones and FIPS6 counties: the counties found from zone names
    # alone must be among the counties the alert itself lists.
    mapped = 0
    for event in parse_document("cap", NATIONAL.read_bytes(), source="nws").events:
        for area in event.areas:
            zones = [g for g in area.geocodes if g.name == "UGC" and "Z" in g.value]
            counties = {v[1:] for g in area.geocodes if g.name == "FIPS6" for v in g.value.split()}
            if not zones or not counties:
                continue
            found = resolve_area(Area(description=area.description, geocodes=tuple(zones)), gazetteer).county_fips
            assert found <= counties, area.description
            mapped += len(found)
    assert mapped >= 40


def test_marine_zones_never_match_land_accounts(gazetteer: Gazetteer):
    resolved = resolve_area(
        Area(
            description="Coastal waters from Cape Ann to Marblehead",
            geocodes=(Geocode("UGC", "ANZ251"), Geocode("UGC", "LMZ643")),
        ),
        gazetteer,
    )
    assert (resolved.county_fips, resolved.admin1, resolved.unresolved_within) == (
        frozenset(),
        frozenset(),
        frozenset(),
    )
