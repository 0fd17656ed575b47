"""api.weather.gov alert GeoJSON: codes-only areas, ends versus expires, references, axis order."""

from __future__ import annotations

import json

from contextfeed.sources import parse_document
from contextfeed.sources.model import Geocode, Reference


def parse(body):
    return parse_document("nws", body, source="nws-test")


def test_heat_warning_update_ends_after_it_expires(document, at):
    parsed = parse(document("nws/alerts_active_two_updates.json"))
    assert parsed.errors == ()
    heat, air = parsed.events
    assert heat.external_id == "urn:oid:2.49.0.1.840.0.505a7220d91b00eb1d75a3fb4f339f825496a522.004.1"
    assert (heat.msg_type, heat.event_type, heat.severity, heat.urgency, heat.certainty) == (
        "Update",
        "Excessive Heat Warning",
        "Severe",
        "Expected",
        "Likely",
    )
    assert heat.sent == at(2024, 7, 18, 19, 47)
    assert heat.expires == at(2024, 7, 19, 10, 0)
    assert heat.ends == at(2024, 7, 21, 3, 0)
    assert heat.references == (
        Reference(
            "w-nws.webmaster@noaa.gov",
            "urn:oid:2.49.0.1.840.0.2852349b8f25500975c692db29cb2f047ff20a7c.004.2",
            at(2024, 7, 18, 8, 14),
        ),
    )
    assert heat.response_types == ("Execute",)
    assert (air.ends, air.references) == (None, ())


def test_null_geometry_leaves_the_same_and_ugc_codes_as_the_area(document):
    (flood,) = parse(document("nws/alerts_active_zone_flood_watch.json")).events
    (area,) = flood.areas
    assert area.polygons == () and area.circles == ()
    assert area.description.startswith("North Oregon Coast; Greater Portland Metro Area")
    assert [code.value for code in area.geocodes if code.name == "SAME"][:3] == ["041007", "041057", "041005"]
    assert len([code for code in area.geocodes if code.name == "UGC"]) == 11
    assert len(flood.references) == 4
    assert flood.sender_name == "NWS Portland OR"


def test_two_features_are_two_events_with_their_own_ids(document):
    parsed = parse(document("nws/alerts_active_zone_second.json"))
    assert [event.external_id for event in parsed.events] == [
        "NWS-IDP-PROD-3965873-3369046",
        "NWS-IDP-PROD-3965873-001",
    ]
    assert parsed.events[1].link == "https://api.weather.gov/alerts/NWS-IDP-PROD-3965873-001"


def test_geojson_polygons_come_out_latitude_first(document):
    collection = json.loads(document("nws/alerts_active_two_updates.json"))
    collection["features"][0]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[-112.5, 33.2], [-111.9, 33.2], [-111.9, 33.7], [-112.5, 33.2]]],
    }
    collection["features"][1]["geometry"] = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[-112.0, 33.0], [-111.0, 33.0], [-111.0, 34.0]]],
            [[[-110.0, 32.0], [-109.0, 32.0], [-109.0, 33.0]]],
        ],
    }
    heat, air = parse(json.dumps(collection).encode()).events
    assert heat.areas[0].polygons == (((33.2, -112.5), (33.2, -111.9), (33.7, -111.9), (33.2, -112.5)),)
    assert heat.areas[0].geocodes[0] == Geocode("SAME", "004013")
    assert [ring[0] for ring in air.areas[0].polygons] == [(33.0, -112.0), (32.0, -110.0)]
    assert all(ring[0] == ring[-1] for ring in air.areas[0].polygons)  # unclosed rings are closed


def test_a_feature_with_unreadable_geometry_is_reported_and_the_other_kept(document):
    collection = json.loads(document("nws/alerts_active_two_updates.json"))
    collection["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [[[-112.5, 133.2], [0, 0], [1, 1]]]}
    parsed = parse(json.dumps(collection).encode())
    assert [event.event_type for event in parsed.events] == ["Air Quality Alert"]
    (error,) = parsed.errors
    assert error.startswith(
        "feature urn:oid:2.49.0.1.840.0.505a7220d91b00eb1d75a3fb4f339f825496a522.004.1: unreadable Polygon"
    )


def test_a_body_that_is_not_json_gives_one_clear_error():
    parsed = parse(b"<html>Service Unavailable</html>")
    assert parsed.events == ()
    assert parsed.errors == ("not JSON (Expecting value: line 1 column 1 (char 0)); 32 bytes, not shown",)


def test_json_that_is_not_an_alert_collection_gives_one_clear_error():
    assert parse(b'{"title": "no alerts here"}').errors == (
        "not an api.weather.gov alerts document: no GeoJSON `features` list",
    )
