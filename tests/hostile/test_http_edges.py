"""The HTTP edges: no body echoed, no body read before the key, no odd instants or coordinates, no key logged,
no request head or body trickled for ever."""

import logging
import select
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn

from contextfeed.api import errors, protocol
from contextfeed.api.app import create_api
from tests.api.conftest import seeded_template, world  # noqa: F401  (fixtures)
from tests.api.world import make_app

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
    with running(world.app) as address:
        yield address


@contextmanager
def running(app) -> Iterator[tuple[str, int]]:
    """`app`'s API under uvicorn with `serve`'s protocol on 127.0.0.1; its address."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(create_api(app), http=protocol.HeadDeadlineProtocol, log_config=None, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield listener.getsockname()
    finally:
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


def test_a_request_head_over_the_bound_is_refused_and_the_connection_closed(served):
    headers = [b"X-Big-%d: %b\r\n" % (n, b"a" * 8000) for n in range(4)]
    answer, _ = exchange(served, [b"GET /healthz HTTP/1.1\r\nHost: x\r\n", *headers, b"\r\n"], pause_s=0.05)
    assert answer.startswith(b"HTTP/1.1 431")


def test_a_large_check_and_then_a_trickled_head_on_the_same_connection(served, world):
    """A body far over the head's bound is not counted as head; the next request's head has its own deadline."""
    key = world.keys.dialer["Authorization"]
    body = b'{"account_ids": [%b]}' % b",".join(b'"N%06d"' % n for n in range(20_000))
    head = (
        f"POST {CHECK} HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection(served, timeout=5) as connection:
        connection.sendall(head + body)
        answered = connection.recv(65536)
        head_end = answered.index(b"\r\n\r\n") + 4
        length = int(answered.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        while len(answered) < head_end + length:
            answered += connection.recv(65536)
        assert answered.startswith(b"HTTP/1.1 200") and answered.count(b'"status":"unknown_account"') == 20_000
        started = time.monotonic()
        closed = select.poll()
        closed.register(connection, select.POLLIN)
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40:
            if closed.poll(0):
                break
            connection.sendall(bytes([byte]))
            time.sleep(0.1)
        assert connection.recv(65536) == b"" and time.monotonic() - started < 3


def access_logged(address, world, caplog) -> str:
    """The access log of an answered single check, a refused one (no ids) and a list of sources."""
    key = world.keys.dialer["Authorization"]
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        for body in (b'{"account_ids": ["A001"]}', b'{"account_ids": []}'):
            head = (
                f"POST {CHECK} HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            exchange(address, [head + body], pause_s=0)
        get = f"GET /v1/sources HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\nConnection: close\r\n\r\n"
        exchange(address, [get.encode()], pause_s=0)
        time.sleep(0.2)
    return "\n".join(record.getMessage() for record in caplog.records if record.name == "uvicorn.access")


def test_answered_checks_stay_out_of_the_access_log_unless_asked_for(served, world, caplog):
    logged = access_logged(served, world, caplog)
    assert f'"POST {CHECK} HTTP/1.1" 422' in logged and '"GET /v1/sources HTTP/1.1" 200' in logged
    assert f'"POST {CHECK} HTTP/1.1" 200' not in logged
    caplog.clear()
    settings = world.app.settings
    logging_checks = settings.model_copy(update={"service": settings.service.model_copy(update={"log_checks": True})})
    with running(make_app(logging_checks, clock=world.app.clock)) as address:
        assert f'"POST {CHECK} HTTP/1.1" 200' in access_logged(address, world, caplog)
