"""Accounts over HTTP: upsert one or many (located, flags recomputed), read, find by phone; all or nothing."""

import pytest
from sqlalchemy import func, select

from contextfeed.db.models import Account


def count_accounts(world) -> int:
    """How many accounts are stored."""
    with world.app.database.read() as session:
        return session.scalar(select(func.count()).select_from(Account))


def test_put_creates_a_located_account_and_flags_it_at_once(world):
    body = {"name": "New Cafe", "phone": "(617) 555-0199", "city": "Cambridge", "region": "MA", "country": "US"}
    response = world.client.put("/v1/accounts/N001", json=body, headers=world.keys.admin)
    assert response.status_code == 201
    account = response.json()
    assert account["phone"] == "+16175550199" and account["location"]["precision"] == "postal"
    # Flags are facts with intervals: the shelter-in-place, and the bombing news of four days before.
    assert account["flag_changes"] == {"raise": 2}
    briefing = world.client.get("/v1/accounts/N001/context", headers=world.keys.agent).json()
    assert briefing["level"] == "do_not_chase"


def test_put_again_updates_and_moving_away_clears_the_flag(world):
    body = {"name": "R. Marshak", "city": "Manila", "country": "PH"}
    response = world.client.put("/v1/accounts/A002", json=body, headers=world.keys.admin)
    assert response.status_code == 200
    assert response.json()["location"]["timezone"] == "Asia/Manila"
    assert response.json()["flag_changes"] == {"clear": 2}
    again = world.client.put("/v1/accounts/A002", json=body, headers=world.keys.admin)
    assert again.status_code == 200 and again.json()["flag_changes"] == {}


def test_get_and_find_by_phone(world):
    account = world.client.get("/v1/accounts/A003", headers=world.keys.agent).json()
    assert (
        account["name"] == "Kendall Labs" and account["location"]["label"] == "Cambridge, Massachusetts, United States"
    )
    found = world.client.get("/v1/accounts", params={"phone": "+16175550102"}, headers=world.keys.agent).json()
    assert [item["account_id"] for item in found["accounts"]] == ["A002", "A020"]
    assert world.client.get("/v1/accounts/NOPE", headers=world.keys.agent).status_code == 404
    response = world.client.get("/v1/accounts", params={"phone": "6175550102"}, headers=world.keys.agent)
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "phone"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"lat": 42.0}, "lon"),
        ({"lat": 91, "lon": 0}, "lat"),
        ({"phone": "not a phone"}, "phone"),
        ({"city": "x" * 256}, "city"),
        ({"nickname": "Bob"}, "nickname"),
        ({"name": "a\x00b"}, "name"),
    ],
)
def test_invalid_accounts_are_422_naming_the_field(world, body, field):
    response = world.client.put("/v1/accounts/N002", json=body, headers=world.keys.admin)
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == field


def test_a_batch_upserts_many_in_one_go(world):
    body = {
        "accounts": [
            {"account_id": "B1", "city": "Boston"},
            {"account_id": "B2", "city": "Quincy"},
            {
                "account_id": "A001",
                "name": "Back Bay Dental",
                "phone": "+16175550101",
                "address": "500 Boylston St",
                "city": "Boston",
                "region": "MA",
                "postal_code": "02116",
                "country": "US",
            },
        ]
    }
    response = world.client.post("/v1/accounts:batch", json=body, headers=world.keys.admin)
    assert response.status_code == 200
    # Boston: the shelter-in-place and the bombing news; Quincy: the news only.
    assert response.json() == {"created": 2, "updated": 0, "unchanged": 1, "flag_changes": {"raise": 3}}


def test_a_batch_with_one_bad_account_writes_nothing(world):
    before = count_accounts(world)
    body = {"accounts": [{"account_id": "B1", "city": "Boston"}, {"account_id": "B2", "lat": 100, "lon": 0}]}
    response = world.client.post("/v1/accounts:batch", json=body, headers=world.keys.admin)
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "accounts[1].lat"
    assert count_accounts(world) == before


def test_a_batch_refuses_repeated_ids_and_empty_lists(world):
    repeated = {"accounts": [{"account_id": "B1"}, {"account_id": "B1"}]}
    response = world.client.post("/v1/accounts:batch", json=repeated, headers=world.keys.admin)
    assert response.status_code == 422 and "accounts[1].account_id" in response.json()["message"]
    empty = world.client.post("/v1/accounts:batch", json={"accounts": []}, headers=world.keys.admin)
    assert empty.status_code == 422 and empty.json()["fields"][0]["field"] == "accounts"


def test_a_failure_while_writing_leaves_nothing_half_written(world, monkeypatch):
    before = count_accounts(world)

    def broken_relocate(*args, **kwargs):
        raise RuntimeError("flag engine down")

    monkeypatch.setattr("contextfeed.flags.engine.FlagEngine.reconcile_accounts", broken_relocate)
    response = world.client.post(
        "/v1/accounts:batch", json={"accounts": [{"account_id": "B9", "city": "Boston"}]}, headers=world.keys.admin
    )
    assert response.status_code == 500
    assert response.json() == {
        "error": "internal_error",
        "message": "internal error; the service log has the details",
        "fields": [],
    }
    assert "flag engine down" not in response.text and "Traceback" not in response.text
    assert count_accounts(world) == before
