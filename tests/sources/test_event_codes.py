"""Event codes read from what issuers send: SAME eventCode, NWS VTEC, and the event's standard name."""

import pytest

from contextfeed.sources.eventcodes import codes_from_name, explicit_codes, vtec_codes, written_codes
from contextfeed.sources.parse import parse_document
from tests.conftest import DATA


@pytest.mark.parametrize(
    ("vtec", "codes"),
    [
        ("/O.NEW.KBOX.FF.W.0012.130419T1030Z-130419T1330Z/", ["FF.W"]),
        ("/O.CON.PAFG.HW.W.0011.180816T0000Z-180816T1500Z/", ["HW.W"]),
        ("/O.EXT.KPQR.FA.A.0002.000000T0000Z-181015T0000Z/", ["FA.A"]),
        ("/O.CAN.KOUN.TO.A.0123.000000T0000Z-180815T2300Z/", []),
        ("/O.EXP.KLIX.HT.Y.0007.000000T0000Z-180815T2300Z/", []),
        ("/O.UPG.KBOI.FW.A.0004.180816T1800Z-180817T0300Z/ /O.NEW.KBOI.FW.W.0009.180816T1800Z-180817T0300Z/", ["FW.W"]),
        ("/T.NEW.KXXX.TO.W.9999.180815T2200Z-180815T2230Z/", []),
        ("not a VTEC string", []),
    ],
)
def test_vtec_gives_phenomenon_and_significance_of_events_still_in_force(vtec, codes):
    assert vtec_codes(vtec) == codes


def test_explicit_codes_put_same_first_and_keep_each_once():
    assert explicit_codes(
        same=["ffw", " FFW", "not-a-code"], vtec=["/O.NEW.KBOX.FF.W.0012.130419T1030Z-130419T1330Z/"]
    ) == ("FFW", "FF.W")


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("Flash Flood Watch", ("FFA",)),
        ("flash  flood WARNING", ("FFW",)),
        ("Red Flag Warning", ("FW.W",)),
        ("Required Monthly Test", ("RMT",)),
        ("Child Abduction Emergency", ("CAE",)),
        ("Heat Advisory", ("HT.Y",)),
        ("Orange warning for wind", ()),
    ],
)
def test_a_standard_event_name_gives_its_code(name, codes):
    assert codes_from_name(name) == codes


@pytest.mark.parametrize(
    ("kind", "path", "expected"),
    [
        ("cap", DATA / "cap" / "nws_hurricane_warning_update.xml", [("Hurricane Warning", ("HUW", "HU.W"))]),
        ("cap", DATA / "cap" / "ipaws_amber_alert.xml", [("Child Abduction Emergency", ("CAE",))]),
        (
            "nws",
            DATA / "nws" / "alerts_active_two_updates.json",
            [("Excessive Heat Warning", ("EHW", "EH.W")), ("Air Quality Alert", ("AQA",))],
        ),
        ("nws", DATA / "nws" / "alerts_active_zone_flood_watch.json", [("Flood Watch", ("FA.A",))]),
    ],
)
def test_codes_are_read_from_real_cap_and_nws_alerts(kind, path, expected):
    result = parse_document(kind, path.read_bytes(), source="test")
    assert [(event.event_type, event.event_codes) for event in result.events] == expected


def test_an_nws_index_entry_carries_its_vtec_code():
    night = DATA / "calibration" / "nws_national_index_2018-08-15.atom"
    events = parse_document("cap", night.read_bytes(), source="nws").events
    codes = {event.event_type: event.event_codes for event in events if event.event_codes}
    assert codes["High Wind Warning"] == ("HW.W",) and codes["Flash Flood Watch"] == ("FF.A",)
    assert codes["Red Flag Warning"] in (("FW.W",), ("FW.A",))


def test_stored_codes_written_back_read_back_the_same():
    same, vtec = written_codes(["EHW", "EH.W", "FF.A"])
    assert same == ["EHW"] and explicit_codes(same=same, vtec=vtec) == ("EHW", "EH.W", "FF.A")


def test_an_alert_listing_a_hundred_event_codes_keeps_the_whole_codes_that_fit_the_column():
    from contextfeed.events.store import joined_codes

    stored = joined_codes(tuple(f"X{number:02d}" for number in range(100)))
    assert len(stored) <= 255 and all(len(code) == 3 for code in stored.split(","))
