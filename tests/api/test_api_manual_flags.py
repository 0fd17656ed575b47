"""Supervisors raise and release flags over HTTP, always with a reason; both land in the change feed."""

FLAGS = "/v1/flags"


def latest_change(world) -> dict:
    """The newest entry of the change feed."""
    return world.client.get("/v1/flags/changes", params={"limit": 10_000}, headers=world.keys.dialer).json()["changes"][
        -1
    ]


def test_a_manual_flag_suppresses_and_is_logged(world):
    body = {
        "account_id": "A004",
        "level": "do_not_chase",
        "reason": "Bereavement in the family",
        "until": "2013-04-26T00:00:00Z",
        "actor": "j.smith",
    }
    response = world.client.post(FLAGS, json=body, headers=world.keys.admin)
    assert response.status_code == 201
    flag = response.json()
    assert (flag["origin"], flag["actor"], flag["expires_at"]) == ("manual", "j.smith", "2013-04-26T00:00:00Z")
    [result] = world.client.post(
        "/v1/suppression/check", json={"account_ids": ["A004"]}, headers=world.keys.dialer
    ).json()["results"]
    assert result["suppress"] is True and result["reasons"][0]["rule"] == "manual"
    change = latest_change(world)
    assert (change["action"], change["account_id"], change["reason"]) == ("raise", "A004", "Bereavement in the family")


def test_the_actor_defaults_to_the_keys_name(world):
    body = {"account_id": "A004", "level": "caution", "reason": "Complaint open"}
    assert world.client.post(FLAGS, json=body, headers=world.keys.admin).json()["actor"] == "test-admin"


def test_releasing_an_automatic_flag_overrides_it_and_needs_a_reason(world):
    [flag] = world.client.get("/v1/accounts/A002/context", headers=world.keys.agent).json()["flags"]
    missing = world.client.delete(f"{FLAGS}/{flag['flag_id']}", headers=world.keys.admin)
    assert missing.status_code == 422 and missing.json()["fields"][0]["field"] == "reason"
    blank = world.client.delete(f"{FLAGS}/{flag['flag_id']}", params={"reason": "   "}, headers=world.keys.admin)
    assert blank.status_code == 422
    released = world.client.delete(
        f"{FLAGS}/{flag['flag_id']}", params={"reason": "Customer called us"}, headers=world.keys.admin
    )
    assert released.status_code == 200 and released.json()["released"] is True
    assert world.client.get("/v1/accounts/A002/context", headers=world.keys.agent).json()["level"] is None
    assert latest_change(world)["action"] == "release"
    again = world.client.delete(f"{FLAGS}/{flag['flag_id']}", params={"reason": "twice"}, headers=world.keys.admin)
    assert again.status_code == 409


def test_bad_manual_flags_are_refused_and_name_the_field(world):
    cases = [
        ({"account_id": "A004", "level": "do_not_chase"}, 422, "reason"),
        ({"account_id": "A004", "level": "do_not_chase", "reason": ""}, 422, "reason"),
        ({"account_id": "A004", "level": "red", "reason": "x"}, 422, "level"),
        ({"account_id": "A004", "level": "caution", "reason": "x", "until": "2013-04-19T10:00:00Z"}, 422, "until"),
        ({"account_id": "GHOST", "level": "caution", "reason": "x"}, 404, None),
    ]
    for body, status, field in cases:
        response = world.client.post(FLAGS, json=body, headers=world.keys.admin)
        assert response.status_code == status, body
        if field:
            assert response.json()["fields"][0]["field"] == field
    assert world.client.delete(f"{FLAGS}/999", params={"reason": "x"}, headers=world.keys.admin).status_code == 404
