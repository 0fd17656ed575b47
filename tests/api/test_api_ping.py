"""POST /v1/ping: the constant answer bench_load measures the server stack by, behind the dialer's key like a check."""


def test_the_ping_answers_dialer_and_admin_keys_with_a_constant_and_refuses_the_others(world):
    body = {"account_ids": ["A001"]}
    assert world.client.post("/v1/ping", json=body).status_code == 401
    assert world.client.post("/v1/ping", json=body, headers=world.keys.agent).status_code == 403
    for key in (world.keys.dialer, world.keys.admin):
        response = world.client.post("/v1/ping", json=body, headers=key)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"ok": True}


def test_the_ping_is_not_in_the_published_api(world):
    assert "/v1/ping" not in world.client.get("/openapi.json").json()["paths"]
