"""The gazetteer index: built once, keyed on its data, and quick to open from a fresh process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contextfeed.geo import gazetteer as gazetteer_module
from contextfeed.geo import gazetteer_index
from contextfeed.geo.gazetteer import Gazetteer, PointGrid
from contextfeed.geo.gazetteer_index import KeyIndex, PackedFile, key_index_columns, write_packed
from contextfeed.geo.index_build import city_admin1

COLD_START = """
import time
started = time.perf_counter()
from pathlib import Path
from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.locate import Locator
from contextfeed.geo.model import AccountAddress
location = Locator(Gazetteer.load(Path({directory!r}))).locate(AccountAddress(city="Boston", region="MA"))
assert location.county_fips == "25025"
print(time.perf_counter() - started)
"""


def test_a_fresh_process_opens_the_built_index_without_rebuilding_it(gazetteer: Gazetteer) -> None:
    # The cold-start time itself is measured by bench/bench_cold_start.py, not asserted here.
    code = COLD_START.format(directory=str(gazetteer.directory.parent))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(result.stdout) > 0
    assert [path.name for path in gazetteer.directory.parent.glob("gazetteer-v*")] == [gazetteer.directory.name]


# A process that places accounts and reads the news: its RSS before and after it does both.
WORKING_SET = """
import re
from pathlib import Path
def rss_mb():
    return int(re.search(r"VmRSS:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1)) / 1024
from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.geoparse import Geoparser
from contextfeed.geo.locate import Locator
from contextfeed.geo.model import AccountAddress
before = rss_mb()
gazetteer = Gazetteer.load(Path({directory!r}))
locator = Locator(gazetteer)
addresses = [("Boston", "02116", "US"), ("London", "SW1A 1AA", "GB"), ("Berlin", "10115", "DE"),
             ("Mumbai", "400001", "IN"), ("Tokyo", "100-0001", "JP"), ("Toronto", "M5H 2N2", "CA"),
             ("Sydney", "2000", "AU"), ("Paris", "75001", "FR"), ("Bombay", "", "IN"), ("Muenchen", "", "DE")]
for city, postal_code, country in addresses:
    assert locator.locate(AccountAddress(city=city, postal_code=postal_code, country=country)).admin1
for country in sorted(gazetteer.core.postal_key_lengths):
    gazetteer.postal_centroid("1000", country=country)
mentions = Geoparser(gazetteer).parse("Floods hit Houston, Texas, and landslides struck Kerala, India.")
assert {{mention.admin1 for mention in mentions}} >= {{"US-TX", "IN-KL"}}
print(rss_mb() - before)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads RSS from /proc")
def test_placing_accounts_and_reading_news_costs_a_process_little_memory(gazetteer: Gazetteer) -> None:
    # Every API process holds the gazetteer: it held ~470 MB when its parts were Python objects
    # (~650 MB with every country's postal codes); packed and memory-mapped it is ~100 MB.
    code = WORKING_SET.format(directory=str(gazetteer.directory.parent))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(result.stdout) < 200


def test_keys_that_share_a_hash_are_told_apart_by_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gazetteer_index, "stable_hash", lambda encoded: len(encoded) % 2)
    names = {"paris": [3, 1], "lyon": [7], "nice": [9], "metz": [11], "rennes": [2]}
    write_packed(tmp_path / "names.packed", key_index_columns("names", names))
    index = KeyIndex(PackedFile(tmp_path / "names.packed"), "names")
    assert {key: index.get(key) for key in names} == names
    assert index.get("brest") == [] and index.get("") == []


def test_a_file_that_is_not_a_packed_part_is_refused(tmp_path: Path) -> None:
    (tmp_path / "names.packed").write_bytes(b"\x80\x05 a pickle, not a packed part")
    with pytest.raises(ValueError, match="not a packed gazetteer part"):
        PackedFile(tmp_path / "names.packed")


def test_the_index_is_rebuilt_when_its_data_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []

    def fake_build(directory: Path) -> None:
        builds.append(directory)
        for part in (gazetteer_module.CORE_PART, gazetteer_module.CITY_PART, gazetteer_module.NAMES_PART):
            (directory / part).write_bytes(b"")

    monkeypatch.setattr(gazetteer_module, "build_in_child", fake_build)
    monkeypatch.setattr(gazetteer_module, "data_key", lambda: "aaaa")
    first = Gazetteer.load(tmp_path)
    Gazetteer.load(tmp_path)
    monkeypatch.setattr(gazetteer_module, "data_key", lambda: "bbbb")
    second = Gazetteer.load(tmp_path)
    assert len(builds) == 2
    assert first.directory.name.endswith("aaaa") and second.directory.name.endswith("bbbb")
    assert [path.name for path in tmp_path.glob("gazetteer-v*")] == [second.directory.name]


@pytest.mark.parametrize(
    ("country", "capital", "iso"),
    [
        ("CA", "Edmonton", "CA-AB"),
        ("CA", "Victoria", "CA-BC"),
        ("CA", "Toronto", "CA-ON"),
        ("CA", "Quebec", "CA-QC"),
        ("CA", "Halifax", "CA-NS"),
        ("CA", "Regina", "CA-SK"),
        ("AU", "Sydney", "AU-NSW"),
        ("AU", "Brisbane", "AU-QLD"),
        ("AU", "Perth", "AU-WA"),
        ("AU", "Hobart", "AU-TAS"),
    ],
)
def test_geonames_numbered_provinces_map_to_their_iso_codes(
    gazetteer: Gazetteer, country: str, capital: str, iso: str
) -> None:
    city = gazetteer.cities_named(capital, country=country)[0]
    assert city.admin1 == iso


def test_admin1_codes_are_iso_3166_2_and_never_geonames_private_codes() -> None:
    assert city_admin1("US", "MA") == "US-MA"
    assert city_admin1("PR", "127") == "US-PR"
    assert city_admin1("CH", "ZH") == "CH-ZH"
    assert city_admin1("GB", "ENG") == "GB-ENG"
    # GeoNames' FR "11" is Île-de-France (ISO FR-IDF), not ISO's FR-11 (Aude).
    assert [city_admin1(*pair) for pair in (("FR", "11"), ("PH", "NCR"), ("DE", "02"), ("JP", "40"))] == [
        "FR-IDF",
        "PH-00",
        "DE-BY",
        "JP-13",
    ]
    assert city_admin1("FR", "") is None


def test_no_city_or_region_carries_a_geonames_private_code(gazetteer: Gazetteer) -> None:
    assert not [code for code in gazetteer.core.admin1 if "-GN" in code]
    assert not {code for code in gazetteer.cities.admin1 if code and "-GN" in code}


@pytest.mark.parametrize(
    ("name", "country", "iso"),
    [
        ("Bavaria", "DE", "DE-BY"),
        ("Bayern", "DE", "DE-BY"),
        ("CDMX", "MX", "MX-CMX"),
        ("Metro Manila", "PH", "PH-00"),
        ("NCR", "PH", "PH-00"),
        ("Comunidad de Madrid", "ES", "ES-MD"),
        ("Amman Governorate", "JO", "JO-AM"),
        ("Ile-de-France", "FR", "FR-IDF"),
        ("Nordrhein-Westfalen", "DE", "DE-NW"),
        ("North Rhine-Westphalia", "DE", "DE-NW"),
        ("Maharashtra", "IN", "IN-MH"),
        ("Isère", "FR", "FR-ARA"),
        ("Tokyo", "JP", "JP-13"),
    ],
)
def test_regions_are_found_by_the_names_people_write(gazetteer: Gazetteer, name: str, country: str, iso: str) -> None:
    assert gazetteer.find_admin1(name, country=country).code == iso


@pytest.mark.parametrize(
    ("written", "country", "key", "admin1"),
    [
        ("SW1A 1AA", "GB", "SW1A", "GB-ENG"),
        ("M5H 2N2", "CA", "M5H", "CA-ON"),
        ("m5h2n2", "CA", "M5H", "CA-ON"),
        ("D02 X285", "IE", "D02", "IE-L"),
        ("2000", "AU", "2000", "AU-NSW"),
        ("80331", "DE", "80331", "DE-BY"),
        ("75008", "FR", "75008", "FR-IDF"),
        ("400001", "IN", "400001", "IN-MH"),
        ("1226", "PH", "1226", "PH-00"),
        ("06600", "MX", "06600", "MX-CMX"),
        ("100-0005", "JP", "1000005", "JP-13"),
        ("6011", "NZ", "6011", "NZ-WGN"),
        ("28013", "ES", "28013", "ES-MD"),
        ("00186", "IT", "00186", "IT-62"),
        ("8001", "ZA", "8001", "ZA-WC"),
        ("1012 LG", "NL", "1012", "NL-NH"),
    ],
)
def test_postal_codes_of_the_countries_served_have_centroids(
    gazetteer: Gazetteer, written: str, country: str, key: str, admin1: str
) -> None:
    area = gazetteer.postal_centroid(written, country=country)
    assert (area.code, area.admin1) == (key, admin1)


def test_same_and_ugc_need_every_state_by_fips(gazetteer: Gazetteer) -> None:
    assert gazetteer.state_by_fips("25").code == "US-MA"
    assert gazetteer.state_by_fips("72").code == "US-PR"
    assert gazetteer.county("17167").name == "Sangamon County"
    assert gazetteer.find_county("Doña Ana", admin1="US-NM").fips == "35013"
    assert gazetteer.find_county("St. Louis County", admin1="US-MO").fips == "29189"


def test_area_codes_name_a_state_only_when_unambiguous(gazetteer: Gazetteer) -> None:
    assert gazetteer.area_code_admin1("617") == "US-MA"
    assert gazetteer.area_code_admin1("800") is None


def test_the_nearest_point_is_found_across_cell_borders() -> None:
    grid = PointGrid.build([42.3601, 42.2001, 41.0], [-71.0001, -70.9999, -71.0])
    assert grid.nearest(42.2049, -71.0001, max_km=20)[0] == 1
    assert grid.nearest(42.27, -71.0, max_km=20)[0] == 1
    assert grid.nearest(41.5, -71.0, max_km=20) is None
    index, km = grid.nearest(41.1, -71.0, max_km=20)
    assert index == 2 and 11 < km < 11.2


def test_the_index_is_keyed_on_the_data_version_and_the_builder_imports_only_one_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ast

    from contextfeed.geo import index_build

    version = tmp_path / "geo_data_version.txt"
    version.write_text("one\n")
    monkeypatch.setattr(index_build, "DATA_VERSION_FILE", version)
    first = gazetteer_module.data_key()
    version.write_text("two\n")
    assert gazetteer_module.data_key() != first
    tree = ast.parse(Path(index_build.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "contextfeed.geo.gazetteer" not in imported
