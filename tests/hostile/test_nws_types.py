"""An api.weather.gov document with badly typed features: each bad feature is reported, the good ones still load."""

import copy
import json

import pytest

from tests.conftest import DATA

FLOOD_WATCH = json.loads((DATA / "nws" / "alerts_active_zone_flood_watch.json").read_text())
GOOD = FLOOD_WATCH["features"][0]


def feature(number: int, **properties) -> dict:
    """The recorded flood watch under another id, with `properties` overriding its own."""
    copied = copy.deepcopy(GOOD)
    copied["id"] = f"https://api.weather.gov/alerts/TEST-{number}"
    copied["properties"].update({"id": f"TEST-{number}", "@id": copied["id"], "references": []}, **properties)
    return copied


@pytest.mark.parametrize(
    ("bad", "reported"),
    [
        ({"headline": {"en": "object"}}, "headline is a JSON object"),
        ({"areaDesc": {"zones": []}}, "areaDesc is a JSON object"),
        ({"event": ["Flood Watch"]}, "event is a JSON array"),
        ({"response": [{"type": "Prepare"}]}, "response is a JSON object"),
        ({"references": {"identifier": "x"}}, "references is a JSON object"),
        ({"geocode": ["SAME"]}, "geocode is a JSON array"),
    ],
    ids=["headline-object", "areaDesc-object", "event-list", "response-objects", "references-object", "geocode-list"],
)
def test_one_badly_typed_feature_is_reported_and_the_others_load(cli, migrated, tmp_path, bad, reported):
    document = {
        "type": "FeatureCollection",
        "features": [feature(1), feature(2, **bad), feature(3, response=["Prepare", "Monitor"]), "junk"],
    }
    path = tmp_path / "alerts.json"
    path.write_text(json.dumps(document))
    status, out, err = cli("ingest", path, "--kind", "nws", "--source", "nws")
    assert status == 0
    assert "Traceback" not in out + err
    assert "2 new" in out
    assert f"feature TEST-2: {reported}" in out
    assert "feature #4: a feature is a JSON string, not an object" in out


def test_json_nested_100000_deep_is_one_clear_error(cli, migrated, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"features": ' + "[" * 100_000 + "]" * 100_000 + "}")
    status, out, err = cli("ingest", path, "--kind", "nws", "--source", "nws")
    assert status == 1
    assert "Traceback" not in out + err
    assert "nested too deeply" in out + err
