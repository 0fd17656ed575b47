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
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

from contextfeed.domain.geodesy import KM_PER_DEGREE, distance_km
from contextfeed.geo.names import normalise_name

# Bump when the index layout or its build rules change: the index is keyed on it and on the data versions.
INDEX_FORMAT = 3
CORE_PART = "core.pickle"
# Packed parts (see PackedFile) are memory-mapped: only the pages a lookup touches count in a process's RSS,
# and every process on the box shares them through the page cache.
CITY_PART = "cities.packed"
ALTERNATE_NAMES_PART = "alternate-names.packed"
POSTAL_PART = "postal.packed"
NAME_REFS_PART = "names.packed"
NAMES_PART = "names-automaton.pickle"
EMMA_PART = "emma-areas.pickle"
US_POSTAL_PART = "us-postal.packed"
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
    """Points bucketed in 0.1-degree cells; `nearest` searches rings of cells outwards from the query.

    Cells are kept sorted by key with the points of each contiguous in
    `members` (cell i holds members[starts[i]:starts[i + 1]]): flat int arrays
    that pickle compactly or map from a packed file, not a dict of tuples.
    """

    lats: Sequence[float]
    lons: Sequence[float]
    cell_keys: Sequence[int]
    cell_starts: Sequence[int]
    members: Sequence[int]

    @classmethod
    def build(cls, lats: Sequence[float], lons: Sequence[float]) -> PointGrid:
        """A grid over the points (lats[i], lons[i])."""
        cells: dict[int, list[int]] = defaultdict(list)
        for index, (lat, lon) in enumerate(zip(lats, lons)):
            cells[_cell_key(*_cell(lat, lon))].append(index)
        keys = sorted(cells)
        starts = array("q", [0])
        members = array("q")
        for key in keys:
            members.extend(cells[key])
            starts.append(len(members))
        return cls(array("d", lats), array("d", lons), array("q", keys), starts, members)

    def columns(self, name: str) -> dict[str, array]:
        """The grid's cell columns, for PointGrid.open(packed, `name`, lats, lons)."""
        fields = ("cell_keys", "cell_starts", "members")
        return {f"{name}.{field}": array("q", getattr(self, field)) for field in fields}

    @classmethod
    def open(cls, packed: PackedFile, name: str, lats: Sequence[float], lons: Sequence[float]) -> PointGrid:
        """The grid `columns(name)` wrote into a packed file, over the points' coordinate columns."""
        fields = ("cell_keys", "cell_starts", "members")
        return cls(lats, lons, *(packed.column(f"{name}.{field}") for field in fields))

    def nearest(self, lat: float, lon: float, *, max_km: float) -> tuple[int, float] | None:
        """The index of the point nearest to (lat, lon) within `max_km`, and its distance."""
        row, column = _cell(lat, lon)
        # A cell is narrowest east-west; ring r lies at least (r - 1) such widths away.
        cell_km = KM_PER_DEGREE * _CELL_DEGREES * max(math.cos(math.radians(min(abs(lat) + _CELL_DEGREES, 89.9))), 0.05)
        best, best_km = -1, max_km
        keys, starts, members, lats, lons = self.cell_keys, self.cell_starts, self.members, self.lats, self.lons
        # No point is nearer than its difference in latitude: most are passed over on that alone.
        degrees_apart = best_km / KM_PER_DEGREE
        for ring in range(int(max_km / cell_km) + 2):
            if best >= 0 and (ring - 1) * cell_km > best_km:
                break
            for key in _ring_keys(row, column, ring):
                cell = bisect_left(keys, key)
                if cell == len(keys) or keys[cell] != key:
                    continue
                for index in members[starts[cell] : starts[cell + 1]]:
                    if abs(lats[index] - lat) > degrees_apart:
                        continue
                    km = distance_km(lat, lon, lats[index], lons[index])
                    if km <= best_km:
                        best, best_km = index, km
                        degrees_apart = best_km / KM_PER_DEGREE
        return (best, best_km) if best >= 0 else None


