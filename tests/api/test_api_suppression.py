"""The dialer's bulk check and the do-not-contact export."""

import csv
import io
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from contextfeed.dialer.suppression import list_time, verdict
from contextfeed.flags.query import ActiveFlag

CHECK = "/v1/suppression/check"


def flag(level: str, until: datetime | None, *, rule: str = "r") -> ActiveFlag:
    """An active flag of that level and end."""
    return ActiveFlag(
        flag_id=1,
        account_id="X",
        level=level,
        reason="why",
        rule=rule,
        event_ids=(9,),
        starts_at=datetime(2013, 4, 19, tzinfo=UTC),
        expires_at=until,
        source="automatic",
        match="",
        actor=None,
    )


def test_agent_calls_stop_only_for_do_not_chase_and_automated_calls_for_caution_too():
    caution = [flag("caution", datetime(2013, 4, 20, tzinfo=UTC))]
    assert verdict(caution, threshold="do_not_chase").suppress is False
    assert verdict(caution, threshold="caution").suppress is True
    assert verdict(caution, threshold="do_not_chase").level == "caution"


def test_suppression_lasts_until_the_last_suppressing_flag_ends_or_has_no_end():
    early, late = datetime(2013, 4, 19, 12, tzinfo=UTC), datetime(2013, 4, 19, 18, tzinfo=UTC)
    both = [flag("do_not_chase", early, rule="a"), flag("do_not_chase", late, rule="b"), flag("info", None)]
    assert verdict(both, threshold="do_not_chase").until == late
    assert verdict([flag("do_not_chase", early), flag("do_not_chase", None)], threshold="do_not_chase").until is None


def test_list_expiries_round_up_to_the_minute():
    assert list_time(datetime(2013, 4, 19, 22, 5, tzinfo=UTC)) == "2013-04-19T22:05Z"
    assert list_time(datetime(2013, 4, 19, 22, 5, 1, tzinfo=UTC)) == "2013-04-19T22:06Z"
    assert list_time(None) == ""


def test_the_check_answers_per_id_in_order_with_reasons_until_and_the_local_clock(world):
    response = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ["A002", "A004", "A009"]})
    assert response.status_code == 200
    watertown, quincy, manila = response.json()["results"]
    assert (watertown["account_id"], watertown["status"], watertown["suppress"]) == ("A002", "ok", True)
    assert watertown["level"] == "do_not_chase" and watertown["until"] == "2013-04-19T22:05:00Z"
    [reason] = watertown["reasons"]
    assert reason["rule"] == "official-shelter-or-evacuate" and reason["event_ids"] == [world.shelter]
    assert watertown["outside_calling_hours"] is True and watertown["local_time"] == "2013-04-19T07:00:00-04:00"
    assert (quincy["suppress"], quincy["level"], quincy["reasons"]) == (False, None, [])
    assert manila["outside_calling_hours"] is False and manila["local_time"] == "2013-04-19T19:00:00+08:00"


def test_unknown_ids_are_never_silently_allowed(world):
    results = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ["GHOST"]}).json()["results"]
    assert results == [
        {
            "account_id": "GHOST",
            "phone": None,
            "status": "unknown_account",
            "suppress": True,
            "level": None,
            "reasons": [results[0]["reasons"][0]],
            "until": None,
            "outside_calling_hours": None,
            "local_time": None,
        }
    ]
    assert results[0]["reasons"][0]["rule"] == "unknown_account"


def test_an_account_we_cannot_place_says_so(world):
    [result] = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ["A099"]}).json()["results"]
    assert result["status"] == "ok" and result["suppress"] is False
    assert [reason["rule"] for reason in result["reasons"]] == ["unknown_location"]


def test_phones_map_to_every_account_behind_them(world):
    body = {"phones": ["+16175550102", "+15005550000"]}
    results = world.client.post(CHECK, headers=world.keys.dialer, json=body).json()["results"]
    assert [(r["phone"], r["account_id"], r["status"]) for r in results] == [
        ("+16175550102", "A002", "ok"),
        ("+16175550102", "A020", "ok"),
        ("+15005550000", None, "unknown_account"),
    ]


