"""A stored event written back as a document its own kind's parser reads: the inverse of `contextfeed.sources`.

The policy can tell kinds apart (the default one does for FEMA, USGS and
GDACS), so an event goes back in its own format: CAP 1.2 XML, api.weather.gov
GeoJSON, USGS GeoJSON, GDACS RSS, OpenFEMA JSON, or RSS for news. Each writer
writes what its parser reads back into the same event: the same identity,
grades, times and area codes and shapes (geo/areas.py resolves them again).

Two kinds of stored area are written by their description alone: those that
hold a country or a city circle, in a format that has neither. Both can only
have come from geoparsing the area's description (areas.py does when nothing
else resolves), and the same description geoparses the same way again.
News areas are always found again in the headline and summary, unless they
came from GeoRSS (then they have no description and are written as GeoRSS).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, SubElement, indent, tostring

import pycountry

from contextfeed.db.models import Event, EventArea
from contextfeed.domain.instants import iso
from contextfeed.sources.eventcodes import written_codes
from contextfeed.sources.gdacs import (
    ALERT_LEVEL_TO_SEVERITY,
    CURRENT_TO_URGENCY,
    EVENT_TYPES,
)
from contextfeed.sources.usgs import PAGER_TO_SEVERITY, STATUS_TO_CERTAINTY

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
GEORSS_NAMESPACE = "http://www.georss.org/georss"
GDACS_NAMESPACE = "http://www.gdacs.org"
StateFips = Callable[[str], str | None]


@dataclass(frozen=True)
class StoredArea:
    """A stored event area, read back: description, shapes (lat-first), admin codes, unresolved geocodes."""

    description: str
    precision: str
    polygons: tuple[tuple[tuple[float, float], ...], ...]
    circles: tuple[tuple[float, float, float], ...]
    codes: dict[str, tuple[str, ...]]
    unresolved: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, row: EventArea) -> StoredArea:
        """The area of a stored row."""
        codes: dict[str, tuple[str, ...]] = {}
        for code in row.codes:
            codes[code.code_type] = (*codes.get(code.code_type, ()), code.code)
        unresolved = tuple(tuple(item.split(":", 1)) for item in row.unresolved.split(",") if ":" in item)
        return cls(
            row.description,
            row.precision,
            tuple(tuple((lat, lon) for lat, lon in ring) for ring in json.loads(row.polygons)),
            tuple((lat, lon, radius) for lat, lon, radius in json.loads(row.circles)),
            codes,
            unresolved,
        )

    def by_description(self) -> bool:
        """Whether only geoparsing the description gave this area (it holds a country, or a city circle)."""
        return bool(self.codes.get("country")) or self.precision == "city"

    def geocodes(self, schemes: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """The unresolved geocodes (of these schemes), written back so they stay visible, and unresolved."""
        wanted = None if schemes is None else set(schemes)
        return [(scheme, value) for scheme, value in self.unresolved if wanted is None or scheme in wanted]


def write_event(event: Event, *, state_fips: StateFips) -> tuple[str, bytes]:
    """The event as a document of its kind: (file extension, bytes)."""
    areas = [StoredArea.of(row) for row in event.areas]
    if event.kind == "cap":
        return "xml", cap_alert(event, areas)
    if event.kind == "nws":
        return "json", nws_alert(event, areas, state_fips=state_fips)
    if event.kind == "usgs":
        return "json", usgs_earthquake(event, areas)
    if event.kind == "gdacs":
        return "xml", gdacs_item(event, areas)
    if event.kind == "fema":
        return "json", fema_declaration(event, areas)
    return "xml", rss_item(event, areas)


def add(parent: Element, name: str, text: object, **attributes: str) -> None:
    """A child element with this text (a datetime as CAP writes it), unless it is empty."""
    if text is None or text == "":
        return
    SubElement(parent, name, attributes).text = cap_time(text) if isinstance(text, datetime) else str(text)


def cap_time(instant: datetime) -> str:
    """CAP 1.2 §3.3.2 time, "2013-04-19T10:30:00+00:00" (an offset, never "Z")."""
    return instant.isoformat()


def xml(root: Element) -> bytes:
    """The element as an indented UTF-8 document."""
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def as_json(document: object) -> bytes:
    """Indented JSON."""
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8") + b"\n"


def inverse(mapping: Mapping[str, str]) -> dict[str, str]:
    """value -> key of a parser's mapping."""
    return {value: key for key, value in mapping.items()}


