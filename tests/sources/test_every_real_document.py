"""Every document kind real feeds send loads: odd encodings, BOMs, JSONP, undated items, shapes on the dateline."""

import pytest
from sqlalchemy import select

from contextfeed.db.engine import Database
from contextfeed.db.models import Event
from contextfeed.sources.kinds import document_kind
from contextfeed.sources.parse import parse_document
from contextfeed.sources.rss import UNDATED_NOTE
from tests.conftest import DATA


def parsed(kind: str, name: str):
    return parse_document(kind, (DATA / name).read_bytes(), source="test")


def test_a_euc_kr_feed_is_read_in_korean():
    result = parsed("rss", "rss/feedparser_euc_kr.xml")
    (item,) = result.events
    assert result.errors == () and item.headline == "서울 홍수 경보"
    assert item.sent.isoformat() == "2024-07-16T00:00:00+00:00"


def test_a_utf32_feed_without_a_byte_order_mark_is_read():
    result = parsed("rss", "rss/utf32_without_bom.xml")
    assert [event.headline for event in result.events] == [
        "Evacuation ordered as wildfire nears Paradise, California",
        "Library extends weekend hours",
    ]


def test_items_without_any_date_are_kept_and_say_they_are_dated_when_first_seen():
    result = parsed("rss", "rss/undated_items.xml")
    assert len(result.events) == 2 and result.errors == ()
    assert all(not event.dated and event.summary.endswith(UNDATED_NOTE) for event in result.events)


def test_an_undated_item_is_stored_at_the_time_it_was_first_seen(cli, migrated):
    status, out, err = cli("ingest", DATA / "rss" / "undated_items.xml", "--kind", "rss", "--source", "desk")
    assert status == 0, err
    with Database.from_url(migrated).read() as session:
        events = session.execute(select(Event.sent, Event.first_seen_at, Event.valid_from, Event.summary)).all()
    assert len(events) == 2
    assert all(sent == first_seen == valid_from for sent, first_seen, valid_from, _ in events)
    assert all(UNDATED_NOTE in summary for *_, summary in events)


def test_a_gdacs_feed_with_its_bom_encoded_twice_and_a_box_to_longitude_180_005_keeps_every_item():
    result = parsed("gdacs", "gdacs/gdacs_double_bom_dateline.xml")
    assert result.errors == () and len(result.events) == 2
    dateline = result.events[1]
    (ring,) = dateline.areas[0].polygons
    assert max(lon for _, lon in ring) == 180.0 and min(lon for _, lon in ring) == 176.005


def test_a_georss_polygon_closed_with_a_stray_parenthesis_is_read():
    from contextfeed.sources.shapes import ring_from_text

    ring = ring_from_text("-16.5 178.5 -16.5 180.005 -19.0 180.005 -19.0 178.5 -16.5 178.5)")
    assert ring[1] == (-16.5, 180.0) and len(ring) == 5


def test_points_far_off_the_globe_are_still_refused():
    from contextfeed.sources.shapes import checked_point

    with pytest.raises(ValueError):
        checked_point(10.0, 181.0)


def test_a_jsonp_wrapped_usgs_feed_loads():
    result = parsed("usgs", "usgs/all_day_jsonp.geojsonp")
    assert result.errors == () and len(result.events) == 3
    assert result.events[0].headline.startswith("M 2.0 - 132km WNW of Arctic Village")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("rss/feedparser_euc_kr.xml", "rss"),
        ("rss/utf32_without_bom.xml", "rss"),
        ("gdacs/gdacs_double_bom_dateline.xml", "gdacs"),
        ("usgs/all_day_jsonp.geojsonp", "usgs"),
        ("cap/ipaws_local_area_emergency_polygon.xml", "cap"),
        ("cap/nws_legacy_index.atom", "cap"),
        ("meteoalarm/france_atom_index.xml", "cap"),
        ("nws/alerts_active_two_updates.json", "nws"),
        ("fema/declarations.json", "fema"),
        ("gdacs/gdacs_rss_1.xml", "gdacs"),
        ("georss/generic_feed_1.xml", "rss"),
    ],
)
def test_the_kind_of_a_recorded_document_is_told_from_the_document(name, kind):
    assert document_kind((DATA / name).read_bytes()) == kind


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"hello world",
        b"# a README\n",
        b"<html><body>503 Service Unavailable</body></html>",
        b"[1, 2]",
        b'<?xml version="1.0" encoding="klingon"?><alert/>',
        b"\x00\x01\x02\x03",
        b"callback(not json);",
    ],
)
@pytest.mark.parametrize("kind", ["cap", "nws", "usgs", "gdacs", "fema", "rss"])
def test_what_is_not_an_alert_is_refused_with_one_line_never_a_traceback(body, kind):
    result = parse_document(kind, body, source="test")
    assert result.events == () and len(result.errors) <= 1
    assert all("\n" not in error for error in result.errors)
