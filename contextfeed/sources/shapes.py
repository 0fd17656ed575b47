"""Reading the shapes feeds publish into latitude-first rings and circles, validated.

CAP writes "lat,lon" pairs, GeoRSS "lat lon" pairs, GeoJSON [lon, lat]
arrays; everything leaves this module as (lat, lon).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence

from contextfeed.sources.model import Circle

log = logging.getLogger(__name__)

Ring = tuple[tuple[float, float], ...]

#: What an issuer can mean by a circle or a polygon (issue 20: a radius of 1e8 km, or a polygon
#: around the whole world, suppressed every account). The largest countries (Russia 17 million
#: km², Canada 10 million) fit under the polygon bound, a tsunami or cyclone circle under the radius
#: bound; anything larger is refused and reported, never taken to cover everyone. Errs towards
#: calling: an absurd shape is a mistake or an attack, and the area's codes still apply.
MAX_CIRCLE_RADIUS_KM = 2_000.0
MAX_POLYGON_AREA_KM2 = 20_000_000.0
#: A ring of no area matches no account; it is reported rather than kept as if it were a warned area.
MIN_POLYGON_AREA_KM2 = 1e-6
EARTH_RADIUS_KM = 6371.0

#: A bounding box of a straight line (GeoRSS `line` due north or east) has no
#: area; widening its flat side to ~1 km keeps it matchable.
FLAT_SIDE_DEG = 0.01


#: How far past a pole or the antimeridian a coordinate may stray and be clamped back: GDACS draws
#: shapes that touch the dateline out to ±180.005, a rounding of a point on it, not another place.
EDGE_TOLERANCE_DEG = 0.01


def checked_point(lat: float, lon: float) -> tuple[float, float]:
    """(lat, lon) after checking both are on the globe (clamping hairs past the edges); ValueError otherwise."""
    if not (
        -90.0 - EDGE_TOLERANCE_DEG <= lat <= 90.0 + EDGE_TOLERANCE_DEG
        and -180.0 - EDGE_TOLERANCE_DEG <= lon <= 180.0 + EDGE_TOLERANCE_DEG
    ):
        raise ValueError(f"coordinates out of range: lat {lat}, lon {lon}")
    return (min(max(lat, -90.0), 90.0), min(max(lon, -180.0), 180.0))


def closed_ring(points: Iterable[tuple[float, float]]) -> Ring:
    """A validated ring of (lat, lon), closed if the source forgot to repeat the first point."""
    ring = [checked_point(lat, lon) for lat, lon in points]
    if len(set(ring)) < 3:
        raise ValueError(f"a polygon needs at least 3 distinct points, got {len(set(ring))}")
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    area = ring_area_km2(ring)
    if area < MIN_POLYGON_AREA_KM2:
        raise ValueError("a polygon enclosing no area (its points lie on one line, or it goes round the world)")
    if area > MAX_POLYGON_AREA_KM2:
        raise ValueError(
            f"a polygon of {area:,.0f} km² is larger than any alert area can be "
            f"(at most {MAX_POLYGON_AREA_KM2:,.0f} km²)"
        )
    return tuple(ring)


def ring_area_km2(ring: Sequence[tuple[float, float]]) -> float:
    """The area a closed (lat, lon) ring encloses on the sphere, each edge taken the short way round.

    Chamberlain & Duquette, "Some algorithms for polygons on a sphere" (JPL, 2007): R²/2 times the
    sum over edges of Δλ·(2 + sin φ1 + sin φ2).
    """
    steps = [
        (((lon2 - lon1 + 180.0) % 360.0) - 180.0, lat1, lat2) for (lat1, lon1), (lat2, lon2) in zip(ring, ring[1:])
    ]
    total = sum(
        math.radians(step) * (2 + math.sin(math.radians(lat1)) + math.sin(math.radians(lat2)))
        for step, lat1, lat2 in steps
    )
    area = abs(total) * EARTH_RADIUS_KM**2 / 2
    if abs(sum(step for step, _, _ in steps)) > 180.0:
        # A ring around a pole splits the sphere in two halves that are both "inside": the smaller is meant.
        area = min(area, 4 * math.pi * EARTH_RADIUS_KM**2 - area)
    return area


def unwrapped_ring(ring: Sequence[tuple[float, float]]) -> Ring:
    """The ring with every edge taken the short way round, its longitudes running on past ±180 where it crosses.

    CAP and GeoRSS write each vertex in [-180, 180], so a polygon around Fiji goes 177 ... -178. Read as
    written, its edges would span the rest of the globe (Brazil, Madagascar) and miss Fiji. No issuer draws
    an edge of more than 180° of longitude, so each step is taken as the shorter one; the ring is then
    shifted whole so that its middle lies in [-180, 180]. A ring around a pole does not close this way
    and is left as written.
    """
    if not ring:
        return tuple(ring)
    lons = [ring[0][1]]
    for (_, previous), (_, lon) in zip(ring, ring[1:]):
        lons.append(lons[-1] + ((lon - previous + 180.0) % 360.0) - 180.0)
    if abs(lons[-1] - lons[0] - (ring[-1][1] - ring[0][1])) > 1e-9:
        return tuple(ring)
    shift = -360.0 * math.floor((min(lons) + max(lons)) / 2 / 360.0 + 0.5)
    return tuple((lat, lon + shift) for (lat, _), lon in zip(ring, lons))


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
    try:
        radius_km = float(radius)
    except ValueError:
        raise ValueError(f"unreadable circle radius {radius[:40]!r}") from None
    if not 0 <= radius_km <= MAX_CIRCLE_RADIUS_KM:  # also refuses nan and inf
        raise ValueError(f"circle radius {radius_km:g} km is not between 0 and {MAX_CIRCLE_RADIUS_KM:g} km")
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
