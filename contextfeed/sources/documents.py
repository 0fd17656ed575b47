"""Reading untrusted bodies: hardened XML (no entities, no external references), JSON, element helpers.

Every feed is fetched from the internet, so XML goes through defusedxml:
a document declaring entities (billion laughs) or referring to external
ones (XXE) is refused whole. A document that is merely broken (cut short,
a stray byte) keeps whatever complete elements came before the break, so
one bad entry in a long feed does not lose the others.
"""

from __future__ import annotations

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
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
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
    data = _as_parseable(body)
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


def _as_parseable(body: bytes) -> bytes:
    """Strip a UTF-8 BOM and leading blanks, and re-encode mislabelled Latin-1 text as UTF-8.

    Real feeds put whitespace before `<?xml` (which expat rejects) and some
    (Pelmorex NAAD index) declare UTF-8 but send Windows-1252 bytes; the
    characters are recoverable, so we read them rather than lose the feed.
    """
    data = body[len(_UTF8_BOM) :] if body.startswith(_UTF8_BOM) else body
    if data.startswith(_UTF16_BOMS):
        return data
    data = data.lstrip()
    declared = _DECLARED_ENCODING.match(data)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding.replace("-", "").replace("_", "") != "utf8":
        return data
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.warning("document declared UTF-8 but is not (%s); reading it as Windows-1252", exc.reason)
        return data.decode("cp1252", errors="replace").encode("utf-8")
    return data


def load_json(body: bytes) -> Any:
    """Decode a JSON body, or raise DocumentError saying why not."""
    try:
        return json.loads(body)
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
