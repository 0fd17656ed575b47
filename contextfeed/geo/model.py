"""Where an account is, as far as its data lets us know, and how sure we are."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contextfeed.domain.geodesy import KM_PER_DEGREE, km_per_degree_of_longitude
from contextfeed.sources.shapes import unwrapped_ring


class Precision(StrEnum):
    """How finely a location is known, finest first."""

    POINT = "point"
    POSTAL = "postal"
    CITY = "city"
    COUNTY = "county"
    ADMIN1 = "admin1"
    COUNTRY = "country"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """0 for a point, growing as the location gets coarser."""
        return list(Precision).index(self)


@dataclass(frozen=True)
class AccountAddress:
    """What an account row gives about its whereabouts; every field optional and possibly messy."""

    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    lat: float | None = None
    lon: float | None = None
    phone: str = ""


@dataclass(frozen=True)
class Location:
    """An account located: a representative point, the admin units it sits in, and the precision reached.

    `country` is ISO 3166-1 alpha-2, `admin1` ISO 3166-2 ("US-MA"),
    `county_fips` the 5-digit US county code. `source` names the input that
    gave the location ("lat_lon", "postal_code", "city_region", "city_country",
    "region", "country", "phone", "online", "none"); `note` records conflicts
    between inputs or why nothing was found.
    """

    precision: Precision
    source: str
    lat: float | None = None
    lon: float | None = None
    country: str | None = None
    admin1: str | None = None
    county_fips: str | None = None
    city: str | None = None
    city_geonameid: int | None = None
    postal_code: str | None = None
    timezone: str | None = None
    note: str = ""


UNKNOWN_LOCATION = Location(precision=Precision.UNKNOWN, source="none", note="no usable location fields")


@dataclass(frozen=True)
class ResolvedArea:
    """An event area turned into what accounts are matched against: shapes, then admin codes.

    Shapes keep CAP's latitude-first order. `precision` is the finest unit the
    area is expressed in (POINT for shapes, COUNTY for county codes, ...);
    `unresolved` lists codes that could not be mapped offline (UGC zones,
    EMMA_ID ...) so they stay visible instead of silently dropped;
    `unresolved_within` names the admin1 units or countries known to contain
    them ("US-OR" for UGC zone ORZ001, "FR" for EMMA_ID FR433) — context for
    people, never a reason to suppress a whole state or country.
    """

    precision: Precision
    description: str = ""
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[tuple[float, float, float], ...] = ()
    countries: frozenset[str] = frozenset()
    admin1: frozenset[str] = frozenset()
    county_fips: frozenset[str] = frozenset()
    postal_codes: frozenset[str] = frozenset()
    unresolved: tuple[str, ...] = ()
    unresolved_within: frozenset[str] = frozenset()

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        """(min_lat, min_lon, max_lat, max_lon) of the shapes, or None when the area is codes only.

        Across the antimeridian the box runs past ±180 (Fiji: 177 to 182), never the long way round;
        the matcher wraps it back.
        """
        lats: list[float] = []
        lons: list[float] = []
        for ring in map(unwrapped_ring, self.polygons):
            lats += [lat for lat, _ in ring]
            lons += [lon for _, lon in ring]
        for lat, lon, radius_km in self.circles:
            dlat = radius_km / KM_PER_DEGREE
            dlon = radius_km / km_per_degree_of_longitude(lat)
            lats += [lat - dlat, lat + dlat]
            lons += [lon - dlon, lon + dlon]
        if not lats:
            return None
        return min(lats), min(lons), max(lats), max(lons)


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a text: the characters that named it and what they were resolved to.

    `start`/`end` are character offsets into the text. When `resolved` is
    False the mention was seen but abstained on; `candidates` and `why` say
    what was considered and why none was chosen. `county_fips` is set for US
    counties ("Sangamon County") and for US cities (the county they lie in);
    `population` is the resolved place's (0 when unknown). `bbox` is the
    place's (south, west, north, east) box where known (countries, admin1
    units, continents). `kind` says how the text named it: "name", a
    "demonym" ("Russian" troops) or a "continent" — the last two locate a
    story's actors, never the area it is about.
    """

    text: str
    start: int
    end: int
    resolved: bool
    name: str | None = None
    geonameid: int | None = None
    country: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: Precision = Precision.UNKNOWN
    confidence: float = 0.0
    candidates: tuple[str, ...] = ()
    why: str = ""
    county_fips: str | None = None
    population: int = 0
    bbox: tuple[float, float, float, float] | None = None
    kind: str = "name"
