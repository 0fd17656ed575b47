"""Single CAP alerts from real agencies: what a call-centre flag depends on comes out right."""

from __future__ import annotations

from datetime import UTC

import pytest

from contextfeed.sources import DocumentError, parse_document
from contextfeed.sources.cap import parse_cap
from contextfeed.sources.model import Circle, Geocode, Reference


def parse(document, name):
    return parse_document("cap", document(name), source="test")


def only_event(document, name):
    parsed = parse(document, name)
    assert parsed.errors == ()
    (event,) = parsed.events
    return event


def test_nws_hurricane_update_keeps_its_eight_references_in_utc(document, at):
    event = only_event(document, "cap/nws_hurricane_warning_update.xml")
    assert (event.external_id, event.sender) == ("NWS-IDP-PROD-4412298-3677414", "w-nws.webmaster@noaa.gov")
    assert event.msg_type == "Update"
    assert len(event.references) == 8
    assert event.references[0] == Reference(
        sender="w-nws.webmaster@noaa.gov", identifier="NWS-IDP-PROD-4410291-3675936", sent=at(2020, 8, 25, 15, 32)
    )
    assert event.sent == at(2020, 8, 26, 9, 14)
    assert event.expires == at(2020, 8, 26, 17, 15)
    assert event.onset == at(2020, 8, 26, 9, 14, 10)


def test_nws_hurricane_area_unites_two_polygons_and_its_codes_lat_first(document):
    event = only_event(document, "cap/nws_hurricane_warning_update.xml")
    assert (event.severity, event.urgency, event.certainty) == ("Extreme", "Immediate", "Likely")
    assert event.response_types == ("Avoid",)
    (area,) = event.areas
    assert area.description == "Acadia"
    assert len(area.polygons) == 2
    assert area.polygons[0][0] == (30.094, -92.619)
    assert all(ring[0] == ring[-1] for ring in area.polygons)
    assert area.geocodes == (Geocode("UGC", "LAZ043"), Geocode("SAME", "022001"))


def test_every_time_is_timezone_aware_utc(document):
    for name in (
        "cap/nws_hurricane_warning_update.xml",
        "cap/mexico.xml",
        "cap/taiwan.xml",
        "meteoalarm/ireland_cap.xml",
    ):
        event = only_event(document, name)
        for moment in (event.sent, event.effective, event.expires):
            assert moment is not None and moment.utcoffset() is not None and moment.tzinfo == UTC


def test_canadian_bilingual_alert_prefers_english_text_and_dedupes_the_french_area(document):
    event = only_event(document, "cap/canada_naad_cap_cp.xml")
    assert event.language == "en-CA"
    assert event.headline == "special weather statement in effect"
    assert event.references == ()  # <references /> is empty
    (area,) = event.areas  # the French block repeats the same polygon and codes
    assert area.description == "Channel-Port aux Basques and vicinity"
    assert area.polygons[0][0] == (47.5744, -58.4207)
    assert Geocode("profile:CAP-CP:Location:0.3", "1004001") in area.geocodes


def test_english_block_wins_even_when_it_comes_second(document):
    event = only_event(document, "cap/iceland_met_office.xml")
    assert (event.language, event.headline) == ("en-US", "Southeast gales")
    assert event.severity == "Moderate"
    assert event.areas[0].polygons[0][0] == (64.17, -22.04)


def test_meteoalarm_allclear_update_has_a_repeated_response_type_once_and_six_areas(document, at):
    event = only_event(document, "meteoalarm/france_cap_update_allclear.xml")
    assert event.msg_type == "Update"
    assert event.response_types == ("AllClear",)
    assert event.references == (
        Reference("vigilance@meteo.fr", "2.49.0.0.250.0.FR.20221206160108.315028", at(2022, 12, 6, 15, 1, 8)),
    )
    assert [area.description for area in event.areas] == [
        "Alpes de Haute Provence",
        "Hautes Alpes",
        "Alpes Maritimes",
        "Isere",
        "Savoie",
        "Haute Savoie",
    ]
    assert event.headline == "Moderate avalanches warning"


def test_meteoalarm_alerts_carry_emma_and_fips_geocodes(document):
    uk = only_event(document, "meteoalarm/uk_northern_ireland_cap.xml")
    assert len(uk.areas) == 10
    assert Geocode("EMMA_ID", "UK108") in uk.areas[4].geocodes
    ireland = only_event(document, "meteoalarm/ireland_cap.xml")
    assert ireland.onset == ireland.onset.astimezone(UTC)
    assert ireland.areas[0].polygons[0][0] == (53.7762, -7.40536)


def test_pagasa_test_message_keeps_status_test(document):
    event = only_event(document, "cap/philippines_pagasa_test.xml")
    assert event.status == "Test"
    assert event.areas[0].polygons[0][:2] == ((21.0, 120.0), (21.0, 130.0))


def test_usgs_earthquake_cap_gives_magnitude_depth_and_epicentre(document, at):
    event = only_event(document, "cap/usgs_earthquake.xml")
    assert (event.magnitude, event.depth_km) == (6.3, 38.7)
    assert event.areas[0].circles == (Circle(-16.053, -173.274, 0.0),)
    assert event.sent == at(2010, 8, 31, 5, 9, 25)


