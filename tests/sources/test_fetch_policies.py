"""Fetcher policies that need no real server: httpx.MockTransport stands in for it."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate

import httpx
import pytest

from contextfeed.sources.http import Fetcher, FetchSettings, build_client

SETTINGS = FetchSettings(max_attempts=3, max_redirects=3, retry_after_cap_s=120.0)


def mocked(handler: Callable[[httpx.Request], httpx.Response], sleeps: list[float]) -> Fetcher:
    client = build_client(SETTINGS, transport=httpx.MockTransport(handler))
    return Fetcher(client, settings=SETTINGS, sleep=sleeps.append, jitter=lambda: 1.0)


def test_persistent_server_errors_give_up_after_the_last_attempt():
    sleeps: list[float] = []
    outcome = mocked(lambda request: httpx.Response(500), sleeps).fetch("https://example.org/feed")
    assert (outcome.status, outcome.attempts) == (500, 3)
    assert outcome.error == "HTTP 500 Internal Server Error (after 3 attempts)"
    assert sleeps == [2.0, 4.0]  # exponential, full jitter share at 1.0


def test_a_client_error_is_not_retried():
    sleeps: list[float] = []
    outcome = mocked(lambda request: httpx.Response(403), sleeps).fetch("https://example.org/feed")
    assert (outcome.error, outcome.attempts, sleeps) == ("HTTP 403 Forbidden", 1, [])


def test_retry_after_is_capped():
    sleeps: list[float] = []
    responses = iter([httpx.Response(503, headers={"Retry-After": "86400"}), httpx.Response(200, content=b"ok")])
    outcome = mocked(lambda request: next(responses), sleeps).fetch("https://example.org/feed")
    assert outcome.body == b"ok"
    assert sleeps == [120.0]


def test_retry_after_as_an_http_date_waits_until_that_date():
    sleeps: list[float] = []
    now = 1_366_102_800.0
    busy = httpx.Response(
        429, headers={"Retry-After": formatdate(now + 45, usegmt=True), "Date": formatdate(now, usegmt=True)}
    )
    responses = iter([busy, httpx.Response(200, content=b"ok")])
    assert mocked(lambda request: next(responses), sleeps).fetch("https://example.org/feed").ok
    assert sleeps == [45.0]


def test_a_dropped_connection_is_retried():
    sleeps: list[float] = []
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(200, content=b"ok")

    outcome = mocked(handler, sleeps).fetch("https://example.org/feed")
    assert (outcome.body, outcome.attempts, sleeps) == (b"ok", 2, [2.0])


def test_redirects_are_followed_but_bounded():
    sleeps: list[float] = []
    loop = mocked(lambda request: httpx.Response(302, headers={"Location": str(request.url)}), sleeps)
    outcome = loop.fetch("https://example.org/feed")
    assert outcome.error.startswith("TooManyRedirects")
    assert outcome.attempts == 1

    def moved_once(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1":
            return httpx.Response(301, headers={"Location": "/v2"})
        return httpx.Response(200, content=b"new")

    moved = mocked(moved_once, sleeps)
    assert moved.fetch("https://example.org/v1").body == b"new"


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "http://"])
def test_an_unusable_url_is_an_error_not_an_exception(url):
    with build_client(SETTINGS) as client:  # refused before any connection is attempted
        outcome = Fetcher(client, settings=SETTINGS, sleep=[].append).fetch(url)
    assert outcome.error.startswith("UnsupportedProtocol")
    assert outcome.attempts == 1
