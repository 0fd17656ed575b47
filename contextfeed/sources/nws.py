"""api.weather.gov `/alerts` GeoJSON (a FeatureCollection of CAP alerts as JSON-LD features).

Traps: `geometry` is often null and the area is then only `geocode.SAME`
(0 + state FIPS + county FIPS) and `geocode.UGC` zones; coordinates are
GeoJSON [lon, lat]; `expires` is when the message expires, `ends` when the
hazard does (null when open-ended, with `parameters.eventEndingTime` as a
fallback).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from contextfeed.sources.documents import DocumentError, load_json
from contextfeed.sources.eventcodes import explicit_codes
from contextfeed.sources.instants import optional_instant, parse_instant
from contextfeed.sources.model import Area, Circle, Geocode, ParsedEvent, ParseResult, Reference
from contextfeed.sources.results import EntryError, read_entries, result
from contextfeed.sources.scales import (
    CATEGORIES,
    CERTAINTIES,
    SEVERITIES,
    URGENCIES,
    canonical,
    message_type_of,
    status_of,
)
from contextfeed.sources.shapes import Ring, checked_point, ring_from_geojson

log = logging.getLogger(__name__)

KIND = "nws"
#: The geocode value names api.weather.gov uses, in the order they are kept.
GEOCODE_NAMES = ("SAME", "UGC")


def parse_nws(body: bytes, *, source: str) -> ParseResult:
    """One event per alert feature of an api.weather.gov alerts FeatureCollection (or a single Feature)."""
    document = load_json(body)
    if isinstance(document, Mapping) and document.get("type") == "Feature":
        features: list[Any] = [document]
    elif isinstance(document, Mapping) and isinstance(document.get("features"), list):
        features = document["features"]
    else:
        raise DocumentError("not an api.weather.gov alerts document: no GeoJSON `features` list")
    events, errors = read_entries(features, lambda feature: read_feature(feature, source=source), label=_label)
    return result(events, errors)


def _label(position: int, feature: Any) -> str:
    """How an error names a feature: its alert id, or its position."""
    properties = feature.get("properties") if isinstance(feature, Mapping) else None
    identifier = properties.get("id") if isinstance(properties, Mapping) else None
    return f"feature {identifier or f'#{position}'}"


def read_feature(feature: Mapping[str, Any], *, source: str) -> ParsedEvent:
    """One api.weather.gov alert feature as an event."""
    properties = feature.get("properties")
    if not isinstance(properties, Mapping):
        raise EntryError("feature without properties")
    identifier, sender, sent = properties.get("id"), properties.get("sender"), properties.get("sent")
    if not (identifier and sender and sent):
        raise EntryError("alert without id, sender or sent")
    parameters = properties.get("parameters") or {}
    ending = (parameters.get("eventEndingTime") or [None])[0]
    return ParsedEvent(
        source=source,
        kind=KIND,
        external_id=str(identifier),
        sender=str(sender),
        sent=parse_instant(sent),
        status=status_of(properties.get("status") or ""),
        msg_type=message_type_of(properties.get("messageType") or ""),
        category=canonical(properties.get("category") or "", CATEGORIES, default="Other"),
        event_type=properties.get("event") or "",
        event_codes=explicit_codes(same=_listed(properties.get("eventCode"), "SAME", "NationalWeatherService"),
                                   vtec=_listed(parameters, "VTEC")),
        severity=canonical(properties.get("severity") or "", SEVERITIES),
        urgency=canonical(properties.get("urgency") or "", URGENCIES),
        certainty=canonical(properties.get("certainty") or "", CERTAINTIES),
        response_types=(properties["response"],) if properties.get("response") else (),
        headline=properties.get("headline") or "",
        summary=properties.get("description") or "",
        instruction=properties.get("instruction") or "",
        sender_name=properties.get("senderName") or "",
        link=str(feature.get("id") or properties.get("@id") or ""),
        language="en-US",
        effective=optional_instant(properties.get("effective")),
        onset=optional_instant(properties.get("onset")),
        expires=optional_instant(properties.get("expires")),
        ends=optional_instant(properties.get("ends") or ending),
        references=tuple(_reference(item) for item in properties.get("references") or []),
        areas=(_area(feature, properties),),
    )


def _listed(values: Any, *names: str) -> list[str]:
    """The strings listed under `names` in an api.weather.gov {name: [values]} object (eventCode, parameters)."""
    if not isinstance(values, Mapping):
        return []
    return [str(value) for name in names for value in values.get(name) or [] if isinstance(value, str)]


def _reference(item: Mapping[str, Any]) -> Reference:
    """One entry of `properties.references` ({identifier, sender, sent})."""
    if not item.get("identifier") or not item.get("sender"):
        raise EntryError(f"reference without identifier or sender: {dict(item)!r:.120}")
    return Reference(sender=item["sender"], identifier=item["identifier"], sent=optional_instant(item.get("sent")))


def _area(feature: Mapping[str, Any], properties: Mapping[str, Any]) -> Area:
    """The alert's area: its geometry (when not null) united with its SAME and UGC codes."""
    codes = properties.get("geocode") or {}
    polygons, circles = geojson_shapes(feature.get("geometry"))
    return Area(
        description=properties.get("areaDesc") or "",
        polygons=polygons,
        circles=circles,
        geocodes=tuple(Geocode(name=name, value=str(value)) for name in GEOCODE_NAMES for value in codes.get(name) or []),
    )


def geojson_shapes(geometry: Mapping[str, Any] | None) -> tuple[tuple[Ring, ...], tuple[Circle, ...]]:
    """Polygons (outer rings, lat-first) and points (zero-radius circles) of a GeoJSON geometry; holes are not kept.

    Dropping holes can only widen an area, which errs on the side of not
    calling someone who may be affected.
    """
    if not geometry:
        return (), ()
    kind = geometry.get("type")
    coordinates: Any = geometry.get("coordinates") or []
    try:
        if kind == "Polygon":
            return (ring_from_geojson(coordinates[0]),), ()
        if kind == "MultiPolygon":
            return tuple(ring_from_geojson(polygon[0]) for polygon in coordinates), ()
        if kind == "Point":
            lat, lon = checked_point(float(coordinates[1]), float(coordinates[0]))
            return (), (Circle(lat=lat, lon=lon, radius_km=0.0),)
        if kind == "GeometryCollection":
            parts = [geojson_shapes(part) for part in geometry.get("geometries") or []]
            return tuple(r for rings, _ in parts for r in rings), tuple(c for _, circles in parts for c in circles)
    except (TypeError, IndexError, ValueError) as exc:
        raise EntryError(f"unreadable {kind} geometry ({exc})") from None
    raise EntryError(f"unsupported geometry type {kind!r}")
