"""GDACS RSS (gdacs.org/xml/rss.xml): earthquakes, cyclones, floods, volcanoes, droughts, wildfires worldwide.

Each item is one disaster event at its latest episode: `gdacs:alertlevel`
Green/Orange/Red, an epicentre or centre (`geo:Point`, `georss:point`),
`gdacs:bbox` written "lonmin lonmax latmin latmax" (longitude first,
unlike GeoRSS), the first affected country as `gdacs:iso3` (ISO 3166-1
alpha-3; we give alpha-2) and all of them by name in `gdacs:country`. The feed sometimes answers with an HTML error
page instead of RSS; that is a DocumentError.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from xml.etree.ElementTree import Element

import pycountry

from contextfeed.domain.instants import optional_instant
from contextfeed.sources.documents import DocumentError, children, local_name, namespace, parse_xml, text_of
from contextfeed.sources.feedxml import alternate_link, entry_id, entry_time, feed_entries, feed_text
from contextfeed.sources.georss import georss_area
from contextfeed.sources.model import Area, Circle, ParsedEvent, ParseResult
from contextfeed.sources.results import EntryError, read_entries, result
from contextfeed.sources.shapes import checked_point, rectangle
from contextfeed.sources.usgs import felt_radius_km

log = logging.getLogger(__name__)

KIND = "gdacs"
SENDER = "gdacs"
SENDER_NAME = "Global Disaster Alert and Coordination System"

ALERT_LEVEL_TO_SEVERITY: Mapping[str, str] = {
    "red": "Extreme",
    "orange": "Severe",
    "green": "Minor",
}
"""GDACS `gdacs:alertlevel` -> CAP severity.

GDACS grades by expected humanitarian impact: Red "international
assistance likely needed", Orange "possibly needed", Green "unlikely"
(a local event). Any other value is "Unknown".
"""

CURRENT_TO_URGENCY: Mapping[str, str] = {"true": "Immediate", "false": "Past"}
"""`gdacs:iscurrent` -> CAP urgency: the event is still going on, or it is over. Certainty is always
"Observed": GDACS reports hazards that have been detected."""

EVENT_TYPES: Mapping[str, tuple[str, str]] = {
    "EQ": ("Earthquake", "Geo"),
    "TS": ("Tsunami", "Geo"),
    "VO": ("Volcano", "Geo"),
    "TC": ("Tropical Cyclone", "Met"),
    "FL": ("Flood", "Met"),
    "DR": ("Drought", "Met"),
    "WF": ("Wildfire", "Fire"),
}
"""`gdacs:eventtype` -> (event type, CAP category)."""

COUNTRY_ALIASES: Mapping[str, str] = {
    "Russia": "RU",
    "Turkey": "TR",
    "Ivory Coast": "CI",
    "Cape Verde": "CV",
    "Democratic Republic of Congo": "CD",
    "Democratic Republic of the Congo": "CD",
    "Macedonia": "MK",
    "Swaziland": "SZ",
    "Micronesia": "FM",
    "Palestine": "PS",
    "Brunei": "BN",
    "East Timor": "TL",
}
"""Country names GDACS writes that ISO 3166 (pycountry) spells otherwise."""

#: Radius around a GDACS point when the item gives neither a magnitude, a bbox nor countries.
POINT_RADIUS_KM = 50.0
_DEPTH = re.compile(r"Depth:\s*([\d.]+)\s*km", re.IGNORECASE)


def parse_gdacs(body: bytes, *, source: str) -> ParseResult:
    """One event per GDACS RSS item."""
    document = parse_xml(body)
    if local_name(document.root) != "rss":
        raise DocumentError(f"not GDACS RSS: root element <{local_name(document.root)}>")
    entries, broken = feed_entries(document)
    events, errors = read_entries(entries, lambda item: read_item(item, source=source), label=_label)
    return result(events, broken + errors)


def _label(position: int, item: Element) -> str:
    """How an error names an item."""
    return f"item {entry_id(item) or f'#{position}'}"


def _gdacs(item: Element, name: str) -> str:
    """Text of the item's first `gdacs:name` child, or ''."""
    return next((text_of(child) for child in _gdacs_children(item, name)), "")


def _gdacs_children(item: Element, name: str) -> list[Element]:
    """The item's `gdacs:name` children."""
    return [child for child in children(item, name) if "gdacs.org" in namespace(child)]


