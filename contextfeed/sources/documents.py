"""Reading untrusted bodies: hardened XML (no entities, no external references), JSON, element helpers.

Every feed is fetched from the internet, so XML goes through defusedxml:
a document declaring entities (billion laughs) or referring to external
ones (XXE) is refused whole. A document that is merely broken (cut short,
a stray byte) keeps whatever complete elements came before the break, so
one bad entry in a long feed does not lose the others.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as defused_et
from defusedxml import DefusedXmlException

log = logging.getLogger(__name__)

_UTF8_BOM = b"\xef\xbb\xbf"
_DOUBLE_UTF8_BOM = _UTF8_BOM.decode("latin-1").encode("utf-8")  # b"\xc3\xaf\xc2\xbb\xc2\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# How a document starting with "<" (or a BOM) begins in each wide encoding; UTF-32 before UTF-16,
# whose little-endian BOM starts UTF-32-LE's.
_WIDE_PREFIXES = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
# Encodings expat reads itself (names without "-" and "_").
_EXPAT_ENCODINGS = frozenset({"utf16", "iso88591", "latin1", "usascii", "ascii"})
_DECLARATION_ENCODING = re.compile(r"""^(<\?xml[^>]*?encoding\s*=\s*["'])[A-Za-z0-9._-]+(["'])""")
# JSONP, as USGS serves its feeds to browsers: eqfeed_callback({...});
_JSONP = re.compile(rb"^[A-Za-z_$][\w$.]*\s*\(\s*(.*?)\s*\)\s*;?$", re.DOTALL)
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class DocumentError(ValueError):
    """A document that cannot be read at all: hostile, not XML/JSON, or not the expected format."""


class HostileDocumentError(DocumentError):
    """XML that declares entities or refers to external ones (billion laughs, XXE): refused whole."""


@dataclass(frozen=True)
class XmlDocument:
    """A parsed XML tree, possibly cut short: `broken` says where, `complete()` which elements closed."""

    root: Element
    broken: str | None = None
    unclosed: frozenset[int] = frozenset()

    def complete(self, element: Element) -> bool:
        """True when the element's end tag was read (always true for an unbroken document)."""
        return id(element) not in self.unclosed


def parse_xml(body: bytes) -> XmlDocument:
    """Parse untrusted bytes with entity declarations and external references refused."""
    data = parseable_xml(body)
    if not data.strip():
        raise DocumentError("empty body")
    root: Element | None = None
    opened: list[Element] = []
    closed: set[int] = set()
    try:
        for event, element in defused_et.iterparse(io.BytesIO(data), events=("start", "end")):
            if event == "start":
                root = element if root is None else root
                opened.append(element)
            else:
                closed.add(id(element))
    except DefusedXmlException as exc:
        raise HostileDocumentError(f"refused hostile XML: {_describe_hostile(exc)}") from exc
    except ParseError as exc:
        if root is None:
            # The body is never quoted: an error lands in the source's health, which every key may read,
            # and a body fetched from where it should not have been is exactly what must not be shown.
            raise DocumentError(f"not XML ({exc}); {len(data):,} bytes, not shown") from exc
        log.warning("XML document broken at %s; keeping the complete elements before it", exc)
        unclosed = frozenset(id(e) for e in opened if id(e) not in closed)
        return XmlDocument(root=root, broken=str(exc), unclosed=unclosed)
    if root is None:
        raise DocumentError("XML without a root element")
    return XmlDocument(root=root)


def _describe_hostile(exc: DefusedXmlException) -> str:
    """Name what the document tried, without echoing attacker-controlled text at length."""
    system_id = getattr(exc, "sysid", None)
    if system_id:
        return f"external reference to {str(system_id)[:60]!r} (XXE)"
    name = str(getattr(exc, "name", "") or "")
    return f"entity declaration {name[:40]!r} (DTD entities are not allowed)"


def parseable_xml(body: bytes) -> bytes:
    """The document as bytes expat reads: UTF-8 (or a BOM-marked UTF-16 / an encoding expat knows).

    Real feeds put whitespace before `<?xml` (which expat rejects); some
    (Pelmorex NAAD index) declare UTF-8 but send Windows-1252 bytes; GDACS
    has sent its UTF-8 BOM encoded twice; Korean feeds declare `euc-kr`,
    which expat does not know; UTF-32 (and UTF-16) come without a BOM. The
    characters are recoverable, so we read them rather than lose the feed.
    """
    data = without_boms(body)
    wide = _wide_encoding(data)
    if wide:
        return _as_utf8(data.decode(wide, errors="replace"))
    if data.startswith(_UTF16_BOMS):
        return data
    data = data.lstrip()
    declared = _DECLARED_ENCODING.match(data)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    label = encoding.replace("-", "").replace("_", "")
    if label in _EXPAT_ENCODINGS:
        return data
    if label != "utf8":
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise DocumentError(f"unknown character encoding {encoding!r} declared") from None
        log.info("document in %s: re-encoded as UTF-8 for the XML parser", codec)
        return _as_utf8(data.decode(codec, errors="replace"))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.warning("document declared UTF-8 but is not (%s); reading it as Windows-1252", exc.reason)
        return data.decode("cp1252", errors="replace").encode("utf-8")
    return data


def without_boms(body: bytes) -> bytes:
    """The body without a UTF-8 BOM, or a UTF-8 BOM encoded twice as UTF-8 (seen in a real GDACS feed)."""
    for mark in (_DOUBLE_UTF8_BOM, _UTF8_BOM):
        if body.startswith(mark):
            return body[len(mark) :]
    return body


def _wide_encoding(data: bytes) -> str | None:
    """UTF-32 or UTF-16 (with or without a BOM, which expat does not take for UTF-32), told by how '<' is written."""
    for prefix, encoding in _WIDE_PREFIXES:
        if data.startswith(prefix):
            return encoding
    return None


def _as_utf8(text: str) -> bytes:
    """Decoded XML text as UTF-8 bytes, its declaration saying so."""
    text = text.lstrip("\ufeff").lstrip()
    return _DECLARATION_ENCODING.sub(r"\1utf-8\2", text, count=1).encode("utf-8")


def load_json(body: bytes) -> Any:
    """Decode a JSON body (BOMs and a JSONP wrapper `callback({...});` removed), or raise DocumentError."""
    data = without_boms(body).strip()
    wrapped = _JSONP.match(data)
    if wrapped:
        data = wrapped.group(1)
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(f"not JSON ({exc}); {len(body):,} bytes, not shown") from exc
    except RecursionError:
        # JSON nested 100,000 deep: no feed nests that far; Python's decoder runs out of stack.
        raise DocumentError("JSON nested too deeply to read; refused") from None


def local_name(element: Element) -> str:
    """The tag without its namespace: `{urn:...cap:1.2}alert` -> `alert`."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(element: Element) -> str:
    """The namespace URI of an element's tag, or '' when it has none."""
    tag = element.tag
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def children(element: Element, name: str) -> Iterator[Element]:
    """Direct children with the given local name, in document order."""
    return (child for child in element if local_name(child) == name)


def child_text(element: Element, name: str) -> str:
    """Stripped text of the first direct child with that local name, or ''."""
    for child in children(element, name):
        return text_of(child)
    return ""


def text_of(element: Element) -> str:
    """All text inside an element, stripped."""
    return "".join(element.itertext()).strip()
