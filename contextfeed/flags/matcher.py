"""Which accounts an event area touches: admin codes through indexes, shapes through a bounding-box prefilter."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterator
from typing import NamedTuple, TypeVar

import numpy as np
import shapely
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from contextfeed.db.models import Account, EventArea
from contextfeed.domain.geodesy import EARTH_RADIUS_KM, KM_PER_DEGREE, km_per_degree_of_longitude
from contextfeed.flags.policy import POINT_PRECISIONS
from contextfeed.geo.model import Precision
from contextfeed.sources.shapes import unwrapped_ring

# Queried by table columns, not ORM attributes: the session then returns plain rows,
# not ORM results, for the fifty thousand accounts of a metro-area alert.
ACCOUNTS = Account.__table__
CODE_COLUMNS = {
    "county": (ACCOUNTS.c.loc_county_fips, Precision.COUNTY, "county FIPS"),
    "admin1": (ACCOUNTS.c.loc_admin1, Precision.ADMIN1, "region"),
    "country": (ACCOUNTS.c.loc_country, Precision.COUNTRY, "country"),
    "postal": (ACCOUNTS.c.loc_postal_code, Precision.POSTAL, "postal code"),
}
Lons = TypeVar("Lons", np.ndarray, float)
PRECISIONS = {precision.value: precision for precision in Precision}


class AreaMatch(NamedTuple):
    """One account an area touches, how (in words), at what area precision, and the account's own precision."""

    account_id: str
    area_precision: Precision
    account_precision: Precision
    how: str
    timezone: str | None


class AreaMatches(NamedTuple):
    """The accounts an area touches in the same way: one precision each side, one wording, one time zone.

    A metro-area alert touches fifty thousand accounts in a few thousand ways; judging and wording
    each way once, not each account, is what keeps it fast.
    """

    account_ids: list[str]
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
    """Every account the area touches, one by one (see `match_area_groups`)."""
    for group in match_area_groups(
        session, area, buffer_km=buffer_km, max_distance_km=max_distance_km, account_ids=account_ids
    ):
        for account_id in group.account_ids:
            yield AreaMatch(account_id, group.area_precision, group.account_precision, group.how, group.timezone)


def match_area_groups(
    session: Session,
    area: EventArea,
    *,
    buffer_km: float = 0.0,
    max_distance_km: float | None = None,
    account_ids: Collection[str] | None = None,
) -> Iterator[AreaMatches]:
    """Every account the area touches, by its admin codes and by its shapes (widened by `buffer_km`)."""
    yield from match_codes(session, area, account_ids=account_ids)
    if area.min_lat is not None:
        yield from match_shapes(
            session, area, buffer_km=buffer_km, max_distance_km=max_distance_km, account_ids=account_ids
        )


def match_codes(session: Session, area: EventArea, *, account_ids: Collection[str] | None) -> Iterator[AreaMatches]:
    """Accounts whose county, region, country or postal code the area lists."""
    for code in area.codes:
        column, precision, label = CODE_COLUMNS[code.code_type]
        coarser = [p.value for p in Precision if p.rank > precision.rank]
        query = select(ACCOUNTS.c.account_id, ACCOUNTS.c.loc_precision, ACCOUNTS.c.timezone).where(
            column == code.code, ACCOUNTS.c.loc_precision.not_in(coarser)
        )
        if account_ids is not None:
            query = query.where(ACCOUNTS.c.account_id.in_(account_ids))
        groups: dict[tuple[str, str | None], list[str]] = {}
        for account_id, account_precision, timezone in session.execute(query):
            groups.setdefault((account_precision, timezone), []).append(account_id)
        for (account_precision, timezone), ids in groups.items():
            yield AreaMatches(ids, precision, PRECISIONS[account_precision], f"in {label} {code.code}", timezone)


