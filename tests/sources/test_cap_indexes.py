"""Atom and RSS indexes of CAP alerts: one event per alert from what the index carries, and a link to the full document."""

from __future__ import annotations

from contextfeed.sources import parse_document
from contextfeed.sources.model import Circle, Geocode


def parse(document, name):
    return parse_document("cap", document(name), source="test")


def test_meteoalarm_index_repeats_an_identifier_per_geocode_and_gives_one_alert_each(document, at):
    parsed = parse(document, "meteoalarm/france_atom_index.xml")
    assert parsed.errors == ()
    assert [event.external_id for event in parsed.events] == [
        "2.49.0.0.250.0.FR.20221207160058.764028",
        "2.49.0.0.250.0.FR.20221207060126.964028",
    ]
    first = parsed.events[0]
    assert (first.sent, first.expires) == (at(2022, 12, 7, 15, 0, 58), at(2022, 12, 8, 15, 0))
    assert (first.severity, first.urgency, first.certainty, first.msg_type) == ("Moderate", "Future", "Likely", "Alert")
    assert parsed.events[1].msg_type == "Update"  # MeteoAlarm spells it cap:message_type
    codes = {code for area in first.areas for code in area.geocodes}
    assert {Geocode("NUTS3", "FR718"), Geocode("EMMA_ID", "FR035"), Geocode("NUTS3", "FR717")} <= codes


def test_meteoalarm_index_links_each_alert_once_to_its_full_cap_document(document):
    parsed = parse(document, "meteoalarm/france_atom_index.xml")
    assert parsed.linked_documents == (
        (
            "2.49.0.0.250.0.FR.20221207160058.764028",
            "https://feeds.meteoalarm.org/api/v1/warnings/feeds-france/04d497d4-d114-4d6b-93ba-13fa7ed577fe",
        ),
        (
            "2.49.0.0.250.0.FR.20221207060126.964028",
            parsed.linked_documents[1][1],
        ),
    )
    assert parsed.linked_documents[1][1].startswith("https://feeds.meteoalarm.org/api/v1/warnings/feeds-france/")


def test_large_meteoalarm_index_gives_sixteen_alerts_from_232_entries(document):
    parsed = parse(document, "meteoalarm/ireland_atom_index_large.xml")
    assert parsed.errors == ()
    assert len(parsed.events) == 16
    assert len(parsed.linked_documents) == 16
    ice = next(e for e in parsed.events if e.external_id == "2.49.0.1.372.0.221206232741.M_LowTemp003")
    assert Geocode("FIPS", "EI10") in {code for area in ice.areas for code in area.geocodes}


def test_nws_legacy_index_splits_its_packed_geocode_lists(document, at):
    parsed = parse(document, "cap/nws_legacy_index.atom")
    (event,) = parsed.events
    # identifier and sender are "!" placeholders in this index: the entry id and author stand in.
    assert event.external_id.startswith("http://alerts.weather.gov/cap/wwacapget.php?x=OR125153E5DB78")
    assert event.sender == "w-nws.webmaster@noaa.gov"
    assert event.sent == at(2014, 5, 9, 21, 38)
    assert event.expires == at(2014, 5, 10, 22, 38)
    assert (event.severity, event.urgency, event.certainty) == ("Minor", "Expected", "Observed")
    (area,) = event.areas
    assert area.polygons == ()  # <cap:polygon/> is empty
    assert [code.value for code in area.geocodes if code.name == "FIPS6"] == [
        "041003",
        "041005",
        "041039",
        "041043",
        "041047",
        "041051",
        "041053",
        "041071",
    ]
    assert [code.value for code in area.geocodes if code.name == "UGC"] == ["ORZ007", "ORZ008", "ORZ010"]
    assert parsed.linked_documents == ((event.external_id, event.external_id),)


def test_pelmorex_index_reads_grades_from_categories_and_polygons_from_georss(document, at):
    parsed = parse(document, "cap/pelmorex_index.atom")
    (event,) = parsed.events
    assert event.headline == "bulletin météorologique spécial annulé"  # Windows-1252 bytes in a "UTF-8" feed
    assert (event.msg_type, event.severity, event.urgency, event.language) == ("Update", "Minor", "Past", "fr-CA")
    assert event.sent == at(2014, 5, 10, 2, 17)
    (area,) = event.areas
    assert len(area.polygons) == 8
    assert area.polygons[0][0] == (42.3481, -82.9314)
    assert parsed.linked_documents[0][1].endswith("I2.49.0.1.124.41b6352f.2014.xml")


def test_earthquake_index_point_becomes_a_circle_and_links_the_cap_document(document):
    parsed = parse(document, "cap/earthquake_index.atom")
    (event,) = parsed.events
    assert event.areas[0].circles == (Circle(-16.0529, -173.2739, 5.0),)
    assert event.sender == "U.S. Geological Survey"
    assert parsed.linked_documents == (
        ("urn:earthquake-usgs-gov:us:2010apcd", "http://earthquake.usgs.gov/earthquakes/catalogs/cap/us2010apcd"),
    )


def test_rss_index_items_become_alerts_linked_to_their_cap_documents(document, at):
    parsed = parse(document, "cap/ny_index.rss")
    assert [event.external_id for event in parsed.events] == [
        "NYAlert-ALLHAZALERT-3167113",
        "NYAlert-ALLHAZALERT-3162202",
    ]
    assert parsed.events[0].sent == at(2011, 2, 4, 20, 20)
    assert parsed.events[0].headline.startswith("I-81 NB  29S EXIT RAMP")
    assert parsed.linked_documents[0] == (
        "NYAlert-ALLHAZALERT-3167113",
        "http://www.nyalert.gov/Public/News/GetCapAlert.aspx?capID=NYAlert-ALLHAZALERT-3167113",
    )


def test_a_truncated_index_keeps_the_entries_before_the_cut(document):
    body = document("meteoalarm/ireland_atom_index_large.xml")
    parsed = parse_document("cap", body[: len(body) // 2], source="test")
    assert 1 <= len(parsed.events) < 16
    assert parsed.errors[0].startswith("document broken (")
    assert "complete entries before it" in parsed.errors[0]


def test_an_index_entry_without_any_time_is_reported_and_the_others_kept(document):
    body = document("cap/ny_index.rss").replace(b"<pubDate>Fri, 04 Feb 2011 20:20:00 GMT</pubDate>", b"", 1)
    parsed = parse_document("cap", body, source="test")
    assert [event.external_id for event in parsed.events] == ["NYAlert-ALLHAZALERT-3162202"]
    assert parsed.errors == ("entry NYAlert-ALLHAZALERT-3167113: no sent, published or updated time",)
    assert [identifier for identifier, _ in parsed.linked_documents] == ["NYAlert-ALLHAZALERT-3162202"]
