"""OpenFEMA disaster declarations: one event per disaster, counties as FIPS6, statewide as ISO 3166-2."""

from __future__ import annotations

import json

from contextfeed.sources import parse_document
from contextfeed.sources.model import Area, Geocode


def parse(body):
    return parse_document("fema", body, source="fema-test")


def by_id(body):
    parsed = parse(body)
    return parsed, {event.external_id: event for event in parsed.events}


def test_one_event_per_disaster_number_whatever_the_number_of_rows(document):
    parsed, events = by_id(document("fema/declarations.json"))
    assert parsed.errors == ()
    assert list(events) == ["DR-4337-FL", "EM-3385-FL", "FM-5294-CA"]


def test_a_major_disaster_is_extreme_and_lists_its_counties_as_fips6(document, at):
    _, events = by_id(document("fema/declarations.json"))
    irma = events["DR-4337-FL"]
    assert (irma.sender, irma.category, irma.event_type) == ("fema", "Met", "Hurricane")
    assert (irma.severity, irma.urgency, irma.certainty) == ("Extreme", "Immediate", "Observed")
    assert irma.headline == "Major Disaster Declaration DR-4337-FL: Hurricane Irma"
    assert (irma.sent, irma.onset) == (at(2017, 9, 10), at(2017, 9, 4))
    assert irma.ends is None, "the incident period is not the declaration's end; the policy sets that"
    assert irma.link == "https://www.fema.gov/disaster/4337"
    codes = [code for area in irma.areas for code in area.geocodes]
    assert codes == [Geocode("FIPS6", value) for value in ("012011", "012086", "012087", "012021")]


def test_a_tribal_area_is_not_mistaken_for_the_whole_state(document):
    _, events = by_id(document("fema/declarations.json"))
    assert Area(description="Seminole Tribe of Florida (Indian Reservation)") in events["DR-4337-FL"].areas


def test_a_statewide_emergency_is_severe_and_covers_the_state(document):
    _, events = by_id(document("fema/declarations.json"))
    emergency = events["EM-3385-FL"]
    assert emergency.severity == "Severe"
    assert emergency.areas == (Area(description="Statewide", geocodes=(Geocode("ISO3166-2", "US-FL"),)),)


def test_a_fire_management_declaration_with_an_open_incident(document):
    _, events = by_id(document("fema/declarations.json"))
    fire = events["FM-5294-CA"]
    assert (fire.category, fire.severity, fire.urgency, fire.ends) == ("Fire", "Severe", "Immediate", None)
    assert fire.areas[0].geocodes == (Geocode("FIPS6", "006097"),)


def test_bad_rows_are_reported_and_everything_else_kept(document):
    response = json.loads(document("fema/declarations.json"))
    rows = response["DisasterDeclarationsSummaries"]
    rows[1]["fipsCountyCode"] = "86"  # a county row with a broken code
    rows[5]["declarationType"] = "XX"  # the whole EM declaration
    rows.append({"designatedArea": "orphan row"})
    parsed, events = by_id(json.dumps(response).encode())
    assert list(events) == ["DR-4337-FL", "FM-5294-CA"]
    assert len(events["DR-4337-FL"].areas) == 4
    assert sorted(parsed.errors) == [
        "DR-4337-FL: area 'Miami-Dade (County)' ignored: unreadable FIPS codes state '12' county '86'",
        "declaration EM-3385-FL: unknown declarationType 'XX'",
        "row #8: no femaDeclarationString",
    ]


def test_a_response_without_the_declarations_list_gives_one_clear_error():
    parsed = parse(b'{"metadata": {}, "error": "bad $filter"}')
    assert parsed.errors == ("not an OpenFEMA declarations response: no `DisasterDeclarationsSummaries` list",)
