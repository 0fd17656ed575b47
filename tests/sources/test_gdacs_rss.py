"""GDACS RSS: alert levels as CAP severity, bbox axis order, countries, and the non-XML answers GDACS sometimes gives."""

from __future__ import annotations

import pytest

from contextfeed.sources import parse_document
from contextfeed.sources.usgs import felt_radius_km


def parse(body):
    return parse_document("gdacs", body, source="gdacs-test")


def by_id(document, name):
    parsed = parse(document(name))
    assert parsed.errors == ()
    return {event.external_id: event for event in parsed.events}


def test_a_day_of_gdacs_gives_21_events_with_cap_grades(document, at):
    events = by_id(document, "gdacs/gdacs_rss_24h_full.xml")
    assert len(events) == 21
    drought = events["DR1012728"]
    assert (drought.sender, drought.category, drought.event_type) == ("gdacs", "Met", "Drought")
    assert (drought.severity, drought.urgency, drought.certainty) == (
        "Severe",
        "Past",
        "Observed",
    )  # Orange, no longer current
    assert drought.onset == at(2018, 10, 21)
    assert drought.ends == at(2019, 12, 30, 0, 17)
    assert drought.sent == at(2019, 12, 30, 0, 17)
    assert drought.link == "http://www.gdacs.org/report.aspx?eventtype=DR&eventid=1012728"


def test_a_drought_covers_its_countries_as_iso_alpha2(document):
    drought = by_id(document, "gdacs/gdacs_rss_24h_full.xml")["DR1012728"]
    (area,) = drought.areas
    assert area.country_codes == ("AO", "BW", "LS", "MZ", "NA", "ZA", "ZM", "ZW")
    assert area.polygons == () and area.circles == ()


def test_country_names_gdacs_spells_its_own_way_are_recognised(document):
    events = by_id(document, "gdacs/gdacs_rss_24h_full.xml")
    assert events["DR1013682"].areas[0].country_codes == ("BG", "IQ", "IR", "TR")
    assert "BA" in events["DR1013280"].areas[0].country_codes  # "Bosnia & Herzegovina"
    assert "RU" in events["DR1013280"].areas[0].country_codes  # "Russia"


def test_an_earthquake_is_a_felt_radius_circle_at_its_epicentre_not_the_map_window(document):
    quake = by_id(document, "gdacs/gdacs_rss_24h_full.xml")["EQ1200035"]
    assert (quake.magnitude, quake.depth_km, quake.category) == (4.9, 35.0, "Geo")
    assert (quake.severity, quake.urgency) == ("Minor", "Immediate")  # Green, current
    (area,) = quake.areas
    (circle,) = area.circles
    assert (circle.lat, circle.lon) == (-6.3622, 154.9449)
    assert circle.radius_km == pytest.approx(felt_radius_km(4.9, 35.0))
    assert area.country_codes == ()
    assert quake.ends is None  # still current: todate is only the latest episode


def test_a_cyclone_bbox_is_read_longitude_first_into_a_latitude_first_rectangle(document):
    cyclone = by_id(document, "gdacs/gdacs_rss_1.xml")["TC1000643"]
    (area,) = cyclone.areas
    (ring,) = area.polygons
    # gdacs:bbox "55.078 81.078 -46.783 -20.783" is lonmin lonmax latmin latmax
    assert {round(lat, 3) for lat, _ in ring} == {-46.783, -20.783}
    assert {round(lon, 3) for _, lon in ring} == {55.078, 81.078}
    assert (cyclone.event_type, cyclone.category, cyclone.severity) == ("Tropical Cyclone", "Met", "Minor")


def test_an_item_with_only_a_bbox_is_kept(document):
    (event,) = parse(document("gdacs/gdacs_rss_2.xml")).events
    assert event.external_id == "TC1000643"
    assert len(event.areas[0].polygons) == 1
    assert event.severity == "Unknown"


def test_one_unreadable_item_is_reported_and_the_others_kept(document):
    body = document("gdacs/gdacs_rss_1.xml").replace(b'<guid isPermaLink="false">EQ1199929</guid>', b"", 1)
    body = body.replace(b"<pubDate>Sat, 28 Dec 2019 15:36:35 GMT</pubDate>", b"", 1)
    parsed = parse(body)
    assert len(parsed.events) == 3
    assert parsed.errors == ("item #2: item without guid or pubDate",)


@pytest.mark.parametrize(
    "body",
    [b"<html><head><title>503 Service Temporarily Unavailable</title></head></html>", b"Service Unavailable", b""],
)
def test_a_non_xml_or_html_answer_gives_one_clear_error_and_no_events(body):
    parsed = parse(body)
    assert parsed.events == ()
    (error,) = parsed.errors
    assert error.startswith(("not XML", "not GDACS RSS: root element <html>", "empty body"))