def match_shapes(
    session: Session,
    area: EventArea,
    *,
    buffer_km: float,
    max_distance_km: float | None,
    account_ids: Collection[str] | None,
) -> Iterator[AreaMatches]:
    """Accounts with a point inside the area's polygons or circles; the SQL bounding box keeps the scan small."""
    pad_lat = buffer_km / KM_PER_DEGREE
    pad_lon = buffer_km / km_per_degree_of_longitude((area.min_lat + area.max_lat) / 2)
    query = select(
        ACCOUNTS.c.account_id,
        ACCOUNTS.c.loc_precision,
        ACCOUNTS.c.loc_lat,
        ACCOUNTS.c.loc_lon,
        ACCOUNTS.c.timezone,
        ACCOUNTS.c.loc_city,
        ACCOUNTS.c.loc_postal_code,
    ).where(
        ACCOUNTS.c.loc_lat.between(area.min_lat - pad_lat, area.max_lat + pad_lat),
        lon_within(ACCOUNTS.c.loc_lon, area.min_lon - pad_lon, area.max_lon + pad_lon),
        ACCOUNTS.c.loc_precision.in_([p.value for p in POINT_PRECISIONS]),
    )
    if account_ids is not None:
        query = query.where(ACCOUNTS.c.account_id.in_(account_ids))
    rows = session.execute(query).all()
    if not rows:
        return
    ids, precisions, lat_values, lon_values, timezones, cities, postal_codes = zip(*rows)
    lats = np.array(lat_values)
    lons = np.array(lon_values)
    descriptions = np.full(len(rows), None, dtype=object)
    for ring in json.loads(area.polygons):
        polygon = shapely.Polygon([(lon, lat) for lat, lon in unwrapped_ring(ring)])
        if not polygon.is_valid:
            polygon = shapely.make_valid(polygon)
        # An unwrapped ring may run past ±180; the accounts are moved into its frame, not the ring cut.
        ring_lons = lons_near(lons, shapely.centroid(polygon).x if not polygon.is_empty else 0.0)
        inside = shapely.contains_xy(polygon, ring_lons, lats)
        if buffer_km:
            near = shapely.dwithin(polygon, shapely.points(ring_lons, lats), buffer_km / KM_PER_DEGREE)
            descriptions[near & ~inside & (descriptions == None)] = f"within {buffer_km:g} km of the alert area"  # noqa: E711
        descriptions[inside] = "inside the alert area"
    for lat, lon, radius in json.loads(area.circles):
        reach = radius + buffer_km
        if max_distance_km is not None:
            reach = min(reach, max_distance_km)
        distance = haversine_km(lat, lon, lats, lons)
        for index in np.nonzero((distance <= reach) & (descriptions == None))[0]:  # noqa: E711
            descriptions[index] = f"{distance[index]:.0f} km from the centre of the area (radius {reach:.0f} km)"
    # Points placed at the centre of a postal code or a city say which, so those group by it too.
    placed_by = {Precision.POSTAL: postal_codes, Precision.CITY: cities}
    groups: dict[tuple[str, str, str | None, str | None], list[str]] = {}
    for index in np.flatnonzero(descriptions != None).tolist():  # noqa: E711
        precision = precisions[index]
        places = placed_by.get(precision)
        key = (precision, descriptions[index], places[index] if places else None, timezones[index])
        groups.setdefault(key, []).append(ids[index])
    for (precision, how, place, timezone), group in groups.items():
        account_precision = PRECISIONS[precision]
        yield AreaMatches(
            group, Precision.POINT, account_precision, f"{how}{basis(account_precision, place)}", timezone
        )


def lon_within(column: ColumnElement[float], west: float, east: float) -> ColumnElement[bool]:
    """SQL: the longitude lies in [west, east], a range that may run past ±180 across the antimeridian.

    Errs wide: a range of a full turn or more lets every longitude through (the exact test follows).
    """
    if east - west >= 360.0:
        return column.is_not(None)
    ranges = [column.between(west, east)]
    if east > 180.0:
        ranges.append(column <= east - 360.0)
    if west < -180.0:
        ranges.append(column >= west + 360.0)
    return or_(*ranges)


def boxes_reach(west: float, east: float) -> ColumnElement[bool]:
    """SQL: an area's stored longitude range (which may run past ±180) overlaps [west, east] in [-180, 180]."""
    return or_(
        *(and_(EventArea.max_lon >= west + turn, EventArea.min_lon <= east + turn) for turn in (-360.0, 0.0, 360.0))
    )


def lons_near(lons: Lons, centre: float) -> Lons:
    """Longitudes moved by whole turns to lie within 180° of `centre`, to test them against an unwrapped shape."""
    return (lons - centre + 180.0) % 360.0 - 180.0 + centre


def basis(precision: Precision, place: str | None) -> str:
    """How the account's point was placed (by the centre of its postal code or city), when not by its own coordinates."""
    if precision == Precision.POSTAL:
        return f" (by the centre of postal code {place})"
    if precision == Precision.CITY:
        return f" (by the centre of {place})"
    return ""


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances in km from one point to many."""
    phi1, phi2 = math.radians(lat), np.radians(lats)
    dphi = phi2 - phi1
    dlmb = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
