"""The gazetteer index's parts and row types, shared by the builder (index_build) and the reader (gazetteer).

Neither imports the other's internals: gazetteer -> index_build -> this module.
"""

from __future__ import annotations

import importlib.util
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from contextfeed.geo.names import normalise_name

# Bump when the index layout or its build rules change: the index is keyed on it and on the data versions.
INDEX_FORMAT = 2
CORE_PART = "core.pickle"
CITY_PART = "cities.pickle"
ALTERNATE_NAMES_PART = "alternate-names.pickle"
NAMES_PART = "names.pickle"
EMMA_PART = "emma-areas.pickle"
POSTAL_PART = "postal-{country}.pickle"
# US territories: ISO 3166-1 countries of their own, and "US-XX" in ISO 3166-2:US.
US_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})
_EARTH_RADIUS_KM = 6371.0088
_KM_PER_DEGREE = 111.195
_CELL_DEGREES = 0.1
_COUNTY_WORDS = re.compile(r"\b(county|parish|borough|municipio|municipality|city and|census area|of|city)\b")

NameRef = tuple[Literal["country", "admin1", "county", "city"], Any]


@dataclass(frozen=True)
class Country:
    """A country (ISO 3166-1) with its dominant timezone when one covers ~all its people."""

    code: str
    iso3: str
    name: str
    geonameid: int
    population: int
    timezone: str | None
    postal_pattern: str


@dataclass(frozen=True)
class Admin1:
    """A first-level subdivision: ISO 3166-2 code where known (see index_build), US state FIPS for US states."""

    code: str
    country: str
    name: str
    timezone: str | None = None
    fips: str | None = None
    geonameid: int | None = None
    population: int = 0


@dataclass(frozen=True)
class County:
    """A US county (or equivalent) by 5-digit FIPS, with the centroid of its ZIP codes and its towns' population."""

    fips: str
    name: str
    admin1: str
    lat: float | None = None
    lon: float | None = None
    timezone: str | None = None
    population: int = 0


@dataclass(frozen=True)
class PostalArea:
    """A postal code's area: a US ZIP (USPS city, state, county) or elsewhere GeoNames' centroid of the code."""

    code: str
    city: str
    admin1: str
    county_fips: str | None
    timezone: str | None
    lat: float
    lon: float


@dataclass(frozen=True)
class UsPlace:
    """A US city or town as the ZIP data knows it: the county most of its ZIPs are in and their centroid."""

    name: str
    admin1: str
    county_fips: str | None
    lat: float
    lon: float
    timezone: str | None


@dataclass(frozen=True)
class City:
    """A GeoNames populated place."""

    index: int
    geonameid: int
    name: str
    country: str
    admin1: str | None
    county_fips: str | None
    lat: float
    lon: float
    population: int
    timezone: str


@dataclass
class PointGrid:
    """Points bucketed in 0.1-degree cells; `nearest` searches rings of cells outwards from the query."""

    lats: list[float]
    lons: list[float]
    cells: dict[int, tuple[int, ...]]

    @classmethod
    def build(cls, lats: list[float], lons: list[float]) -> PointGrid:
        """A grid over the points (lats[i], lons[i]); keeps the lists it is given."""
        cells: dict[int, list[int]] = {}
        for index, (lat, lon) in enumerate(zip(lats, lons)):
            cells.setdefault(_cell_key(*_cell(lat, lon)), []).append(index)
        return cls(lats, lons, {key: tuple(indices) for key, indices in cells.items()})

    def nearest(self, lat: float, lon: float, *, max_km: float) -> tuple[int, float] | None:
        """The index of the point nearest to (lat, lon) within `max_km`, and its distance."""
        row, column = _cell(lat, lon)
        # A cell is narrowest east-west; ring r lies at least (r - 1) such widths away.
        cell_km = _KM_PER_DEGREE * _CELL_DEGREES * max(math.cos(math.radians(min(abs(lat) + _CELL_DEGREES, 89.9))), 0.05)
        best, best_km = -1, max_km
        for ring in range(int(max_km / cell_km) + 2):
            if best >= 0 and (ring - 1) * cell_km > best_km:
                break
            for key in _ring_keys(row, column, ring):
                for index in self.cells.get(key, ()):
                    km = distance_km(lat, lon, self.lats[index], self.lons[index])
                    if km <= best_km:
                        best, best_km = index, km
        return (best, best_km) if best >= 0 else None


@dataclass
class CityColumns:
    """The city table stored column-wise (unpickles an order of magnitude faster than 235k objects)."""

    geonameid: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    admin1: list[str | None] = field(default_factory=list)
    county_fips: list[str | None] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    population: list[int] = field(default_factory=list)
    timezone: list[str] = field(default_factory=list)
    # Normalised name -> city index, or a tuple of indices (most populous first) when shared.
    names: dict[str, int | tuple[int, ...]] = field(default_factory=dict)
    grid: PointGrid | None = None
    capitals: frozenset[int] = frozenset()


@dataclass
class CoreIndex:
    """Everything but the cities and the news automaton; ZIP rows are (city, admin1, county, tz, lat, lon)."""

    countries: dict[str, Country]
    country_names: dict[str, str]
    admin1: dict[str, Admin1]
    admin1_names: dict[tuple[str, str], str]
    counties: dict[str, County]
    county_names: dict[tuple[str, str], str]
    zips: dict[str, tuple]
    zip_grid: PointGrid
    zip_order: tuple[str, ...]
    us_places: dict[tuple[str, str], tuple]
    area_code_states: dict[str, str]
    # Countries with postal centroids outside the US, each in its own part (loaded on first use).
    postal_countries: frozenset[str] = frozenset()


def package_dir(name: str) -> Path:
    """The directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / _CELL_DEGREES), math.floor(lon / _CELL_DEGREES)


def _cell_key(row: int, column: int) -> int:
    # Int keys unpickle and hash faster than tuples; longitude wraps at the antimeridian.
    return row * 4000 + column % 3600


def _ring_keys(row: int, column: int, ring: int) -> list[int]:
    if ring == 0:
        return [_cell_key(row, column)]
    keys = [_cell_key(row + d, column + e) for d in (-ring, ring) for e in range(-ring, ring + 1)]
    keys += [_cell_key(row + d, column + e) for e in (-ring, ring) for d in range(-ring + 1, ring)]
    return keys


def county_keys(name: str) -> tuple[str, str]:
    """Two keys for a county name: normalised in full, and with its generic words ("County", "Parish") dropped."""
    full = normalise_name(name)
    return full, " ".join(_COUNTY_WORDS.sub(" ", full).split())


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class EmmaArea:
    """A MeteoAlarm warning area (EMMA_ID): its country, name and outer rings, latitude first as in CAP."""

    code: str
    country: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]