def read_item(item: Element, *, source: str) -> ParsedEvent:
    """One GDACS item as an event."""
    identifier = entry_id(item)
    sent = entry_time(item)
    if not identifier or sent is None:
        raise EntryError("item without guid or pubDate")
    event_type, category = EVENT_TYPES.get(_gdacs(item, "eventtype"), (_gdacs(item, "eventtype"), "Other"))
    magnitude, depth_km = _magnitude_and_depth(item)
    current = _gdacs(item, "iscurrent").lower()
    return ParsedEvent(
        source=source,
        kind=KIND,
        # The guid ("TC1000643") names the event across its episodes; a later
        # episode is a newer version of the same event, recognised by `sent`.
        external_id=identifier,
        sender=SENDER,
        sender_name=SENDER_NAME,
        sent=sent,
        category=category,
        event_type=event_type,
        severity=ALERT_LEVEL_TO_SEVERITY.get(_gdacs(item, "alertlevel").lower(), "Unknown"),
        urgency=CURRENT_TO_URGENCY.get(current, "Unknown"),
        certainty="Observed",
        headline=feed_text(item, "title"),
        summary=feed_text(item, "description"),
        link=alternate_link(item),
        language="en",
        onset=optional_instant(_gdacs(item, "fromdate")),
        # While an event is current `todate` is only its latest episode, not its end.
        ends=optional_instant(_gdacs(item, "todate")) if current == "false" else None,
        areas=(_area(item, magnitude, depth_km),),
        magnitude=magnitude,
        depth_km=depth_km,
    )


def _magnitude_and_depth(item: Element) -> tuple[float | None, float | None]:
    """An earthquake's magnitude and depth from `<gdacs:severity unit="M" value="5.3">..., Depth:10km</...>`."""
    for severity in _gdacs_children(item, "severity"):
        if severity.get("unit") == "M":
            depth = _DEPTH.search(severity.text or "")
            return float(severity.get("value", "nan")), float(depth.group(1)) if depth else None
    return None, None


def _area(item: Element, magnitude: float | None, depth_km: float | None) -> Area:
    """Where the event is, as precisely as GDACS says it.

    Earthquakes: the USGS felt-radius circle (their bbox is a fixed ±4°
    map window, far wider than any shaking). Droughts: the affected
    countries (their bbox is the same fixed window; a drought is regional).
    Other hazards: the bbox (a cyclone's spans its track), else a circle of
    POINT_RADIUS_KM, else the countries. Countries are only given when they
    are the area, because an area is the union of its codes and shapes and
    a country code next to a 50 km circle would cover the whole country.
    """
    description = _gdacs(item, "country")
    point, _ = georss_area(item)
    centre = point.circles[0] if point and point.circles else None
    bbox = _gdacs(item, "bbox")
    if centre and magnitude is not None:
        radius = felt_radius_km(magnitude, depth_km or 0.0)
        return Area(description=description, circles=(Circle(centre.lat, centre.lon, radius),))
    if bbox and _gdacs(item, "eventtype") != "DR":
        return Area(description=description, polygons=(_bbox_ring(bbox),))
    countries = _country_codes(item)
    if centre and not countries:
        return Area(description=description, circles=(Circle(centre.lat, centre.lon, POINT_RADIUS_KM),))
    return Area(description=description, country_codes=countries)


def _bbox_ring(text: str) -> tuple[tuple[float, float], ...]:
    """`gdacs:bbox` "lonmin lonmax latmin latmax" as a lat-first rectangle."""
    try:
        west, east, south, north = (float(value) for value in text.replace(")", " ").replace("(", " ").split())
        (south, west), (north, east) = checked_point(south, west), checked_point(north, east)
        return rectangle(south, west, north, east)
    except ValueError as exc:
        raise EntryError(f"unreadable gdacs:bbox {text!r} ({exc})") from None


def _country_codes(item: Element) -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes of the affected countries: `gdacs:iso3`, then the names in `gdacs:country`."""
    codes = []
    for iso3 in re.split(r"[\s,;]+", _gdacs(item, "iso3")):
        country = pycountry.countries.get(alpha_3=iso3.upper()) if iso3 else None
        if country:
            codes.append(country.alpha_2)
    for name in _gdacs(item, "country").split(","):
        code = _country_by_name(name.strip())
        if code:
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def _country_by_name(name: str) -> str | None:
    """Alpha-2 code of a country named as GDACS does ("Iran", "Bosnia & Herzegovina", "Russia"), or None."""
    if name in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[name]
    for candidate in (name, name.replace("&", "and")):
        try:
            return pycountry.countries.lookup(candidate).alpha_2
        except LookupError:
            continue
    if name:
        log.debug("GDACS country name %r not recognised", name)
    return None
