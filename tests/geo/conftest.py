"""One gazetteer for the whole session, kept in pytest's cache directory between runs.

The index is keyed on its format version (INDEX_FORMAT, bumped with the build
rules), the data packages' versions and the shipped data's version, so new
data or rules rebuild it; otherwise a run reuses it instead of spending half
a minute rebuilding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.geoparse import Geoparser
from contextfeed.geo.locate import Locator

SCENARIO = Path(__file__).resolve().parents[1] / "data" / "scenarios" / "boston-2013"
GEOPARSE_DATA = Path(__file__).resolve().parents[1] / "data" / "geoparse"


@pytest.fixture(scope="session")
def gazetteer_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(request.config, "cache", None)
    if cache is None:  # run with -p no:cacheprovider: build into a temporary directory
        return tmp_path_factory.mktemp("gazetteer")
    return Path(cache.mkdir("contextfeed-gazetteer"))


@pytest.fixture(scope="session")
def gazetteer(gazetteer_dir: Path) -> Gazetteer:
    return Gazetteer.load(gazetteer_dir)


@pytest.fixture(scope="session")
def locator(gazetteer: Gazetteer) -> Locator:
    return Locator(gazetteer)


@pytest.fixture(scope="session")
def geoparser(gazetteer: Gazetteer) -> Geoparser:
    return Geoparser(gazetteer)
