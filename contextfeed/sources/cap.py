"""CAP 1.1 / 1.2 alerts, and the Atom/RSS indexes that list them (NWS legacy, Pelmorex NAAD, MeteoAlarm, NY Alert).

A single `<alert>` (or an `<alerts>` wrapper of several, as SMHI publishes)
gives one ParsedEvent per alert. An index gives one event per CAP
identifier from what the index itself carries, and names the full CAP
document of each in `linked_documents` so a crawler can fetch it: indexes
lose detail (feedparser and MeteoAlarm both split or collapse geocodes).
Elements are matched by local name, so CAP 1.1, 1.2 and a misspelt
namespace all read the same.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit
from xml.etree.ElementTree import Element

from contextfeed.domain.instants import parse_instant
from contextfeed.sources.documents import (
    DocumentError,
    XmlDocument,
    child_text,
    children,
    local_name,
    namespace,
    parse_xml,
    text_of,
)
from contextfeed.sources.eventcodes import CODE_SCHEMES, explicit_codes
from contextfeed.sources.feedxml import alternate_link, entry_id, entry_links, entry_time, feed_entries, feed_text
from contextfeed.sources.georss import georss_area
from contextfeed.sources.model import Area, Circle, Geocode, ParsedEvent, ParseResult, Reference
from contextfeed.sources.results import EntryError, Reading, read_noting, result, unique_areas
from contextfeed.sources.scales import (
    CATEGORIES,
    CERTAINTIES,
    SEVERITIES,
    URGENCIES,
    canonical,
    message_type_of,
    status_of,
    strongest,
)
from contextfeed.sources.shapes import Ring, circle_from_text, ring_from_text

log = logging.getLogger(__name__)

KIND = "cap"
_CAP_NAMESPACE_PREFIX = "urn:oasis:names:tc:emergency:cap"
#: CAP 1.2 §3.2.2: an info block without <language> is in "en-US".
_DEFAULT_LANGUAGE = "en-US"
_LEADING_NUMBER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)")

Shape = TypeVar("Shape", Ring, Circle)


def parse_cap(body: bytes, *, source: str) -> ParseResult:
    """One event per CAP alert in a CAP document, an `<alerts>` wrapper, or an Atom/RSS index of alerts."""
    document = parse_xml(body)
    root_name = local_name(document.root)
    if root_name == "alert":
        if document.broken:
            raise DocumentError(f"CAP alert cut short ({document.broken})")
        return result(*read_noting([document.root], lambda alert: read_alert(alert, source=source), label=_alert_label))
    if root_name == "alerts":
        alerts = [alert for alert in children(document.root, "alert") if document.complete(alert)]
        events, errors = read_noting(alerts, lambda alert: read_alert(alert, source=source), label=_alert_label)
        if document.broken:
            errors.append(f"document broken ({document.broken}); read the {len(alerts)} complete alerts before it")
        return result(events, errors)
    if root_name in ("feed", "rss", "RDF"):
        return _parse_index(document, source=source)
    raise DocumentError(f"not a CAP alert or index: root element <{root_name}>")


def _alert_label(position: int, alert: Element) -> str:
    """How an error names an alert: its identifier, or its position when it has none."""
    return f"alert {child_text(alert, 'identifier') or f'#{position}'}"


# --- a full CAP alert -------------------------------------------------------------------------


def read_alert(alert: Element, *, source: str) -> Reading:
    """One CAP `<alert>` element as an event, and the problems met in parts of it that were skipped."""
    identifier, sender = child_text(alert, "identifier"), child_text(alert, "sender")
    if not identifier or not sender:
        raise EntryError("CAP alert without <identifier> or <sender> (both required, CAP 1.2 §3.2.1)")
    problems: list[str] = []
    sent = _required_time(child_text(alert, "sent"))
    references = _references(child_text(alert, "references"), problems)
    infos = _english_first(list(children(alert, "info")))
    first = infos[0] if infos else Element("info")
    parameters = {
        child_text(p, "valueName"): child_text(p, "value") for info in infos for p in children(info, "parameter")
    }
    event_codes = _event_codes(
        [e for info in infos for e in children(info, "eventCode")],
        [p for info in infos for p in children(info, "parameter")],
    )
    areas = [_read_area(area, problems) for info in infos for area in children(info, "area")]
    return (
        ParsedEvent(
            source=source,
            kind=KIND,
            external_id=identifier,
            sender=sender,
            sent=sent,
            status=status_of(child_text(alert, "status")),
            msg_type=message_type_of(child_text(alert, "msgType")),
            category=canonical(child_text(first, "category"), CATEGORIES, default="Other"),
            event_type=child_text(first, "event"),
            event_codes=event_codes,
            # Several info blocks may grade the same alert differently (CAP 1.2 §3.2.2);
            # for a do-not-chase decision the strongest grade counts.
            severity=strongest((canonical(child_text(i, "severity"), SEVERITIES) for i in infos), SEVERITIES),
            urgency=strongest((canonical(child_text(i, "urgency"), URGENCIES) for i in infos), URGENCIES),
            certainty=strongest((canonical(child_text(i, "certainty"), CERTAINTIES) for i in infos), CERTAINTIES),
            response_types=tuple(
                dict.fromkeys(text_of(r) for i in infos for r in children(i, "responseType") if text_of(r))
            ),
            headline=child_text(first, "headline"),
            summary=child_text(first, "description"),
            instruction=child_text(first, "instruction"),
            sender_name=child_text(first, "senderName"),
            link=child_text(first, "web"),
            language=(child_text(first, "language") or _DEFAULT_LANGUAGE) if infos else "",
            effective=_earliest(infos, "effective", problems),
            onset=_earliest(infos, "onset", problems),
            expires=_latest(infos, "expires", problems),
            # NWS CAP carries the hazard's end as a parameter (api.weather.gov calls it `ends`).
            ends=_optional_time(parameters.get("eventEndingTime", ""), "eventEndingTime", problems),
            references=references,
            areas=unique_areas(areas),
            # USGS earthquake CAP: <parameter>Magnitude 6.3</parameter>, <parameter>Depth 38.7 km (24.0 miles)</parameter>.
            magnitude=_leading_number(parameters.get("Magnitude", "")),
            depth_km=_leading_number(parameters.get("Depth", "")),
        ),
        problems,
    )


def _english_first(infos: list[Element]) -> list[Element]:
    """Info blocks with the first English one (the text fields' source) moved to the front."""
    for position, info in enumerate(infos):
        if (child_text(info, "language") or _DEFAULT_LANGUAGE).lower().startswith("en"):
            return [info, *infos[:position], *infos[position + 1 :]]
    return infos


def _required_time(text: str) -> datetime:
    """The alert's `sent`, which CAP requires."""
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise EntryError(f"no usable <sent> time ({exc})") from None


def _optional_time(text: str, name: str, problems: list[str]) -> datetime | None:
    """An optional time, or None with a problem noted when it is unreadable."""
    if not text.strip():
        return None
    try:
        return parse_instant(text)
    except ValueError as exc:
        problems.append(f"<{name}> ignored: {exc}")
        return None


def _times(infos: list[Element], name: str, problems: list[str]) -> list[datetime]:
    """The readable values of one time element across info blocks."""
    values = (_optional_time(child_text(info, name), name, problems) for info in infos)
    return [value for value in values if value is not None]


def _earliest(infos: list[Element], name: str, problems: list[str]) -> datetime | None:
    """The earliest `name` time across info blocks."""
    return min(_times(infos, name, problems), default=None)


def _latest(infos: list[Element], name: str, problems: list[str]) -> datetime | None:
    """The latest `name` time across info blocks."""
    return max(_times(infos, name, problems), default=None)


def _references(text: str, problems: list[str]) -> tuple[Reference, ...]:
    """CAP 1.2 §3.2.1 `references`: whitespace-separated "sender,identifier,sent" triples."""
    references = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            problems.append(f"reference {triple[:80]!r} ignored: not sender,identifier,sent")
            continue
        references.append(
            Reference(sender=parts[0], identifier=parts[1], sent=_optional_time(parts[2], "references", problems))
        )
    return tuple(references)


def _leading_number(text: str) -> float | None:
    """The number a text starts with ("38.7 km (24.0 miles)" -> 38.7), or None."""
    match = _LEADING_NUMBER.match(text)
    return float(match.group(1)) if match else None


def _read_area(area: Element, problems: list[str]) -> Area:
    """A CAP `<area>`: its description, polygons, circles and geocodes (CAP 1.2 §3.2.4)."""
    description = child_text(area, "areaDesc")
    return Area(
        description=description,
        polygons=_shapes(children(area, "polygon"), ring_from_text, problems, where=description),
        circles=_shapes(children(area, "circle"), circle_from_text, problems, where=description),
        geocodes=_geocodes(children(area, "geocode"), split_lists=False),
    )


def _shapes(
    elements: Iterable[Element], read: Callable[[str], Shape], problems: list[str], *, where: str
) -> tuple[Shape, ...]:
    """Every non-empty shape among `elements`; unreadable ones are skipped with a problem noted."""
    shapes = []
    for position, element in enumerate(elements, start=1):
        text = text_of(element)
        if not text:
            continue  # the NWS legacy index writes an empty <cap:polygon/> when there is none
        try:
            shapes.append(read(text))
        except ValueError as exc:
            problems.append(f"{local_name(element)} {position} of area {where!r} ignored: {exc}")
    return tuple(dict.fromkeys(shapes))


def _pairs(elements: Iterable[Element]) -> list[tuple[str, str]]:
    """The (valueName, value) pairs of `<geocode>`, `<parameter>` or `<eventCode>` elements, in order.

    The NWS legacy ATOM index packs several valueName/value pairs into one
    `cap:geocode`, so every element may hold more than one pair.
    """
    pairs: list[tuple[str, str]] = []
    for element in elements:
        names = [text_of(e) for e in children(element, "valueName")]
        values = [text_of(e) for e in children(element, "value")]
        pairs.extend((name, value) for name, value in zip(names, values, strict=False) if name and value)
    return pairs


def _geocodes(elements: Iterable[Element], *, split_lists: bool) -> tuple[Geocode, ...]:
    """Geocodes from `<geocode><valueName/><value/></geocode>` elements.

    The NWS legacy index writes each value as a space-separated list
    ("041003 041005"), split when `split_lists` is set.
    """
    codes = [
        Geocode(name=name, value=code)
        for name, value in _pairs(elements)
        for code in (value.split() if split_lists else [value])
    ]
    return tuple(dict.fromkeys(codes))


def _event_codes(event_codes: Iterable[Element], parameters: Iterable[Element]) -> tuple[str, ...]:
    """SAME/NWS `<eventCode>`s and the VTEC `<parameter>`s of an alert or index entry, as event codes."""
    return explicit_codes(
        same=[value for name, value in _pairs(event_codes) if name.upper().replace(" ", "") in CODE_SCHEMES],
        vtec=[value for name, value in _pairs(parameters) if name.upper() == "VTEC"],
    )


# --- an Atom/RSS index of CAP alerts ---------------------------------------------------------


def _parse_index(document: XmlDocument, *, source: str) -> ParseResult:
    """One event per CAP identifier listed in an index, plus (identifier, CAP document URL) links."""
    entries, broken = feed_entries(document)
    feed_author = _author(document.root)
    events, errors = read_noting(
        entries, lambda entry: _read_index_entry(entry, source=source, feed_author=feed_author), label=_entry_label
    )
    merged: dict[str, ParsedEvent] = {}
    for event in events:
        # MeteoAlarm lists one entry per geocode, repeating the identifier: one alert, its areas united.
        known = merged.get(event.external_id)
        merged[event.external_id] = replace(known, areas=unique_areas(known.areas + event.areas)) if known else event
    linked = {entry_key: url for entry_key, url in (_linked_document(entry) for entry in entries) if entry_key and url}
    return result(merged.values(), broken + errors, linked=[(key, url) for key, url in linked.items() if key in merged])


def _entry_label(position: int, entry: Element) -> str:
    """How an error names an index entry."""
    return f"entry {_index_identifier(entry) or f'#{position}'}"


def _cap_fields(entry: Element) -> dict[str, str]:
    """The CAP values an index entry carries, by CAP element name; the first meaningful value wins.

    Pelmorex writes them as Atom categories ("severity=Minor"); NWS legacy
    and MeteoAlarm as cap: elements (MeteoAlarm spells msgType
    `message_type`; NWS legacy fills identifier and sender with "!").
    """
    fields: dict[str, str] = {}
    for category in children(entry, "category"):
        key, equals, value = category.get("term", "").partition("=")
        if equals:
            fields[key.strip()] = value.strip()
    for element in entry.iter():
        if namespace(element).startswith(_CAP_NAMESPACE_PREFIX) and len(element) == 0:
            name = "msgType" if local_name(element) == "message_type" else local_name(element)
            if not _meaningful(fields.get(name, "")):
                fields[name] = text_of(element)
    return fields


def _meaningful(text: str) -> bool:
    """False for blanks and the "!" placeholders the NWS legacy index puts in identifier and sender."""
    return any(character.isalnum() for character in text)


def _index_identifier(entry: Element) -> str:
    """The CAP identifier of an index entry, or the entry's own id when the index does not give one."""
    identifier = _cap_fields(entry).get("identifier", "")
    return identifier if _meaningful(identifier) else entry_id(entry)


def _author(element: Element) -> str:
    """The Atom author name of a feed or entry, or ''."""
    for author in children(element, "author"):
        return child_text(author, "name")
    return ""


def _read_index_entry(entry: Element, *, source: str, feed_author: str) -> Reading:
    """What an index entry says about its alert, as an event."""
    fields = _cap_fields(entry)
    identifier = _index_identifier(entry)
    if not identifier:
        raise EntryError("no CAP identifier, id or guid")
    problems: list[str] = []
    sent = _optional_time(fields.get("sent", ""), "sent", problems) or entry_time(entry)
    if sent is None:
        raise EntryError("no sent, published or updated time")
    sender = fields.get("sender", "")
    return (
        ParsedEvent(
            source=source,
            kind=KIND,
            external_id=identifier,
            sender=sender if _meaningful(sender) else (_author(entry) or feed_author or source),
            sent=sent,
            status=status_of(fields.get("status", "")),
            msg_type=message_type_of(fields.get("msgType", "")),
            category=canonical(fields.get("category", ""), CATEGORIES, default="Other"),
            event_type=fields.get("event", ""),
            event_codes=_event_codes(_cap_parts(entry, "eventCode"), _cap_parts(entry, "parameter")),
            severity=canonical(fields.get("severity", ""), SEVERITIES),
            urgency=canonical(fields.get("urgency", ""), URGENCIES),
            certainty=canonical(fields.get("certainty", ""), CERTAINTIES),
            headline=feed_text(entry, "title"),
            summary=feed_text(entry, "summary", "description"),
            link=alternate_link(entry),
            language=fields.get("language", ""),
            effective=_optional_time(fields.get("effective", ""), "effective", problems),
            onset=_optional_time(fields.get("onset", ""), "onset", problems),
            expires=_optional_time(fields.get("expires", ""), "expires", problems),
            areas=_index_areas(entry, fields, problems),
        ),
        problems,
    )


def _index_areas(entry: Element, fields: dict[str, str], problems: list[str]) -> tuple[Area, ...]:
    """The area an index entry describes: its cap: shapes and geocodes, GeoRSS shapes, MeteoAlarm's EMMA_ID."""
    description = fields.get("areaDesc", "")
    georss, georss_problems = georss_area(entry, description=description)
    problems.extend(georss_problems)
    area = Area(
        description=description,
        polygons=_shapes(_cap_parts(entry, "polygon"), ring_from_text, problems, where=description)
        + (georss.polygons if georss else ()),
        circles=_shapes(_cap_parts(entry, "circle"), circle_from_text, problems, where=description)
        + (georss.circles if georss else ()),
        geocodes=_geocodes(_cap_parts(entry, "geocode"), split_lists=True) + _emma_ids(entry),
    )
    return unique_areas([area]) if (area.description or area.polygons or area.circles or area.geocodes) else ()


def _cap_parts(entry: Element, name: str) -> list[Element]:
    """The cap: elements of that local name anywhere in an index entry."""
    return [e for e in entry.iter() if local_name(e) == name and namespace(e).startswith(_CAP_NAMESPACE_PREFIX)]


def _emma_ids(entry: Element) -> tuple[Geocode, ...]:
    """MeteoAlarm's own region code, which its index gives only in a link: `?geocode=EMMA_ID:FR035`."""
    codes = []
    for link in entry_links(entry):
        for value in parse_qs(urlsplit(link.href).query).get("geocode", []):
            name, colon, code = value.partition(":")
            if colon and name == "EMMA_ID" and code:
                codes.append(Geocode(name=name, value=code))
    return tuple(codes)


def _linked_document(entry: Element) -> tuple[str, str]:
    """(identifier, URL of the full CAP document): a link typed application/cap+xml, else the entry's link."""
    links = entry_links(entry)
    typed = [link.href for link in links if "cap" in link.media_type]
    plain = [link.href for link in links if link.rel == "alternate"]
    url = (typed or plain or [""])[0]
    return _index_identifier(entry), url
