"""The HTTP edges: no body echoed, no body read before the key, no odd instants or coordinates, no key logged,
no request head or body trickled for ever."""

import logging
import select
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from contextfeed.api import errors, protocol
from contextfeed.api.app import create_api
from tests.api.conftest import seeded_template, world  # noqa: F401  (fixtures)

CHECK = "/v1/suppression/check"


def test_a_chunked_body_over_the_limit_is_refused_without_echoing_it(world):
    def chunks() -> Iterator[bytes]:
        yield b'{"account_ids": ["'
        for _ in range(17 * 16):
            yield b"Z" * 65536
        yield b'"]}'

    response = world.client.post(
        CHECK, headers=world.keys.dialer | {"Content-Type": "application/json"}, content=chunks()
    )
    assert response.status_code == 413
    assert len(response.content) < 1000 and b"ZZZZ" not in response.content


def test_a_body_is_not_read_for_a_request_without_a_valid_key(world):
    for headers in ({}, {"Authorization": "Bearer cf_not_a_key"}):
        response = world.client.post(
            CHECK, headers=headers | {"Content-Type": "application/json"}, content=b"{not json"
        )
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("at", [0.5, "0.5", 1366369200, True])
def test_an_instant_must_be_iso_8601_not_a_unix_time(world, at):
    body = world.client.post(CHECK, headers=world.keys.dialer, json={"account_ids": ["A001"], "at": at})
    assert body.status_code == 422 and body.json()["fields"][0]["field"] == "at"
    query = world.client.get("/v1/accounts/A001/context", params={"at": str(at)}, headers=world.keys.agent)
    assert query.status_code == 422


def test_a_boolean_coordinate_is_refused_not_read_as_zero(world):
    response = world.client.put("/v1/accounts/GULF", headers=world.keys.admin, json={"lat": False, "lon": False})
    assert response.status_code == 422
    assert {problem["message"] for problem in response.json()["fields"]} == {"must be a number, not true or false"}


@pytest.fixture
def served(world, monkeypatch):
    """The API under uvicorn with `serve`'s protocol on 127.0.0.1, with 1-second head and body deadlines."""
    monkeypatch.setattr(protocol, "HEAD_TIMEOUT_S", 1.0)
    monkeypatch.setattr(errors, "BODY_TIMEOUT_S", 1.0)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_api(world.app), http=protocol.HeadDeadlineProtocol, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield listener.getsockname()
    server.should_exit = True
    thread.join(10)
    listener.close()


def exchange(address, parts: list[bytes], *, pause_s: float) -> tuple[bytes, float]:
    """Send `parts` `pause_s` apart on one connection, stopping once the server answers or closes it.

    Returns what it answered (b"" if it just closed) and the seconds until then.
    """
    started = time.monotonic()
    with socket.create_connection(address, timeout=5) as connection:
        readable = select.poll()  # not select(): the suite may hold more than 1,024 descriptors by now
        readable.register(connection, select.POLLIN)
        for part in parts:
            if readable.poll(0):
                break  # answered or closed: the server gave up on us
            try:
                connection.sendall(part)
            except OSError:
                break
            time.sleep(pause_s)
        try:
            answer = connection.recv(65536)
        except (TimeoutError, OSError):
            answer = b""
        return answer, time.monotonic() - started


def test_a_key_in_the_query_string_never_reaches_the_access_log(served, world, caplog):
    key = world.keys.dialer["Authorization"].removeprefix("Bearer ")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        exchange(
            served,
            [f"GET /v1/sources?api_key={key}&limit=5 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()],
            pause_s=0,
        )
        time.sleep(0.2)
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "uvicorn.access")
    assert "/v1/sources?api_key=redacted&limit=5" in logged
    assert key not in logged


def test_a_request_head_trickled_a_byte_at_a_time_is_cut_off(served):
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
    answer, seconds = exchange(served, [bytes([byte]) for byte in head], pause_s=0.1)
    assert answer == b"" and seconds < 3


def test_a_request_body_trickled_a_byte_at_a_time_is_cut_off(served, world):
    key = world.keys.dialer["Authorization"]
    body = b'{"account_ids": ["A001", "A002", "A003"]}'
    head = (
        f"POST {CHECK} HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    answer, seconds = exchange(served, [head, *(bytes([byte]) for byte in body)], pause_s=0.1)
    assert answer.startswith(b"HTTP/1.1 408") and seconds < 3