def test_purpose_automated_also_suppresses_caution(world):
    body = {"account_ids": ["A001"], "at": "2013-04-15T20:00:00Z"}
    [agent] = world.client.post(CHECK, headers=world.keys.dialer, json=body).json()["results"]
    automated = body | {"purpose": "automated"}
    [robot] = world.client.post(CHECK, headers=world.keys.dialer, json=automated).json()["results"]
    assert (agent["level"], agent["suppress"], agent["until"]) == ("caution", False, None)
    assert (robot["level"], robot["suppress"], robot["until"]) == ("caution", True, "2013-04-16T19:05:00Z")


def test_at_replays_the_answer_of_another_instant(world):
    body = {"account_ids": ["A002"], "at": "2013-04-20T03:00:00Z"}
    [result] = world.client.post(CHECK, headers=world.keys.dialer, json=body).json()["results"]
    assert result["suppress"] is False and result["level"] is None


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "phones"),
        ({"account_ids": []}, "phones"),
        ({"account_ids": ["A001"], "phones": ["617-555-0101"]}, "phones[0]"),
        ({"account_ids": [""]}, "account_ids[0]"),
        ({"account_ids": ["x" * 129]}, "account_ids[0]"),
        ({"account_ids": "A001"}, "account_ids"),
        ({"account_ids": ["A001"], "purpose": "sales"}, "purpose"),
        ({"account_ids": ["A001"], "at": "soon"}, "at"),
        ({"account_ids": ["A001"], "extra": 1}, "extra"),
    ],
)
def test_bad_input_is_422_naming_the_field(world, body, field):
    response = world.client.post(CHECK, headers=world.keys.dialer, json=body)
    assert response.status_code == 422
    assert field in [problem["field"] for problem in response.json()["fields"]]


def test_more_than_100000_ids_are_refused(world):
    body = {"account_ids": ["A001"] * 99_999, "phones": ["+16175550101", "+16175550102"]}
    response = world.client.post(CHECK, headers=world.keys.dialer, json=body)
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "phones"
    assert "100000" in response.json()["message"]


def test_100000_ids_are_answered_quickly_with_a_query_per_chunk_not_per_id(world):
    ids = ["A002", "A004"] + [f"U{number:06d}" for number in range(99_998)]
    statements: list[str] = []
    engine = world.app.database.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        started = time.perf_counter()
        response = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ids})
        elapsed = time.perf_counter() - started
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    results = response.json()["results"]
    assert response.status_code == 200 and len(results) == 100_000
    assert results[0]["suppress"] is True and results[1]["suppress"] is False
    assert results[-1]["status"] == "unknown_account"
    # Ids the index does not hold are looked up in chunks of 10,000 (plus, at most, the index's own first read).
    assert len([sql for sql in statements if "FROM accounts" in sql]) <= 11
    assert len([sql for sql in statements if "FROM flags" in sql]) <= 1
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_the_csv_export_loads_as_a_do_not_contact_list(world):
    response = world.client.get("/v1/suppression/export", headers=world.keys.dialer)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="contextfeed-suppression-20130419T1100Z.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0] == {
        "phone": "+16175550101",
        "account_id": "A001",
        "level": "do_not_chase",
        "expires": "2013-04-19T22:05Z",
        "reason_code": "official-shelter-or-evacuate",
    }
    assert [row["account_id"] for row in rows] == ["A001", "A002", "A003", "A020"]


def test_the_json_export_and_the_level_filter(world):
    params = {"format": "json", "level": "caution", "at": "2013-04-15T20:00:00Z"}
    body = world.client.get("/v1/suppression/export", params=params, headers=world.keys.dialer).json()
    assert body["at"] == "2013-04-15T20:00:00Z" and body["level"] == "caution"
    # The news circle (15 km around Boston) reaches Quincy too.
    assert {entry["account_id"] for entry in body["entries"]} == {"A001", "A002", "A003", "A004", "A020"}
    assert body["entries"][0]["reason_code"] == "news-crisis" and body["entries"][0]["expires"] == "2013-04-16T19:05Z"
    strict = world.client.get(
        "/v1/suppression/export", params=params | {"level": "do_not_chase"}, headers=world.keys.dialer
    ).json()
    assert strict["entries"] == []


def test_export_rejects_unknown_formats_and_levels(world):
    for params, field in (({"format": "xml"}, "format"), ({"level": "red"}, "level")):
        response = world.client.get("/v1/suppression/export", params=params, headers=world.keys.dialer)
        assert response.status_code == 422 and response.json()["fields"][0]["field"] == field
