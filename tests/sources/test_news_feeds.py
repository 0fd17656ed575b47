"""Any RSS/Atom news feed through feedparser, with every GeoRSS shape honoured in latitude-first order."""

from __future__ import annotations

import pytest

from contextfeed.sources import HostileDocumentError, parse_document
from contextfeed.sources.georss import POINT_RADIUS_KM
from contextfeed.sources.model import Circle
from contextfeed.sources.rss import UNDATED_NOTE, parse_rss


def parse(body):
    return parse_document("rss", body, source="news-test")


def test_atom_entries_become_news_with_georss_points_as_small_circles(document, at):
    parsed = parse(document("georss/generic_feed_1.xml"))
    assert parsed.errors == ()
    assert len(parsed.events) == 6
    first = parsed.events[0]
    assert (first.kind, first.category, first.external_id, first.headline) == ("rss", "News", "1234", "Title 1")
    assert (first.severity, first.urgency, first.certainty) == ("Unknown", "Unknown", "Unknown")
    assert first.sent == at(2018, 9, 23, 8, 30)
    assert first.event_type == "Category 1"
    assert first.areas[0].circles == (Circle(-37.2345, 149.1234, POINT_RADIUS_KM),)
    assert parsed.events[5].areas == ()  # no GeoRSS on that entry


def test_entries_without_id_get_a_stable_digest(document):
    one = parse(document("georss/generic_feed_1.xml")).events
    again = parse(document("georss/generic_feed_1.xml")).events
    assert one[2].external_id.startswith("sha1:")
    assert [event.external_id for event in one] == [event.external_id for event in again]


def test_w3c_geo_lat_long_is_a_point_in_either_namespace(document):
    for name in ("georss/generic_feed_2.xml", "georss/generic_feed_6.xml"):
        (event,) = parse(document(name)).events
        assert event.areas[0].circles == (Circle(-37.2345, 149.1234, POINT_RADIUS_KM),)


def test_several_georss_polygons_in_one_item_are_all_kept(document):
    parsed = parse(document("georss/generic_feed_3.xml"))
    first, second, third = parsed.events
    assert first.areas[0].polygons[0][0] == (-34.937663524, 148.597260613)
    assert len(second.areas[0].polygons) == 1 and len(second.areas[0].circles) == 1
    assert len(third.areas[0].polygons) == 2


def test_an_updated_feed_reads_the_new_title(document):
    assert parse(document("georss/generic_feed_4.xml")).events[0].headline == "Title 1 UPDATED"


def test_undated_items_in_an_undated_feed_are_kept_and_dated_when_first_seen(document):
    parsed = parse(document("georss/generic_feed_5.xml"))
    (item,) = parsed.events
    assert parsed.errors == () and item.external_id == "1234" and not item.dated
    assert item.summary.endswith(UNDATED_NOTE)


@pytest.mark.parametrize("name", ["georss/geometries_1.xml", "georss/geometries_2.xml"])
def test_geometry_samples_without_dates_keep_every_item_and_its_shape(document, name):
    parsed = parse(document(name))
    assert parsed.errors == ()
    assert [(event.headline, len(event.areas)) for event in parsed.events] == [(f"Title {n}", 1) for n in range(1, 7)]


def test_line_box_and_gml_envelope_become_rectangles_and_a_bad_point_is_reported(document, at):
    parsed = parse(document("rss/news_georss_line_box.xml"))
    road, flood, copley, balloon = parsed.events
    assert road.sender == "news.example.org"
    assert road.external_id == "roads-2013-04-16-0815"
    assert road.sent == at(2013, 4, 16, 12, 15)
    assert road.summary == "State Police closed Route 20 in both directions."
    assert road.language == "en-us"
    (line_box,) = road.areas[0].polygons
    assert {lat for lat, _ in line_box} == {42.3650, 42.3765}
    assert {lon for _, lon in line_box} == {-71.3010, -71.2356}
    (box,) = flood.areas[0].polygons
    assert box[0] == (42.20, -71.50) and (42.40, -71.05) in box
    assert flood.external_id == "https://news.example.org/regional/flood-watch-charles"
    assert copley.sent == at(2013, 4, 16, 9, 0)  # undated item: the channel's lastBuildDate
    assert copley.areas[0].polygons[0][0] == (42.3480, -71.0800)
    assert balloon.areas == ()
    (error,) = parsed.errors
    assert error.startswith("https://news.example.org/regional/balloon: GeoRSS point ignored: coordinates out of range")


def test_malformed_news_xml_is_read_leniently_without_shapes():
    body = (
        b"<rss version='2.0'><channel><title>T</title><item><title>Storm &nbsp; update</title>"
        b"<pubDate>Fri, 04 Feb 2011 20:20:00 GMT</pubDate><georss:point>1 2</georss:point></item></channel></rss>"
    )
    parsed = parse(body)
    (event,) = parsed.events
    assert event.headline == "Storm update"
    assert event.areas == ()
    assert parsed.errors[0].startswith("not well-formed XML (undefined entity")


def test_an_html_page_gives_one_clear_error():
    assert parse(b"<html><body><h1>Paywall</h1></body></html>").errors == (
        "not an RSS or Atom feed (no feed elements)",
    )


def test_entities_are_refused_even_when_the_feed_is_also_malformed():
    body = (
        b"<rss><channel><item>broken & <!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;</item></channel></rss>"
    )
    assert parse(body).errors == ("refused XML declaring entities that a strict parser could not check",)
    with pytest.raises(HostileDocumentError):
        parse_rss(body, source="test")


def test_a_body_that_looks_like_a_path_is_never_opened_as_a_file():
    parsed = parse(b"/etc/passwd")
    assert parsed.events == ()
    assert parsed.errors[0].startswith("not an RSS or Atom feed")
