"""GeoRSS shapes of a feed entry (Simple, GML, and W3C geo), as one Area in latitude-first order.

GeoRSS Simple and GeoRSS GML both write "lat lon" (GML's default axis
order for EPSG:4326). Namespaces are matched loosely ("georss" in the URI)
because real feeds misspell them (https://www.georss.org/georss).
"""

from __future__ import annotations

import logging
from xml.etree.ElementTree import Element

from contextfeed.sources.documents import child_text, local_name, namespace, text_of
from contextfeed.sources.model import Area, Circle
from contextfeed.sources.shapes import (
    Ring,
    bounding_ring,
    checked_point,
    closed_ring,
    lat_lon_pairs,
    rectangle,
    ring_from_text,
)

log = logging.getLogger(__name__)

#: A GeoRSS point in news marks a place, usually a town's centre: 5 km
#: covers a town without reaching the next one.
POINT_RADIUS_KM = 5.0


def georss_area(entry: Element, *, description: str = "") -> tuple[Area | None, list[str]]:
    """The union of an entry's GeoRSS shapes (None if it has none), and messages for shapes that could not be read."""
    polygons: list[Ring] = []
    points: list[tuple[float, float]] = []
    problems: list[str] = []
    for element in entry:
        try:
            _read_shape(element, polygons, points)
        except ValueError as exc:
            problems.append(f"GeoRSS {local_name(element)} ignored: {exc}")
    try:
        points.extend(_bare_w3c_point(entry))
    except ValueError as exc:
        problems.append(f"geo:lat/geo:long ignored: {exc}")
    if not polygons and not points:
        return None, problems
    circles = tuple(dict.fromkeys(Circle(lat, lon, POINT_RADIUS_KM) for lat, lon in points))
    return Area(description=description, polygons=tuple(dict.fromkeys(polygons)), circles=circles), problems


def _read_shape(element: Element, polygons: list[Ring], points: list[tuple[float, float]]) -> None:
    """Add what one child element describes to `polygons` or `points`."""
    uri, name = namespace(element), local_name(element)
    if "georss" in uri:
        text = text_of(element)
        if name == "point":
            points.extend(_single_point(text))
        elif name == "polygon":
            polygons.append(ring_from_text(text))
        elif name == "line":
            # A line (a road closure, a storm track) is matched through its bounding box.
            polygons.append(bounding_ring(lat_lon_pairs(text)))
        elif name == "box":
            # GeoRSS box: "south west north east".
            (south, west), (north, east) = _exactly(lat_lon_pairs(text), 2)
            polygons.append(rectangle(south, west, north, east))
        elif name == "where":
            for shape in element:
                _read_gml(shape, polygons, points)
    elif _is_w3c_geo(element) and name == "Point":
        points.extend(_bare_w3c_point(element))


def _read_gml(shape: Element, polygons: list[Ring], points: list[tuple[float, float]]) -> None:
    """One GML geometry inside georss:where (GeoRSS GML profile: Point, LineString, Polygon, Envelope)."""
    name = local_name(shape)
    if name == "Point":
        points.extend(_single_point(" ".join(text_of(pos) for pos in shape.iter() if local_name(pos) == "pos")))
    elif name == "LineString":
        polygons.append(bounding_ring(lat_lon_pairs(_pos_list(shape))))
    elif name == "Polygon":
        exterior = next((part for part in shape.iter() if local_name(part) == "exterior"), shape)
        polygons.append(closed_ring(lat_lon_pairs(_pos_list(exterior))))
    elif name == "Envelope":
        corners = child_text(shape, "lowerCorner") + " " + child_text(shape, "upperCorner")
        (south, west), (north, east) = _exactly(lat_lon_pairs(corners), 2)
        polygons.append(rectangle(south, west, north, east))
    else:
        raise ValueError(f"unsupported GML geometry {name}")


def _is_w3c_geo(element: Element) -> bool:
    """True for W3C Basic Geo elements (feeds vary the URI: ".../wgs84_pos#", ".../geo/")."""
    return "w3.org/2003/01/geo" in namespace(element)


def _bare_w3c_point(element: Element) -> list[tuple[float, float]]:
    """A W3C Basic Geo point from `geo:lat` and `geo:long` children of `element`, if both are there."""
    lat = [text_of(child) for child in element if _is_w3c_geo(child) and local_name(child) == "lat"]
    lon = [text_of(child) for child in element if _is_w3c_geo(child) and local_name(child) == "long"]
    if not lat or not lon:
        return []
    try:
        return [checked_point(float(lat[0]), float(lon[0]))]
    except ValueError as exc:
        raise ValueError(f"unreadable point ({exc})") from None


def _pos_list(element: Element) -> str:
    """The first posList inside an element."""
    return next((text_of(part) for part in element.iter() if local_name(part) == "posList"), "")


def _single_point(text: str) -> list[tuple[float, float]]:
    """A "lat lon" point, checked."""
    return [checked_point(*_exactly(lat_lon_pairs(text), 1)[0])]


def _exactly(pairs: list[tuple[float, float]], count: int) -> list[tuple[float, float]]:
    """`pairs` if there are `count` of them; ValueError otherwise."""
    if len(pairs) != count:
        raise ValueError(f"expected {count} coordinate pair(s), got {len(pairs)}")
    return pairs
