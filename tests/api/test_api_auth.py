"""Security: scoped API keys, hashed at rest; 401 without a valid key, 403 for the wrong scope; /healthz open."""

import time

import pytest
from sqlalchemy import select

from contextfeed.db.api_keys import first_admin_key, hash_key
from contextfeed.db.models import ApiKey
from tests.api.world import NOW

# Which scopes (besides admin, which may do everything) each endpoint admits.
SCOPES = {
    ("get", "/v1/accounts"): {"agent"},
    ("get", "/v1/accounts/{account_id}"): {"agent"},
    ("put", "/v1/accounts/{account_id}"): set(),
    ("post", "/v1/accounts:batch"): set(),
    ("get", "/v1/accounts/{account_id}/context"): {"agent"},
    ("get", "/v1/accounts/{account_id}/explain"): set(),
    ("post", "/v1/suppression/check"): {"dialer"},
    ("get", "/v1/suppression/index"): {"dialer"},
    ("get", "/v1/flags/changes"): {"dialer"},
    ("get", "/v1/suppression/export"): {"dialer"},
    ("post", "/v1/flags"): set(),
    ("delete", "/v1/flags/{flag_id}"): set(),
    ("get", "/v1/events"): {"agent"},
    ("get", "/v1/events/{event_id}"): {"agent"},
    ("get", "/v1/sources"): {"agent", "dialer"},
    ("get", "/v1/keys"): set(),
    ("post", "/v1/keys"): set(),
    ("delete", "/v1/keys/{key_id}"): set(),
    ("get", "/v1/webhooks"): set(),
    ("post", "/v1/webhooks"): set(),
    ("get", "/v1/webhooks/{webhook_id}"): set(),
    ("delete", "/v1/webhooks/{webhook_id}"): set(),
}
SAMPLE = {"{account_id}": "A001", "{flag_id}": "1", "{event_id}": "1", "{key_id}": "1", "{webhook_id}": "1"}


def concrete(path: str) -> str:
    """The path with sample values for its parameters."""
    for placeholder, value in SAMPLE.items():
        path = path.replace(placeholder, value)
    return path


def call(client, method: str, path: str, headers: dict | None = None):
    """One request with an empty JSON body where a body is allowed."""
    body = {"json": {}} if method in ("post", "put") else {}
    return client.request(method.upper(), concrete(path), headers=headers or {}, **body)


def test_every_endpoint_has_a_declared_scope(world):
    operations = {
        (method, path)
        for path, item in world.client.get("/openapi.json").json()["paths"].items()
        for method in item
        if path != "/healthz"
    }
    assert operations == set(SCOPES)


def test_healthz_answers_without_a_key(world):
    response = world.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "degraded_sources": [], "failing_sources": []}


@pytest.mark.parametrize("method,path", sorted(SCOPES))
def test_no_key_is_401_with_a_bearer_challenge(world, method, path):
    response = call(world.client, method, path)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "unauthorized"


@pytest.mark.parametrize("header", ["Bearer cf_not-a-real-key", "Basic dXNlcjpwYXNz", "cf_no-scheme", "Bearer "])
def test_unknown_or_malformed_keys_are_401(world, header):
    response = world.client.get("/v1/events", headers={"Authorization": header})
    assert response.status_code == 401


@pytest.mark.parametrize("method,path", sorted(SCOPES))
def test_a_key_of_the_wrong_scope_is_403_and_the_right_scope_passes(world, method, path):
    for scope in ("agent", "dialer", "admin"):
        response = call(world.client, method, path, getattr(world.keys, scope))
        if scope == "admin" or scope in SCOPES[(method, path)]:
            assert response.status_code not in (401, 403), (scope, response.text)
        else:
            assert response.status_code == 403, (scope, response.text)
            assert scope in response.json()["message"]


def test_keys_are_stored_only_as_hashes(world):
    key = world.keys.dialer["Authorization"].removeprefix("Bearer ")
    with world.app.database.read() as session:
        stored = {value for row in session.scalars(select(ApiKey)) for value in (row.key_hash, row.prefix, row.name)}
    assert key not in stored and hash_key(key) in stored