@dataclass
class CityColumns:
    """The city table column-wise as the builder makes it; `write_cities` packs it, `PackedCities` reads it."""

    geonameid: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    admin1: list[str | None] = field(default_factory=list)
    county_fips: list[str | None] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    population: list[int] = field(default_factory=list)
    timezone: list[str] = field(default_factory=list)
    # Normalised name -> city indices, most populous first.
    names: dict[str, list[int]] = field(default_factory=dict)
    grid: PointGrid | None = None
    capitals: frozenset[int] = frozenset()


_CITY_STRINGS = ("country", "admin1", "county_fips", "timezone")
_CITY_NUMBERS = {"geonameid": "q", "lat": "d", "lon": "d", "population": "q"}


def write_cities(path: Path, cities: CityColumns) -> None:
    """Pack the city table: numbers as typed columns, names as a blob, the few distinct codes through a table."""
    columns: dict[str, array] = {name: array(code, getattr(cities, name)) for name, code in _CITY_NUMBERS.items()}
    columns |= string_columns("name", cities.name)
    tables: dict[str, list[str | None]] = {}
    for name in _CITY_STRINGS:
        values = getattr(cities, name)
        table = tables[name] = sorted(set(values), key=lambda value: (value is not None, value or ""))
        numbers = {value: number for number, value in enumerate(table)}
        columns[name] = array("I", (numbers[value] for value in values))
    columns |= key_index_columns("names", cities.names)
    assert cities.grid is not None
    columns |= cities.grid.columns("grid")
    columns["capitals"] = array("q", sorted(cities.capitals))
    write_packed(path, columns, meta={"tables": tables})


class CodedColumn(Sequence[Any]):
    """A column of few distinct strings (country codes, timezones): one small int per row into a table."""

    def __init__(self, codes: memoryview, table: list[Any]) -> None:
        self._codes = codes
        self._table = table

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._table[code] for code in self._codes[index]]
        return self._table[self._codes[index]]

    def __iter__(self) -> Iterator[Any]:
        return map(self._table.__getitem__, self._codes)

    def __len__(self) -> int:
        return len(self._codes)


class PackedCities:
    """The city table mapped from its packed part: the same columns as CityColumns, read without unpickling."""

    def __init__(self, packed: PackedFile) -> None:
        tables = packed.meta["tables"]
        self.geonameid: Sequence[int] = packed.column("geonameid")
        self.name: Sequence[str] = StringColumn.open(packed, "name")
        self.country: Sequence[str] = CodedColumn(packed.column("country"), tables["country"])
        self.admin1: Sequence[str | None] = CodedColumn(packed.column("admin1"), tables["admin1"])
        self.county_fips: Sequence[str | None] = CodedColumn(packed.column("county_fips"), tables["county_fips"])
        self.lat: Sequence[float] = packed.column("lat")
        self.lon: Sequence[float] = packed.column("lon")
        self.population: Sequence[int] = packed.column("population")
        self.timezone: Sequence[str] = CodedColumn(packed.column("timezone"), tables["timezone"])
        # Normalised primary name -> city indices, most populous first.
        self.names = KeyIndex(packed, "names")
        self.grid = PointGrid.open(packed, "grid", self.lat, self.lon)
        self.capitals = frozenset(packed.column("capitals").tolist())


@dataclass
class CoreIndex:
    """Everything but the cities and the news automaton; ZIP rows are (city, admin1, county, tz, lat, lon)."""

    countries: dict[str, Country]
    country_names: dict[str, str]
    admin1: dict[str, Admin1]
    admin1_names: dict[tuple[str, str], str]
    counties: dict[str, County]
    county_names: dict[tuple[str, str], str]
    # The ZIPs and US places live in the packed US_POSTAL_PART; the reader puts them here (see Gazetteer.core).
    zips: Mapping[str, tuple]
    zip_grid: PointGrid
    zip_order: Sequence[str]
    us_places: Mapping[tuple[str, str], tuple]
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


