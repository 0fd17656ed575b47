"""Events around a place and time: in force at an instant, near a point by their areas' bounding boxes."""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import Session

from contextfeed.db.models import Event, EventArea
from contextfeed.domain.geodesy import KM_PER_DEGREE, km_per_degree_of_longitude
from contextfeed.flags.matcher import boxes_reach, haversine_km, lons_near


def in_force(at: datetime) -> ColumnElement[bool]:
    """Events whose validity interval holds `at`."""
    return and_(Event.valid_from <= at, or_(Event.valid_until.is_(None), Event.valid_until > at))


def box_distance_km(lat: float, lon: float, area: EventArea) -> float:
    """Kilometres from a point to an area's bounding box (0 inside it)."""
    nearest_lat = min(max(lat, area.min_lat), area.max_lat)
    nearest_lon = min(max(lons_near(lon, (area.min_lon + area.max_lon) / 2), area.min_lon), area.max_lon)
    return float(haversine_km(lat, lon, [nearest_lat], [nearest_lon])[0])


def events_near(
    session: Session, query: Select, *, lat: float, lon: float, radius_km: float
) -> list[tuple[Event, float]]:
    """The events of `query` with an area box within `radius_km` of the point, and how far, nearest first."""
    pad_lat = radius_km / KM_PER_DEGREE
    pad_lon = radius_km / km_per_degree_of_longitude(lat)
    # The box test in SQL uses the areas' bbox index; the exact distance is computed on what it lets through.
    boxed = query.join(EventArea).where(
        EventArea.min_lat.is_not(None),
        EventArea.max_lat >= lat - pad_lat,
        EventArea.min_lat <= lat + pad_lat,
        boxes_reach(lon - pad_lon, lon + pad_lon),
    )
    found = []
    for event in session.scalars(boxed).unique():
        distance = min(
            (box_distance_km(lat, lon, area) for area in event.areas if area.min_lat is not None), default=math.inf
        )
        if distance <= radius_km:
            found.append((event, distance))
    found.sort(key=lambda item: (item[1], -item[0].sent.timestamp()))
    return found
