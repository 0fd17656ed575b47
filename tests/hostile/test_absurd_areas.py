"""Shapes no issuer can mean (a radius of 1e8 km, inf or nan, a polygon round the world) flag nobody and are reported."""

import pytest

from tests.conftest import DATA
from tests.hostile.documents import cap_alert, flagged, write

BOSTON = DATA / "scenarios" / "boston-2013"
BOSTON_BOX = "42.420,-71.270 42.420,-71.020 42.300,-71.020 42.300,-71.270 42.420,-71.270"


@pytest.mark.parametrize(
    ("shape", "reported"),
    [
        ({"circle": "42.36,-71.06 1e8"}, "circle radius"),
        ({"circle": "42.36,-71.06 inf"}, "circle radius"),
        ({"circle": "42.36,-71.06 nan"}, "circle radius"),
        ({"circle": "nan,-71.06 10"}, "out of range"),
        ({"polygon": "-60,-170 -60,-60 -60,60 -60,170 60,170 60,60 60,-60 60,-170 -60,-170"}, "larger than any alert"),
        ({"polygon": "-90,-180 -90,0 -90,180 90,180 90,0 90,-180 -90,-180"}, "no area"),
    ],
    ids=["1e8-km", "inf", "nan-radius", "nan-centre", "whole-world", "round-the-world-edge"],
)
def test_an_absurd_shape_is_reported_and_flags_nobody(cli, migrated, tmp_path, shape, reported):
    assert cli("accounts", "import", BOSTON / "accounts.csv")[0] == 0
    document = write(tmp_path / "absurd.xml", cap_alert(**shape))
    status, out, err = cli("ingest", document, "--kind", "cap", "--source", "hostile")
    assert "Traceback" not in out + err
    assert reported in out
    assert flagged(cli) == {}


def test_a_sane_polygon_next_to_an_absurd_circle_still_flags_its_area(cli, migrated, tmp_path):
    assert cli("accounts", "import", BOSTON / "accounts.csv")[0] == 0
    document = write(tmp_path / "mixed.xml", cap_alert(polygon=BOSTON_BOX, circle="42.36,-71.06 inf"))
    status, out, _ = cli("ingest", document, "--kind", "cap", "--source", "hostile")
    assert "circle radius" in out
    assert len(flagged(cli)) == 6