def stable_hash(encoded: bytes) -> int:
    """A 64-bit hash of a UTF-8 key that every process computes alike (Python's str hash is salted per process)."""
    return int.from_bytes(hashlib.blake2b(encoded, digest_size=8).digest(), "little")


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
        offsets = self._offsets
        return str(self._blob[offsets[index] : offsets[index + 1]], "utf-8")

    def equals(self, index: int, encoded: bytes) -> bool:
        """True when string `index` is `encoded` (UTF-8), compared without decoding it."""
        return self._blob[self._offsets[index] : self._offsets[index + 1]] == encoded

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
        encoded = key.encode()
        hashed = stable_hash(encoded)
        hashes = self._hashes
        # bisect runs in C over the memoryview; only the pages it probes are read from the file.
        index = bisect_left(hashes, hashed)
        while index < len(hashes) and hashes[index] == hashed:
            # Two keys may share a hash: the key itself decides.
            if self._keys.equals(index, encoded):
                return self._values[self._starts[index] : self._starts[index + 1]].tolist()
            index += 1
        return []

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def key_index_columns(name: str, index: dict[str, Sequence[int]]) -> dict[str, array]:
    """The columns KeyIndex(packed, `name`) reads: entries in hash order, each key's ints contiguous."""
    entries = sorted((stable_hash(key.encode()), key, values) for key, values in index.items())
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


class PackedRows(Mapping[Any, tuple]):
    """A read-only dict of same-shaped rows (the ZIPs, the US places) mapped from a packed file, in build order.

    Keys that are tuples of strings are stored joined by tabs; each field is a
    column of floats or of codes into a table of its distinct strings.
    """

    def __init__(self, packed: PackedFile, name: str) -> None:
        self._index = KeyIndex(packed, f"{name}.index")
        self.order = StringColumn.open(packed, f"{name}.order")
        self._tuple_keys: bool = packed.meta[name]["tuple_keys"]
        self._columns: list[Sequence[Any]] = [
            packed.column(f"{name}.{number}")
            if table is None
            else CodedColumn(packed.column(f"{name}.{number}"), table)
            for number, table in enumerate(packed.meta[name]["tables"])
        ]

    def row(self, number: int) -> tuple:
        """The row at position `number` in build order."""
        return tuple(column[number] for column in self._columns)

    def get(self, key: Any, default: Any = None) -> Any:
        """The row stored under `key`, or `default`."""
        found = self._index.get("\t".join(key) if self._tuple_keys else key)
        return self.row(found[0]) if found else default

    def __getitem__(self, key: Any) -> tuple:
        row = self.get(key)
        if row is None:
            raise KeyError(key)
        return row

    def __iter__(self) -> Iterator[Any]:
        return (tuple(key.split("\t")) for key in self.order) if self._tuple_keys else iter(self.order)

    def __len__(self) -> int:
        return len(self.order)


def packed_rows_columns(name: str, rows: Mapping[Any, tuple]) -> tuple[dict[str, array], dict[str, Any]]:
    """The columns and meta PackedRows(packed, `name`) reads; fields holding floats become float columns."""
    keys = ["\t".join(key) if isinstance(key, tuple) else key for key in rows]
    columns = {**key_index_columns(f"{name}.index", {key: (n,) for n, key in enumerate(keys)})}
    columns |= string_columns(f"{name}.order", keys)
    fields = list(zip(*rows.values()))
    tables: list[list[Any] | None] = []
    for number, values in enumerate(fields):
        if all(isinstance(value, float) for value in values):
            tables.append(None)
            columns[f"{name}.{number}"] = array("d", values)
            continue
        table = sorted(set(values), key=lambda value: (value is not None, value or ""))
        codes = {value: code for code, value in enumerate(table)}
        tables.append(table)
        columns[f"{name}.{number}"] = array("I", (codes[value] for value in values))
    return columns, {name: {"tuple_keys": isinstance(next(iter(rows)), tuple), "tables": tables}}