# --- CAP 1.2 --------------------------------------------------------------------------------------


def cap_alert(event: Event, areas: list[StoredArea]) -> bytes:
    """A CAP 1.2 alert; `ends` and magnitude go in the parameters the CAP parser reads (NWS, USGS usage)."""
    alert = Element("alert", xmlns=CAP_NAMESPACE)
    for name, value in (
        ("identifier", event.external_id),
        ("sender", event.sender),
        ("sent", event.sent),
        ("status", event.status),
        ("msgType", event.msg_type),
        ("scope", "Public"),
    ):
        add(alert, name, value)
    add(
        alert,
        "references",
        " ".join(
            f"{ref.ref_sender},{ref.ref_identifier},{cap_time(ref.ref_sent) if ref.ref_sent else ''}"
            for ref in event.references
        ),
    )
    # Always an <info>, even for an alert that had none or an index entry: it holds the headline and grades.
    # (Its language then reads back as CAP's default "en-US" instead of none.)
    info = SubElement(alert, "info")
    for name, value in (("language", event.language), ("category", event.category), ("event", event.event_type)):
        add(info, name, value)
    for response in filter(None, event.response_types.split(",")):
        add(info, "responseType", response)
    for name, value in (
        ("urgency", event.urgency),
        ("severity", event.severity),
        ("certainty", event.certainty),
        ("effective", event.effective),
        ("onset", event.onset),
        ("expires", event.expires),
        ("senderName", event.sender_name),
        ("headline", event.headline),
        ("description", event.summary),
        ("instruction", event.instruction),
        ("web", event.link),
    ):
        add(info, name, value)
    same, vtec = written_codes(filter(None, event.event_codes.split(",")))
    for code in same:
        event_code = SubElement(info, "eventCode")
        add(event_code, "valueName", "SAME")
        add(event_code, "value", code)
    for name, value in (
        ("eventEndingTime", event.ends),
        ("Magnitude", event.magnitude),
        ("Depth", None if event.depth_km is None else f"{event.depth_km} km"),
        *(("VTEC", string) for string in vtec),
    ):
        if value is not None:
            parameter = SubElement(info, "parameter")
            add(parameter, "valueName", name)
            add(parameter, "value", value)
    for area in areas:
        cap_area(info, area)
    return xml(alert)


def cap_area(info: Element, area: StoredArea) -> None:
    """A CAP <area>: polygons and circles "lat,lon", counties as FIPS6, states as ISO 3166-2."""
    element = SubElement(info, "area")
    add(element, "areaDesc", area.description)
    geocodes = area.geocodes()
    if not area.by_description():
        for ring in area.polygons:
            add(element, "polygon", " ".join(f"{lat},{lon}" for lat, lon in ring))
        for lat, lon, radius in area.circles:
            add(element, "circle", f"{lat},{lon} {radius}")
        geocodes = (
            [("FIPS6", "0" + county) for county in area.codes.get("county", ())]
            + [("ISO3166-2", admin1) for admin1 in area.codes.get("admin1", ())]
            + geocodes
        )
    for name, value in geocodes:
        geocode = SubElement(element, "geocode")
        add(geocode, "valueName", name)
        add(geocode, "value", value)


# --- api.weather.gov -----------------------------------------------------------------------------