def test_a_revoked_key_stops_working_at_once(world):
    client, admin = world.client, world.keys.admin
    made = client.post("/v1/keys", headers=admin, json={"name": "temp-dialer", "scope": "dialer"})
    assert made.status_code == 201
    headers = {"Authorization": f"Bearer {made.json()['key']}"}
    assert client.get("/v1/flags/changes", headers=headers).status_code == 200
    revoked = client.delete(f"/v1/keys/{made.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] == "2013-04-19T11:00:00Z"
    assert client.get("/v1/flags/changes", headers=headers).status_code == 401


def key_id_of(world, headers: dict[str, str]) -> int:
    """The id of the key in `headers`, from the key listing (by its shown prefix)."""
    prefix = headers["Authorization"].removeprefix("Bearer ")[:10]
    listing = world.client.get("/v1/keys", headers=world.keys.admin).json()["keys"]
    return next(key["id"] for key in listing if key["prefix"] == prefix)


def test_a_key_cannot_revoke_itself_and_keeps_working(world):
    client, admin = world.client, world.keys.admin
    client.post("/v1/keys", headers=admin, json={"name": "second-admin", "scope": "admin"})
    refused = client.delete(f"/v1/keys/{key_id_of(world, admin)}", headers=admin)
    assert refused.status_code == 409 and refused.json()["error"] == "conflict"
    assert "cannot revoke itself" in refused.json()["message"]
    assert client.get("/v1/keys", headers=admin).status_code == 200


def test_an_admin_key_may_revoke_another_admin_key_and_one_always_stays(world):
    client, admin = world.client, world.keys.admin
    second = client.post("/v1/keys", headers=admin, json={"name": "second-admin", "scope": "admin"}).json()
    second_headers = {"Authorization": f"Bearer {second['key']}"}
    assert client.delete(f"/v1/keys/{key_id_of(world, admin)}", headers=second_headers).status_code == 200
    # The second key is now the only admin key: nobody may take it away through the API.
    third = client.post("/v1/keys", headers=second_headers, json={"name": "temp", "scope": "agent"}).json()
    assert client.delete(f"/v1/keys/{third['id']}", headers=second_headers).status_code == 200
    listing = client.get("/v1/keys", headers=second_headers).json()["keys"]
    assert [key["id"] for key in listing if key["scope"] == "admin" and key["revoked_at"] is None] == [second["id"]]


def test_the_last_admin_key_is_refused_with_a_way_out(world):
    from contextfeed.db.api_keys import RevocationRefused, revoke_key

    with world.app.database.write() as session, pytest.raises(RevocationRefused, match="last active admin key"):
        revoke_key(session, key_id_of(world, world.keys.admin), now=NOW, by_key_id=-1)


def test_key_listing_never_shows_secrets_and_records_last_use(world):
    listing = world.client.get("/v1/keys", headers=world.keys.admin).json()["keys"]
    assert {key["scope"] for key in listing} == {"agent", "dialer", "admin"}
    assert all("key" not in key and "key_hash" not in key for key in listing)
    # The use is written off the request path (see KeyUses), so a later listing shows it.
    for _ in range(100):
        listing = world.client.get("/v1/keys", headers=world.keys.admin).json()["keys"]
        if next(key for key in listing if key["scope"] == "admin")["last_used_at"] == "2013-04-19T11:00:00Z":
            return
        time.sleep(0.05)
    raise AssertionError("the admin key's last use was never recorded")


def test_unknown_key_ids_and_bad_scopes_are_refused(world):
    assert world.client.delete("/v1/keys/999", headers=world.keys.admin).status_code == 404
    response = world.client.post("/v1/keys", headers=world.keys.admin, json={"name": "x", "scope": "root"})
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "scope"


def test_the_first_start_makes_one_admin_key_and_only_once(migrated):
    from tests.api.world import make_app

    app = make_app()
    with app.database.write() as session:
        first = first_admin_key(session, now=NOW)
    with app.database.write() as session:
        again = first_admin_key(session, now=NOW)
    assert first is not None and first.scope == "admin" and first.key.startswith("cf_")
    assert again is None