def test_earthquake_declared_iso_8859_1_is_decoded(document):
    event = only_event(document, "cap/earthquake_iso8859_1.xml")
    assert event.headline.startswith("EQ 4.6 Usulután, Usulután, El Salvador")
    assert event.areas[0].circles == (Circle(12.747, -88.783, 0.0),)


def test_smhi_alerts_wrapper_gives_one_event_per_alert(document):
    parsed = parse(document, "cap/sweden_smhi.xml")
    assert parsed.errors == ()
    assert len(parsed.events) == 17
    assert len({event.external_id for event in parsed.events}) == 17
    assert parsed.events[0].areas[0].description == "002"


def test_mexican_update_references_the_alert_it_replaces(document, at):
    event = only_event(document, "cap/mexico.xml")
    assert event.references == (Reference("smn.cna.gob.mx", "avisossmn-ciclontropical-4061", at(2018, 10, 20, 9, 15)),)
    assert event.areas[0].polygons[0][0] == (18.889628180617784, -91.53354417288199)


def test_australian_alert_with_cap_prefix_reads_its_iso_geocode(document):
    event = only_event(document, "cap/australia_bom.xml")
    assert Geocode("http://www.iso.org/iso/country_codes.html", "AU-NSW") in event.areas[0].geocodes
    assert event.category == "Met"


def test_cancel_without_info_is_an_event_with_its_reference_and_no_area(document, at):
    event = only_event(document, "cap/no_info_tag.xml")
    assert event.msg_type == "Cancel"
    assert event.references == (
        Reference("AtHoc", "1017033100951096-517189320160225203219800", at(2016, 2, 25, 20, 32, 19)),
    )
    assert event.areas == ()


def test_alert_with_only_required_fields_is_read(document):
    event = only_event(document, "cap/no_optional_fields.xml")
    assert (event.status, event.msg_type, event.severity) == ("Actual", "Alert", "Unknown")


def test_alert_missing_scope_is_still_read(document):
    event = only_event(document, "cap/invalid.xml")
    assert event.areas[0].description == "New York"


def test_misspelt_namespace_reads_like_the_correct_one(document):
    wrong = only_event(document, "cap/invalid_xmlns.xml")
    right = only_event(document, "cap/taiwan.xml")
    assert wrong == right


def test_update_with_empty_references_has_none(document):
    event = only_event(document, "cap/canada_errors.xml")
    assert (event.msg_type, event.references) == ("Update", ())
    assert event.urgency == "Past"


def test_noaa_errors_blank_grades_become_unknown_and_the_sloppy_polygon_is_read(document):
    event = only_event(document, "cap/noaa_errors.xml")
    assert (event.severity, event.urgency, event.certainty) == ("Unknown", "Unknown", "Unknown")
    (ring,) = event.areas[0].polygons
    assert ring[0] == (41.12, -117.61)
    assert (40.85, -118.09) in ring
    assert event.areas[0].geocodes == (Geocode("FIPS6", "032013"), Geocode("UGC", "NVC013"))


def test_a_broken_polygon_is_reported_and_the_rest_of_the_alert_kept(document):
    body = document("cap/nws_hurricane_warning_update.xml")
    body = body.replace(b"<polygon>30.094,-92.619 30.091", b"<polygon>30.094,north 30.091", 1)
    parsed = parse_document("cap", body, source="test")
    (event,) = parsed.events
    assert len(event.areas[0].polygons) == 1
    assert event.areas[0].geocodes
    (error,) = parsed.errors
    assert error.startswith("NWS-IDP-PROD-4412298-3677414: polygon 1 of area 'Acadia' ignored")


def test_a_broken_reference_is_reported_and_the_others_kept(document):
    body = document("cap/mexico.xml").replace(b"<references>", b"<references>nonsense ", 1)
    parsed = parse_document("cap", body, source="test")
    assert len(parsed.events[0].references) == 1
    assert "reference 'nonsense' ignored" in parsed.errors[0]


def test_one_broken_alert_in_a_wrapper_loses_only_itself(document):
    body = document("cap/sweden_smhi.xml").replace(b"<identifier>smhi-bpm-1552396920785</identifier>", b"", 1)
    parsed = parse_document("cap", body, source="test")
    assert len(parsed.events) == 16
    (error,) = parsed.errors
    assert error.startswith("alert #1: CAP alert without <identifier>")


def test_a_truncated_alert_gives_no_event_and_says_where_it_was_cut(document):
    parsed = parse_document("cap", document("cap/taiwan.xml")[:-200], source="test")
    assert parsed.events == ()
    assert parsed.errors == ("CAP alert cut short (no element found: line 45, column 1)",)


def test_a_document_that_is_not_cap_is_refused_by_name():
    parsed = parse_document("cap", b"<html><body>502 Bad Gateway</body></html>", source="test")
    assert parsed.errors == ("not a CAP alert or index: root element <html>",)


def test_the_parser_itself_raises_document_error_for_callers_that_want_an_exception():
    with pytest.raises(DocumentError, match="not a CAP alert or index"):
        parse_cap(b"<html/>", source="test")
