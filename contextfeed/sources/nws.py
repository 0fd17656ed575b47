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

from contextfeed.domain.instants import optional_instant, parse_instant
from contextfeed.sources.documents import DocumentError, load_json
from contextfeed.sources.eventcodes import explicit_codes
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
    """One api.weather.gov alert feature as an event; a field of the wrong JSON type rejects the feature alone."""
    if not isinstance(feature, Mapping):
        raise EntryError(f"a feature is a JSON {_json_type(feature)}, not an object")
    properties = feature.get("properties")
    if not isinstance(properties, Mapping):
        raise EntryError("feature without properties")
    identifier, sender, sent = (_text(properties, name) for name in ("id", "sender", "sent"))
    if not (identifier and sender and sent):
        raise EntryError("alert without id, sender or sent")
    parameters = _mapping(properties, "parameters")
    ending = next(iter(_texts(parameters, "eventEndingTime")), None)
    return ParsedEvent(
        source=source,
        kind=KIND,
        external_id=identifier,
        sender=sender,
        sent=parse_instant(sent),
        status=status_of(_text(properties, "status")),
        msg_type=message_type_of(_text(properties, "messageType")),
        category=canonical(_text(properties, "category"), CATEGORIES, default="Other"),
        event_type=_text(properties, "event"),
        event_codes=explicit_codes(
            same=_listed(properties.get("eventCode"), "SAME", "NationalWeatherService"),
            vtec=_listed(parameters, "VTEC"),
        ),
        severity=canonical(_text(properties, "severity"), SEVERITIES),
        urgency=canonical(_text(properties, "urgency"), URGENCIES),
        certainty=canonical(_text(properties, "certainty"), CERTAINTIES),
        # One value in api.weather.gov; CAP allows several responseType, so a list of them is read too.
        response_types=_texts(properties, "response"),
        headline=_text(properties, "headline"),
        summary=_text(properties, "description"),
        instruction=_text(properties, "instruction"),
        sender_name=_text(properties, "senderName"),
        link=_text(feature, "id") or _text(properties, "@id"),
        language="en-US",
        effective=optional_instant(_text(properties, "effective") or None),
        onset=optional_instant(_text(properties, "onset") or None),
        expires=optional_instant(_text(properties, "expires") or None),
        ends=optional_instant(_text(properties, "ends") or ending),
        references=tuple(_reference(item) for item in _list(properties, "references")),
        areas=(_area(feature, properties),),
    )


def _text(fields: Mapping[str, Any], name: str) -> str:
    """A string field ("" when absent or null); a number is read as its digits, anything else rejects the feature."""
    value = fields.get(name)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise EntryError(f"{name} is a JSON {_json_type(value)}, not a string")


def _list(fields: Mapping[str, Any], name: str) -> list[Any]:
    """A list field ([] when absent or null); anything else rejects the feature."""
    value = fields.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise EntryError(f"{name} is a JSON {_json_type(value)}, not a list")
    return value


def _texts(fields: Mapping[str, Any], name: str) -> tuple[str, ...]:
    """A field holding one string or a list of strings, as a tuple of the non-empty ones."""
    value = fields.get(name)
    values = value if isinstance(value, list) else [value]
    return tuple(text for text in (_text({name: item}, name) for item in values) if text)


def _mapping(fields: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """An object field ({} when absent or null); anything else rejects the feature."""
    value = fields.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EntryError(f"{name} is a JSON {_json_type(value)}, not an object")
    return value


def _json_type(value: Any) -> str:
    """The JSON name of a decoded value's type."""
    return {dict: "object", list: "array", bool: "boolean", str: "string"}.get(type(value), "number")


def _listed(values: Any, *names: str) -> list[str]:
    """The strings listed under `names` in an api.weather.gov {name: [values]} object (eventCode, parameters)."""
    if not isinstance(values, Mapping):
        return []
    return [str(value) for name in names for value in values.get(name) or [] if isinstance(value, str)]


def _reference(item: Any) -> Reference:
    """One entry of `properties.references` ({identifier, sender, sent})."""
    if not isinstance(item, Mapping):
        raise EntryError(f"a reference is a JSON {_json_type(item)}, not an object")
    identifier, sender = _text(item, "identifier"), _text(item, "sender")
    if not identifier or not sender:
        raise EntryError("reference without identifier or sender")
    return Reference(sender=sender, identifier=identifier, sent=optional_instant(_text(item, "sent") or None))


def _area(feature: Mapping[str, Any], properties: Mapping[str, Any]) -> Area:
    """The alert's area: its geometry (when not null) united with its SAME and UGC codes."""
    codes = _mapping(properties, "geocode")
    geometry = feature.get("geometry")
    if geometry is not None and not isinstance(geometry, Mapping):
        raise EntryError(f"geometry is a JSON {_json_type(geometry)}, not an object")
    polygons, circles = geojson_shapes(geometry)
    return Area(
        description=_text(properties, "areaDesc"),
        polygons=polygons,
        circles=circles,
        geocodes=tuple(Geocode(name=name, value=value) for name in GEOCODE_NAMES for value in _texts(codes, name)),
    )


def geojson_shapes(geometry: Mapping[str, Any] | None) -> tuple[tuple[Ring, ...], tuple[Circle, ...]]:
    """Polygons (outer rings, lat-first) and points (zero-radius circles) of a GeoJSON geometry; holes are not kept.

    Dropping holes can only widen an area, which errs on the side of not
    calling someone who may be affected.
    """
    if not geometry:
        return (), ()
    if not isinstance(geometry, Mapping):
        raise EntryError(f"a geometry is a JSON {_json_type(geometry)}, not an object")
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
