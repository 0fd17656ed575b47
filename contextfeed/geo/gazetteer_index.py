"""The gazetteer index's parts and row types, shared by the builder (index_build) and the reader (gazetteer).

Neither imports the other's internals: gazetteer -> index_build -> this module.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import mmap
import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

from contextfeed.domain.geodesy import KM_PER_DEGREE, distance_km
from contextfeed.geo.names import normalise_name

# Bump when the index layout or its build rules change: the index is keyed on it and on the data versions.
INDEX_FORMAT = 3
CORE_PART = "core.pickle"
CITY_PART = "cities.pickle"
# Packed parts (see PackedFile) are memory-mapped: only the pages a lookup touches count in a process's RSS,
# and every process on the box shares them through the page cache.
ALTERNATE_NAMES_PART = "alternate-names.packed"
POSTAL_PART = "postal.packed"
NAME_REFS_PART = "names.packed"
NAMES_PART = "names-automaton.pickle"
EMMA_PART = "emma-areas.pickle"
_PACKED_MAGIC = b"contextfeed-packed-1\n"
# US territories: ISO 3166-1 countries of their own, and "US-XX" in ISO 3166-2:US.
US_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})
_CELL_DEGREES = 0.1
_COUNTY_WORDS = re.compile(r"\b(county|parish|borough|municipio|municipality|city and|census area|of|city)\b")

NameRef = tuple[Literal["country", "admin1", "county", "city"], Any]
# The kinds of NameRef in the order names.packed numbers them.
NAME_REF_KINDS = ("country", "admin1", "county", "city")


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
    # Countries with postal centroids outside the US (in the packed postal part), each with its keys' lengths.
    postal_key_lengths: dict[str, frozenset[int]] = field(default_factory=dict)


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


@dataclass(frozen=True)
class EmmaArea:
    """A MeteoAlarm warning area (EMMA_ID): its country, name and outer rings, latitude first as in CAP."""

    code: str
    country: str
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]


def stable_hash(key: str) -> int:
    """A 64-bit hash of `key` that every process computes alike (Python's own str hash is salted per process)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def write_packed(path: Path, columns: dict[str, array], *, meta: dict[str, Any] | None = None) -> None:
    """Write typed arrays into one file PackedFile maps: magic, header length, JSON header, 8-byte aligned columns."""
    layout: dict[str, tuple[str, int, int]] = {}
    offset = 0
    for name, values in columns.items():
        layout[name] = (values.typecode, offset, len(values))
        offset += -(-len(values) * values.itemsize // 8) * 8
    header = json.dumps({"columns": layout, "meta": meta or {}}).encode()
    start = -(-(len(_PACKED_MAGIC) + 8 + len(header)) // 8) * 8
    with path.open("wb") as handle:
        handle.write(_PACKED_MAGIC + len(header).to_bytes(8, "little") + header)
        handle.write(bytes(start - handle.tell()))
        for name, values in columns.items():
            handle.seek(start + layout[name][1])
            values.tofile(handle)
        handle.truncate(start + offset)


class PackedFile:
    """A read-only memory map of a file `write_packed` wrote; its columns are memoryviews into the map."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        magic_end = len(_PACKED_MAGIC)
        if self._map[:magic_end] != _PACKED_MAGIC:
            raise ValueError(f"{path} is not a packed gazetteer part")
        length = int.from_bytes(self._map[magic_end : magic_end + 8], "little")
        header = json.loads(self._map[magic_end + 8 : magic_end + 8 + length])
        self._start = -(-(magic_end + 8 + length) // 8) * 8
        self._layout: dict[str, list] = header["columns"]
        self.meta: dict[str, Any] = header["meta"]

    def column(self, name: str) -> memoryview:
        """The column `name` as a typed memoryview (indexing gives Python ints and floats)."""
        typecode, offset, count = self._layout[name]
        start = self._start + offset
        size = array(typecode).itemsize
        return memoryview(self._map)[start : start + count * size].cast(typecode)


class StringColumn(Sequence[str]):
    """Strings kept as one UTF-8 blob and offsets: a list of strings without a Python object per string."""

    def __init__(self, blob: memoryview, offsets: memoryview) -> None:
        self._blob = blob
        self._offsets = offsets

    @classmethod
    def open(cls, packed: PackedFile, name: str) -> StringColumn:
        """The string column `name` of a packed file (written by `string_columns`)."""
        return cls(packed.column(f"{name}.blob"), packed.column(f"{name}.offsets"))

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return bytes(self._blob[self._offsets[index] : self._offsets[index + 1]]).decode()

    def __len__(self) -> int:
        return len(self._offsets) - 1


def string_columns(name: str, strings: Iterable[str]) -> dict[str, array]:
    """The blob and offsets columns that StringColumn.open(packed, `name`) reads back."""
    blob = bytearray()
    offsets = array("q", [0])
    for text in strings:
        blob += text.encode()
        offsets.append(len(blob))
    return {f"{name}.blob": array("B", bytes(blob)), f"{name}.offsets": offsets}


class KeyIndex:
    """A packed map from string keys to tuples of ints: sorted stable hashes, searched by bisection, keys checked."""

    def __init__(self, packed: PackedFile, name: str) -> None:
        self._hashes = packed.column(f"{name}.hashes")
        self._keys = StringColumn.open(packed, f"{name}.keys")
        self._starts = packed.column(f"{name}.starts")
        self._values = packed.column(f"{name}.values")

    def get(self, key: str) -> list[int]:
        """The ints stored under `key`, in the order they were given, or [] when the key is absent."""
        hashed = stable_hash(key)
        hashes = self._hashes
        # bisect runs in C over the memoryview; only the pages it probes are read from the file.
        index = bisect_left(hashes, hashed)
        while index < len(hashes) and hashes[index] == hashed:
            if self._keys[index] == key:
                return self._values[self._starts[index] : self._starts[index + 1]].tolist()
            index += 1
        return []

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def key_index_columns(name: str, index: dict[str, Sequence[int]]) -> dict[str, array]:
    """The columns KeyIndex(packed, `name`) reads: entries in hash order, each key's ints contiguous."""
    entries = sorted((stable_hash(key), key, values) for key, values in index.items())
    starts = array("q", [0])
    values = array("q")
    for _, _, ints in entries:
        values.extend(ints)
        starts.append(len(values))
    return {
        f"{name}.hashes": array("Q", [hashed for hashed, _, _ in entries]),
        **string_columns(f"{name}.keys", (key for _, key, _ in entries)),
        f"{name}.starts": starts,
        f"{name}.values": values,
    }