def nws_alert(event: Event, areas: list[StoredArea], *, state_fips: StateFips) -> bytes:
    """An api.weather.gov alerts FeatureCollection of one feature; its areas united into the one NWS gives."""
    same, ugc, polygons, points, descriptions = [], [], [], [], []
    for area in areas:
        descriptions.append(area.description)
        ugc += [value for _, value in area.geocodes(("UGC",))]
        same += [value for _, value in area.geocodes(("SAME", "FIPS6"))]
        if area.by_description():
            continue
        same += ["0" + county for county in area.codes.get("county", ())]
        same += [f"0{fips}000" for fips in map(state_fips, area.codes.get("admin1", ())) if fips]
        polygons += area.polygons
        points += [(lat, lon) for lat, lon, _ in area.circles]
    shapes = [{"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in ring]]} for ring in polygons]
    event_same, event_vtec = written_codes(filter(None, event.event_codes.split(",")))
    shapes += [{"type": "Point", "coordinates": [lon, lat]} for lat, lon in points]
    properties = {
        "id": event.external_id,
        "sender": event.sender,
        "sent": cap_time(event.sent),
        "status": event.status,
        "messageType": event.msg_type,
        "category": event.category,
        "event": event.event_type,
        "severity": event.severity,
        "urgency": event.urgency,
        "certainty": event.certainty,
        "response": next(filter(None, event.response_types.split(",")), None),
        "headline": event.headline,
        "description": event.summary,
        "instruction": event.instruction,
        "senderName": event.sender_name,
        "areaDesc": "; ".join(filter(None, descriptions)),
        **{
            name: cap_time(value) if value else None
            for name, value in (
                ("effective", event.effective),
                ("onset", event.onset),
                ("expires", event.expires),
                ("ends", event.ends),
            )
        },
        "references": [
            {
                "identifier": ref.ref_identifier,
                "sender": ref.ref_sender,
                "sent": cap_time(ref.ref_sent) if ref.ref_sent else None,
            }
            for ref in event.references
        ],
        "geocode": {"SAME": same, "UGC": ugc},
        "eventCode": {"SAME": event_same},
        "parameters": {"VTEC": event_vtec},
    }
    geometry = (
        shapes[0] if len(shapes) == 1 else {"type": "GeometryCollection", "geometries": shapes} if shapes else None
    )
    feature = {"id": event.link or None, "type": "Feature", "geometry": geometry, "properties": properties}
    return as_json({"type": "FeatureCollection", "features": [feature]})


# --- USGS ----------------------------------------------------------------------------------------


def usgs_earthquake(event: Event, areas: list[StoredArea]) -> bytes:
    """A USGS summary feed of one earthquake; the PAGER level and status are read back into severity, certainty."""
    epicentre = next((circle for area in areas for circle in area.circles), None)
    if epicentre is None:
        raise ValueError(f"earthquake {event.external_id} has no epicentre to write")
    lat, lon, _ = epicentre
    properties = {
        "mag": event.magnitude,
        "place": event.summary,
        "time": epoch_ms(event.onset or event.sent),
        "updated": epoch_ms(event.sent),
        "url": event.link or None,
        "title": event.headline,
        "alert": inverse(PAGER_TO_SEVERITY).get(event.severity),
        "status": inverse(STATUS_TO_CERTAINTY).get(event.certainty),
        "type": event.event_type.lower(),
        "ids": "," + ",".join(alias.alias for alias in event.aliases) + ",",
    }
    feature = {
        "type": "Feature",
        "id": event.external_id,
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [lon, lat, event.depth_km]},
    }
    return as_json({"type": "FeatureCollection", "features": [feature]})


def epoch_ms(instant: datetime) -> int:
    """Milliseconds since the Unix epoch."""
    return round(instant.timestamp() * 1000)


# --- GDACS ---------------------------------------------------------------------------------------


def gdacs_item(event: Event, areas: list[StoredArea]) -> bytes:
    """A GDACS RSS of one item: the centre as georss:point, a bbox, or the countries, as the parser chooses."""
    rss = Element("rss", {"version": "2.0", "xmlns:gdacs": GDACS_NAMESPACE, "xmlns:georss": GEORSS_NAMESPACE})
    item = SubElement(SubElement(rss, "channel"), "item")
    news_fields(item, event)
    codes = {name: code for code, (name, _) in EVENT_TYPES.items()}
    add(item, "gdacs:eventtype", codes.get(event.event_type, event.event_type))
    add(item, "gdacs:alertlevel", inverse(ALERT_LEVEL_TO_SEVERITY).get(event.severity, "").title())
    current = inverse(CURRENT_TO_URGENCY).get(event.urgency)
    add(item, "gdacs:iscurrent", current)
    add(item, "gdacs:fromdate", event.onset and format_datetime(event.onset, usegmt=True))
    if current == "false":
        add(item, "gdacs:todate", event.ends and format_datetime(event.ends, usegmt=True))
    if event.magnitude is not None:
        depth = f", Depth:{event.depth_km}km" if event.depth_km is not None else ""
        add(item, "gdacs:severity", f"Magnitude {event.magnitude}M{depth}", unit="M", value=str(event.magnitude))
    for area in areas:
        add(item, "gdacs:country", area.description)
        for lat, lon, _ in area.circles:
            add(item, "georss:point", f"{lat} {lon}")
        for ring in area.polygons:
            lats, lons = [lat for lat, _ in ring], [lon for _, lon in ring]
            add(item, "gdacs:bbox", f"{min(lons)} {max(lons)} {min(lats)} {max(lats)}")
        alpha3 = [pycountry.countries.get(alpha_2=code) for code in area.codes.get("country", ())]
        add(item, "gdacs:iso3", ",".join(country.alpha_3 for country in alpha3 if country))
    return xml(rss)


# --- OpenFEMA ------------------------------------------------------------------------------------


def fema_declaration(event: Event, areas: list[StoredArea]) -> bytes:
    """An OpenFEMA response with a row per designated area: a county, the whole state, or a tribal area by name."""
    declaration_type, _, rest = event.external_id.partition("-")
    state = rest.rpartition("-")[2]
    number = event.link.rstrip("/").rpartition("/")[2]
    base = {
        "femaDeclarationString": event.external_id,
        "disasterNumber": int(number) if number.isdigit() else number,
        "state": state,
        "declarationType": declaration_type,
        "declarationDate": iso(event.sent),
        "incidentType": event.event_type,
        "declarationTitle": event.headline.partition(": ")[2],
        "incidentBeginDate": iso(event.onset),
        # The parser grades urgency Past when the incident ended by the declaration: say just that.
        "incidentEndDate": iso(event.sent) if event.urgency == "Past" else None,
        "tribalRequest": False,
    }
    rows = []
    for area in areas:
        counties = [*area.codes.get("county", ()), *(value[1:] for _, value in area.geocodes(("FIPS6",)))]
        states = [code[3:] for code in area.codes.get("admin1", ()) if code.startswith("US-")]
        if area.by_description() or not (counties or states):
            rows.append(
                base
                | {
                    "designatedArea": area.description,
                    "fipsStateCode": "",
                    "fipsCountyCode": "000",
                    "tribalRequest": True,
                }
            )
            continue
        rows += [
            base | {"designatedArea": area.description, "fipsStateCode": county[:2], "fipsCountyCode": county[2:]}
            for county in counties
        ]
        rows += [
            base | {"designatedArea": area.description, "state": code, "fipsStateCode": "", "fipsCountyCode": "000"}
            for code in states
        ]
    if not rows:
        raise ValueError(f"FEMA declaration {event.external_id} has no designated area to write")
    return as_json({"DisasterDeclarationsSummaries": rows})


# --- RSS -----------------------------------------------------------------------------------------


def news_fields(item: Element, event: Event) -> None:
    """An RSS item's own fields: title, link, description, guid, pubDate."""
    add(item, "title", event.headline)
    add(item, "link", event.link)
    add(item, "description", event.summary)
    add(item, "guid", event.external_id, isPermaLink="false")
    add(item, "pubDate", format_datetime(event.sent, usegmt=True))


def rss_item(event: Event, areas: list[StoredArea]) -> bytes:
    """An RSS 2.0 feed of one item; the channel link's host is the event's sender, as rss.py reads it."""
    rss = Element("rss", {"version": "2.0", "xmlns:georss": GEORSS_NAMESPACE})
    channel = SubElement(rss, "channel")
    add(channel, "title", event.source.name)
    if event.sender != event.source.name:
        add(channel, "link", f"https://{event.sender}/")
    add(channel, "language", event.language)
    item = SubElement(channel, "item")
    news_fields(item, event)
    add(item, "category", event.event_type)
    # GeoRSS areas have no description and no codes; geoparsed ones are found again in the text.
    if all(not area.description and not area.codes for area in areas):
        for area in areas:
            for ring in area.polygons:
                add(item, "georss:polygon", " ".join(f"{lat} {lon}" for lat, lon in ring))
            for lat, lon, _ in area.circles:
                add(item, "georss:point", f"{lat} {lon}")
    return xml(rss)
