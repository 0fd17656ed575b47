"""parse_document over every recorded document: the invariants every kind promises downstream."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from pathlib import Path

import pytest

from contextfeed.domain.terms import KINDS, Trust, default_trust
from contextfeed.sources import PARSERS, UnknownKindError, parse_document
from contextfeed.sources.scales import CERTAINTIES, SEVERITIES, URGENCIES

DATA = Path(__file__).resolve().parent.parent / "data"
KIND_OF_FOLDER = {"meteoalarm": "cap", "georss": "rss"} | {
    kind: kind for kind in ("cap", "nws", "usgs", "gdacs", "fema", "rss")
}
RECORDED = sorted(
    (KIND_OF_FOLDER[path.parent.name], path)
    for path in DATA.glob("*/*")
    if path.parent.name in KIND_OF_FOLDER and path.suffix != ".md"
)


@pytest.mark.parametrize(
    ("kind", "path"), RECORDED, ids=[f"{kind}:{path.parent.name}/{path.name}" for kind, path in RECORDED]
)
def test_every_recorded_document_gives_utc_times_lat_first_shapes_and_cap_grades(kind, path):
    parsed = parse_document(kind, path.read_bytes(), source="recorded")
    assert parsed.events or parsed.errors, "a document gives events or says why not"
    for event in parsed.events:
        assert (event.source, event.kind) == ("recorded", kind)
        assert event.external_id and event.sender
        for field in fields(event):
            value = getattr(event, field.name)
            if isinstance(value, datetime):
                assert value.utcoffset() is not None and value.utcoffset().total_seconds() == 0, field.name
        assert event.severity in SEVERITIES and event.urgency in URGENCIES and event.certainty in CERTAINTIES
        for area in event.areas:
            for ring in area.polygons:
                assert ring[0] == ring[-1] and len(ring) >= 4
                assert all(-90 <= lat <= 90 and -180 <= lon <= 180 for lat, lon in ring)
            for circle in area.circles:
                assert -90 <= circle.lat <= 90 and -180 <= circle.lon <= 180 and circle.radius_km >= 0
            assert all(len(code) == 2 and code.isupper() for code in area.country_codes)
    for identifier, url in parsed.linked_documents:
        assert identifier in {event.external_id for event in parsed.events} and url.startswith("http")


def test_an_unknown_kind_is_refused_naming_the_known_ones():
    with pytest.raises(
        UnknownKindError, match="unknown source kind 'atom'; known kinds: cap, fema, gdacs, nws, rss, usgs"
    ):
        parse_document("atom", b"<feed/>", source="x")


def test_every_kind_has_a_default_trust_and_only_news_is_not_official():
    assert set(PARSERS) == set(KINDS)
    assert {kind for kind in KINDS if default_trust(kind) is Trust.NEWS} == {"rss"}
