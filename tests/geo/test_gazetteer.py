"""The gazetteer index: built once, keyed on its data, and quick to open from a fresh process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from contextfeed.geo import gazetteer as gazetteer_module
from contextfeed.geo.gazetteer import Gazetteer, PointGrid
from contextfeed.geo.index_build import GEONAMES_ADMIN1_TO_ISO, city_admin1

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


def test_the_index_is_rebuilt_when_its_data_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Path] = []

    def fake_build(directory: Path) -> None:
        builds.append(directory)
        for part in (gazetteer_module.CORE_PART, gazetteer_module.CITY_PART, gazetteer_module.NAMES_PART):
            (directory / part).write_bytes(b"")

    monkeypatch.setattr("contextfeed.geo.index_build.build_index", fake_build)
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
    [("CA", "Edmonton", "CA-AB"), ("CA", "Victoria", "CA-BC"), ("CA", "Toronto", "CA-ON"),
     ("CA", "Quebec", "CA-QC"), ("CA", "Halifax", "CA-NS"), ("CA", "Regina", "CA-SK"),
     ("AU", "Sydney", "AU-NSW"), ("AU", "Brisbane", "AU-QLD"), ("AU", "Perth", "AU-WA"), ("AU", "Hobart", "AU-TAS")],
)
def test_geonames_numbered_provinces_map_to_their_iso_codes(
    gazetteer: Gazetteer, country: str, capital: str, iso: str
) -> None:
    city = gazetteer.cities_named(capital, country=country)[0]
    assert city.admin1 == iso
    assert set(GEONAMES_ADMIN1_TO_ISO) == {"CA", "AU"}


def test_admin1_codes_are_iso_where_known_and_never_look_iso_otherwise() -> None:
    assert city_admin1("US", "MA") == "US-MA"
    assert city_admin1("PR", "127") == "US-PR"
    assert city_admin1("CH", "ZH") == "CH-ZH"
    assert city_admin1("GB", "ENG") == "GB-ENG"
    assert city_admin1("FR", "11") == "FR-GN11"
    assert city_admin1("FR", "") is None


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
