"""Reading the shapes feeds publish into latitude-first rings and circles, validated.

CAP writes "lat,lon" pairs, GeoRSS "lat lon" pairs, GeoJSON [lon, lat]
arrays; everything leaves this module as (lat, lon).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from contextfeed.sources.model import Circle

log = logging.getLogger(__name__)

Ring = tuple[tuple[float, float], ...]

#: A bounding box of a straight line (GeoRSS `line` due north or east) has no
#: area; widening its flat side to ~1 km keeps it matchable.
FLAT_SIDE_DEG = 0.01


#: How far past a pole or the antimeridian a coordinate may stray and be clamped back: GDACS draws
#: shapes that touch the dateline out to ±180.005, a rounding of a point on it, not another place.
EDGE_TOLERANCE_DEG = 0.01


def checked_point(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) after checking both are on the globe (clamping hairs past the edges); ValueError otherwise."""
    if not (-90.0 - EDGE_TOLERANCE_DEG <= lat <= 90.0 + EDGE_TOLERANCE_DEG
            and -180.0 - EDGE_TOLERANCE_DEG <= lon <= 180.0 + EDGE_TOLERANCE_DEG):
        raise ValueError(f"coordinates out of range: lat {lat}, lon {lon}")
    return (min(max(lat, -90.0), 90.0), min(max(lon, -180.0), 180.0))


def closed_ring(points: Iterable[tuple[float, float]]) -> Ring:
    """A validated ring of (lat, lon), closed if the source forgot to repeat the first point."""
    ring = [checked_point(lat, lon) for lat, lon in points]
    if len(set(ring)) < 3:
        raise ValueError(f"a polygon needs at least 3 distinct points, got {len(set(ring))}")
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return tuple(ring)


def _numbers(text: str) -> list[float]:
    """Floats of a coordinate list, tolerating the stray commas, '+' signs and parentheses real feeds carry.

    GDACS has been seen closing a georss polygon with a WKT-style ")".
    """
    tokens = text.replace(",", " ").replace("(", " ").replace(")", " ").split()
    try:
        return [float(token) for token in tokens]
    except ValueError as exc:
        raise ValueError(f"unreadable coordinates ({exc})") from None


def lat_lon_pairs(text: str) -> list[tuple[float, float]]:
    """Pairs from "lat,lon lat,lon" (CAP) or "lat lon lat lon" (GeoRSS, GML posList) text."""
    numbers = _numbers(text)
    if len(numbers) % 2:
        raise ValueError(f"odd number of coordinates ({len(numbers)})")
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def ring_from_text(text: str) -> Ring:
    """A CAP `polygon` (CAP 1.2 §3.2.4: "lat,lon" pairs, whitespace-separated) or GeoRSS `polygon`."""
    return closed_ring(lat_lon_pairs(text))


def circle_from_text(text: str) -> Circle:
    """A CAP `circle`: "lat,lon radius" with the radius in kilometres (CAP 1.2 §3.2.4)."""
    centre, _, radius = text.strip().rpartition(" ")
    pairs = lat_lon_pairs(centre)
    if len(pairs) != 1:
        raise ValueError(f"a circle needs one centre, got {text.strip()[:40]!r}")
    lat, lon = checked_point(*pairs[0])
    radius_km = float(radius)
    if radius_km < 0:
        raise ValueError(f"negative circle radius {radius_km}")
    return Circle(lat=lat, lon=lon, radius_km=radius_km)


def rectangle(south: float, west: float, north: float, east: float) -> Ring:
    """The closed ring of a lat/lon box, widened where it is flat."""
    if north == south:
        south, north = south - FLAT_SIDE_DEG / 2, north + FLAT_SIDE_DEG / 2
    if east == west:
        west, east = west - FLAT_SIDE_DEG / 2, east + FLAT_SIDE_DEG / 2
    return closed_ring([(south, west), (south, east), (north, east), (north, west)])


def bounding_ring(points: Sequence[tuple[float, float]]) -> Ring:
    """The rectangle around (lat, lon) points, e.g. a GeoRSS `line`."""
    checked = [checked_point(lat, lon) for lat, lon in points]
    if not checked:
        raise ValueError("no points")
    lats = [lat for lat, _ in checked]
    lons = [lon for _, lon in checked]
    return rectangle(min(lats), min(lons), max(lats), max(lons))


def ring_from_geojson(coordinates: Sequence[Sequence[float]]) -> Ring:
    """A GeoJSON linear ring ([lon, lat(, alt)] positions, RFC 7946 §3.1.1) in latitude-first order."""
    return closed_ring((float(position[1]), float(position[0])) for position in coordinates)
