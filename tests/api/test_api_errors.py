"""Errors reach clients in one JSON shape that names the field, with size limits and no internals."""

from contextfeed.api.errors import MAX_BODY_BYTES


def test_a_body_over_the_limit_is_413_before_it_is_parsed(world):
    body = b'{"account_ids": ["' + b"x" * MAX_BODY_BYTES + b'"]}'
    response = world.client.post(
        "/v1/suppression/check", content=body, headers=world.keys.dialer | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["error"] == "too_large"


def test_a_chunked_body_over_the_limit_is_413_too(world):
    def chunks():
        yield b'{"account_ids": ["'
        for _ in range(MAX_BODY_BYTES // 1_000_000 + 1):
            yield b"x" * 1_000_000
        yield b'"]}'

    response = world.client.post(
        "/v1/suppression/check", content=chunks(), headers=world.keys.dialer | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_malformed_json_is_422_not_a_crash(world):
    response = world.client.post(
        "/v1/suppression/check",
        content=b'{"account_ids": [',
        headers=world.keys.dialer | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422 and response.json()["error"] == "invalid_request"


def test_unknown_paths_and_methods_answer_in_the_same_shape(world):
    missing = world.client.get("/v1/nothing-here", headers=world.keys.admin)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = world.client.patch("/v1/flags/changes", headers=world.keys.admin)
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_an_unexpected_failure_is_a_500_without_internals(world, monkeypatch):
    def explode(*args, **kwargs):
        raise ValueError("secret internal detail at /srv/db.py line 12")

    monkeypatch.setattr("contextfeed.api.routes.events.events_near", explode)
    response = world.client.get("/v1/events", params={"lat": 42, "lon": -71}, headers=world.keys.agent)
    assert response.status_code == 500 and response.json()["error"] == "internal_error"
    assert "secret" not in response.text and "line 12" not in response.text
