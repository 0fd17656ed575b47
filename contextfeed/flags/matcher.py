"""Which accounts an event area touches: admin codes through indexes, shapes through a bounding-box prefilter."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterator
from typing import NamedTuple

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from contextfeed.db.models import Account, EventArea
from contextfeed.flags.policy import POINT_PRECISIONS
from contextfeed.geo.model import Precision

EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE = 111.2
CODE_COLUMNS = {
    "county": (Account.loc_county_fips, Precision.COUNTY, "county FIPS"),
    "admin1": (Account.loc_admin1, Precision.ADMIN1, "region"),
    "country": (Account.loc_country, Precision.COUNTRY, "country"),
    "postal": (Account.loc_postal_code, Precision.POSTAL, "postal code"),
}
PRECISIONS = {precision.value: precision for precision in Precision}
ACCOUNT_COLUMNS = (Account.account_id, Account.loc_precision, Account.loc_lat, Account.loc_lon, Account.timezone,
                   Account.loc_city, Account.loc_postal_code)


class AreaMatch(NamedTuple):
    """One account an area touches, how (in words), at what area precision, and the account's own precision.

    A named tuple, not a dataclass: a metro-area alert makes fifty thousand of them.
    """

    account_id: str
    area_precision: Precision
    account_precision: Precision
    how: str
    timezone: str | None


def match_area(
    session: Session,
    area: EventArea,
    *,
    buffer_km: float = 0.0,
    max_distance_km: float | None = None,
    account_ids: Collection[str] | None = None,
) -> Iterator[AreaMatch]:
    """Every account the area touches, by its admin codes and by its shapes (widened by `buffer_km`)."""
    yield from match_codes(session, area, account_ids=account_ids)
    if area.min_lat is not None:
        yield from match_shapes(session, area, buffer_km=buffer_km, max_distance_km=max_distance_km,
                                account_ids=account_ids)


def match_codes(session: Session, area: EventArea, *, account_ids: Collection[str] | None) -> Iterator[AreaMatch]:
    """Accounts whose county, region, country or postal code the area lists."""
    for code in area.codes:
        column, precision, label = CODE_COLUMNS[code.code_type]
        coarser = [p.value for p in Precision if p.rank > precision.rank]
        query = select(*ACCOUNT_COLUMNS).where(column == code.code, Account.loc_precision.not_in(coarser))
        if account_ids is not None:
            query = query.where(Account.account_id.in_(account_ids))
        for row in session.execute(query):
            yield AreaMatch(row.account_id, precision, PRECISIONS[row.loc_precision],
                            f"in {label} {code.code}", row.timezone)


def match_shapes(
    session: Session,
    area: EventArea,
    *,
    buffer_km: float,
    max_distance_km: float | None,
    account_ids: Collection[str] | None,
) -> Iterator[AreaMatch]:
    """Accounts with a point inside the area's polygons or circles; the SQL bounding box keeps the scan small."""
    pad_lat = buffer_km / KM_PER_DEGREE
    pad_lon = buffer_km / (KM_PER_DEGREE * max(0.01, math.cos(math.radians((area.min_lat + area.max_lat) / 2))))
    query = select(*ACCOUNT_COLUMNS).where(
        Account.loc_lat.between(area.min_lat - pad_lat, area.max_lat + pad_lat),
        Account.loc_lon.between(area.min_lon - pad_lon, area.max_lon + pad_lon),
        Account.loc_precision.in_([p.value for p in POINT_PRECISIONS]),
    )
    if account_ids is not None:
        query = query.where(Account.account_id.in_(account_ids))
    rows = session.execute(query).all()
    if not rows:
        return
    lats = np.array([row.loc_lat for row in rows])
    lons = np.array([row.loc_lon for row in rows])
    descriptions = np.full(len(rows), None, dtype=object)
    for ring in json.loads(area.polygons):
        polygon = shapely.Polygon([(lon, lat) for lat, lon in ring])
        if not polygon.is_valid:
            polygon = shapely.make_valid(polygon)
        inside = shapely.contains_xy(polygon, lons, lats)
        if buffer_km:
            near = shapely.dwithin(polygon, shapely.points(lons, lats), buffer_km / KM_PER_DEGREE)
            descriptions[near & ~inside & (descriptions == None)] = f"within {buffer_km:g} km of the alert area"  # noqa: E711
        descriptions[inside] = "inside the alert area"
    for lat, lon, radius in json.loads(area.circles):
        reach = radius + buffer_km
        if max_distance_km is not None:
            reach = min(reach, max_distance_km)
        distance = haversine_km(lat, lon, lats, lons)
        for index in np.nonzero((distance <= reach) & (descriptions == None))[0]:  # noqa: E711
            descriptions[index] = f"{distance[index]:.0f} km from the centre of the area (radius {reach:.0f} km)"
    for row, how in zip(rows, descriptions):
        if how is not None:
            precision = PRECISIONS[row.loc_precision]
            yield AreaMatch(row.account_id, Precision.POINT, precision, f"{how}{basis(row, precision)}", row.timezone)


def basis(row, precision: Precision) -> str:
    """How the account's point was placed, when it is not its own coordinates."""
    if precision == Precision.POSTAL:
        return f" (by the centre of postal code {row.loc_postal_code})"
    if precision == Precision.CITY:
        return f" (by the centre of {row.loc_city})"
    return ""


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances in km from one point to many."""
    phi1, phi2 = math.radians(lat), np.radians(lats)
    dphi = phi2 - phi1
    dlmb = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
