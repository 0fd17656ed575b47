"""USGS earthquake GeoJSON: epicentres, felt radius, network ids, and the CAP grades given to quakes."""

from __future__ import annotations

import json

import pytest

from contextfeed.sources import parse_document
from contextfeed.sources.usgs import felt_radius_km, severity_for


def parse(body):
    return parse_document("usgs", body, source="usgs-test")


def test_a_day_of_earthquakes_gives_all_188_events(document):
    parsed = parse(document("usgs/all_day.geojson"))
    assert parsed.errors == ()
    assert len(parsed.events) == 188
    assert all(event.sent.utcoffset().total_seconds() == 0 for event in parsed.events)


def test_an_earthquake_is_its_epicentre_latitude_first_with_magnitude_and_depth(document, at):
    first = parse(document("usgs/all_day.geojson")).events[0]
    assert (first.external_id, first.sender, first.category, first.event_type) == (
        "ak20255160",
        "usgs",
        "Geo",
        "Earthquake",
    )
    assert first.headline == "M 2.0 - 132km WNW of Arctic Village, Alaska"
    (circle,) = first.areas[0].circles
    assert (circle.lat, circle.lon) == (68.7636, -148.2799)
    assert (first.magnitude, first.depth_km) == (2.0, 0.1)
    assert first.onset == at(2018, 9, 16, 4, 0, 31, 969000)
    assert first.sent == at(2018, 9, 16, 4, 7, 6, 993000)  # `updated`: when this version was published
    assert first.expires == at(2018, 9, 23, 4, 0, 31, 969000)
    assert (first.severity, first.urgency, first.certainty) == ("Minor", "Past", "Likely")


def test_other_networks_ids_become_alternate_ids(document):
    events = {event.external_id: event for event in parse(document("usgs/all_day.geojson")).events}
    assert events["ak20254969"].alternate_ids == ("us2000hf7h",)


def test_pager_level_decides_severity_and_a_reviewed_solution_is_observed(document):
    events = {event.external_id: event for event in parse(document("usgs/all_day.geojson")).events}
    japan = events["us2000hf73"]
    assert japan.magnitude == 5.5
    assert (japan.severity, japan.certainty) == ("Minor", "Observed")  # PAGER green beats "M5 is Moderate"
    assert japan.areas[0].circles[0].radius_km == pytest.approx(felt_radius_km(5.5, 10.0))


def test_null_magnitude_is_unknown_severity_at_the_epicentre_only(document):
    parsed = parse(document("usgs/synthetic_with_null_mag.geojson"))
    assert parsed.errors == ()
    unknown = parsed.events[2]
    assert (unknown.magnitude, unknown.severity) == (None, "Unknown")
    assert unknown.areas[0].circles[0].radius_km == 0.0
    assert parsed.events[0].severity == "Minor"  # "Alert 1" is no PAGER level: magnitude 3 decides


@pytest.mark.parametrize(
    ("mag", "depth", "low", "high"),
    [(5.0, 10.0, 45, 60), (6.0, 10.0, 115, 135), (7.0, 10.0, 270, 310), (4.5, 118.9, 0, 0), (3.0, -1.0, 9, 11)],
)
def test_felt_radius_grows_with_magnitude_and_shrinks_with_depth(mag, depth, low, high):
    assert low <= felt_radius_km(mag, depth) <= high


@pytest.mark.parametrize(
    ("mag", "pager", "severity"),
    [
        (7.1, None, "Extreme"),
        (6.2, None, "Severe"),
        (5.0, None, "Moderate"),
        (4.9, None, "Minor"),
        (4.0, "red", "Extreme"),
        (None, None, "Unknown"),
    ],
)
def test_severity_mapping(mag, pager, severity):
    assert severity_for(mag, pager) == severity


def test_a_feature_without_coordinates_is_reported_and_the_others_kept(document):
    feed = json.loads(document("usgs/synthetic_with_null_mag.geojson"))
    feed["features"][1]["geometry"] = None
    parsed = parse(json.dumps(feed).encode())
    assert [event.external_id for event in parsed.events] == ["1234", "3456"]
    assert parsed.errors[0].startswith("earthquake 2345: no usable epicentre")
