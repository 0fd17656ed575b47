"""`contextfeed explain` and `contextfeed geoparse`: the answers a supervisor asks for, one command away."""

import io
import json

import pytest

from tests.conftest import DATA

BOSTON = DATA / "scenarios" / "boston-2013"
AT = "2013-04-19T11:00:00Z"


@pytest.fixture
def boston(cli, migrated):
    """The Boston scenario loaded through the CLI."""
    cli("accounts", "import", BOSTON / "accounts.csv")
    for document in json.loads((BOSTON / "expected.json").read_text())["documents"]:
        cli("ingest", BOSTON / document["file"], "--kind", document["kind"], "--source", document["source"])
    return cli


def explained(cli, account: str) -> dict:
    status, out, err = cli("explain", account, "--as-of", AT, "--json")
    assert status == 0, err
    return json.loads(out)


def test_explain_says_quincy_is_outside_the_polygon_and_its_own_alert_is_a_test(boston):
    result = explained(boston, "A004")
    assert result["location"]["precision"] == "postal" and result["location"]["city"] == "Quincy"
    assert all(flag["level"] != "do_not_chase" for flag in result["flags"])
    why = {event["headline"]: event["why"] for event in result["events"]}
    assert why["TEST - Civil emergency message - TEST"] == "status is Test: never flags"
    shelter = why["Shelter in place: Watertown, Cambridge, Newton, Waltham, Belmont and Boston"]
    assert "too far" in shelter and "km outside" in shelter


def test_explain_says_watertown_is_inside_the_shelter_in_place_polygon(boston):
    result = explained(boston, "A002")
    assert result["flags"][0]["level"] == "do_not_chase"
    (shelter,) = [event for event in result["events"] if event["rule"] == "official-shelter-or-evacuate"]
    assert shelter["level"] == "do_not_chase"
    assert "inside the alert area" in shelter["why"] and "02472" in shelter["why"]


def test_explain_after_the_cancel_names_the_cancellation(boston):
    status, out, _ = boston("explain", "A002", "--as-of", "2013-04-20T03:00:00Z")
    assert status == 0
    assert "cancelled by MEMA-2013-04-19-1805-SIP-CANCEL" in out


def test_explain_an_unknown_account_is_an_error(boston):
    status, _, err = boston("explain", "NOPE")
    assert status == 1 and "unknown account" in err


def test_geoparse_json_gives_offsets_into_the_text_and_the_crisis(cli):
    text = "Flash flooding swamps Springfield, Illinois; hundreds of homes evacuated"
    status, out, _ = cli("geoparse", text, "--json")
    result = json.loads(out)
    (springfield,) = [place for place in result["places"] if place["name"] == "Springfield"]
    assert text[springfield["start"] : springfield["end"]] == springfield["text"] == "Springfield"
    (illinois,) = [place for place in result["places"] if place["text"] == "Illinois"]
    assert illinois["precision"] == "admin1" and illinois["admin1"] == "US-IL" and illinois["bbox"]
    assert springfield["admin1"] == "US-IL" and springfield["geonameid"] == 4250542
    assert result["crisis"]["category"] in {"flood", "evacuation"}


@pytest.mark.parametrize(
    "text", ["Paris Hilton opens new boutique in Dubai", "Washington Nationals rally to beat Miami in extra innings"]
)
def test_geoparse_raises_no_crisis_for_celebrity_and_sports_news(cli, text):
    result = json.loads(cli("geoparse", text, "--json")[1])
    assert result["crisis"] is None
    assert all(place["name"] != "Paris" for place in result["places"])


def test_geoparse_jsonl_keeps_ids_and_reports_bad_lines(cli, monkeypatch):
    lines = [
        json.dumps({"id": 1, "text": "Tornado hits Mayfield, Kentucky"}),
        "not json",
        json.dumps({"id": "b", "text": "Quiet day in Reading"}),
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    status, out, _ = cli("geoparse", "--jsonl")
    results = [json.loads(line) for line in out.splitlines()]
    assert status == 0 and len(results) == 3
    assert results[0]["id"] == 1 and results[0]["crisis"]["category"] == "tornado"
    assert results[1]["line"] == 2 and "error" in results[1]
    assert results[2]["id"] == "b" and results[2]["crisis"] is None


def test_news_that_an_order_was_lifted_is_an_all_clear_not_a_crisis(cli):
    text = "Suspect in custody in Watertown; shelter-in-place order lifted"
    result = json.loads(cli("geoparse", text, "--json")[1])
    assert result["crisis"]["category"] == "all_clear"
