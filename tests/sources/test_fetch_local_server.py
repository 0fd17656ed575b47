"""The Fetcher against a real HTTP server on 127.0.0.1: conditional GET, retries, timeouts, size limit, hostile XML."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from contextfeed.sources import parse_document
from contextfeed.sources.http import Fetcher, FetchSettings, build_client

FEED_ETAG = '"alerts-v1"'
FEED_MODIFIED = "Tue, 16 Apr 2013 09:00:00 GMT"
HOSTILE = b"""<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&b;</identifier></alert>"""


class FeedServer(ThreadingHTTPServer):
    """A server whose handler counts requests per path and remembers what it streamed."""

    daemon_threads = True

    def __init__(self, feed: bytes) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.feed = feed
        self.hits: Counter[str] = Counter()
        self.streamed = 0
        self.seen_headers: list[dict[str, str]] = []

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet: clients hanging up mid-reply (timeouts, size limits) is what these tests provoke."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    """Routes: /feed (ETag + 304), /flaky (503 once), /limited (429 + Retry-After once), /slow, /huge, /endless, /hostile."""

    server: FeedServer

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1
        self.server.seen_headers.append(dict(self.headers))
        hits = self.server.hits[self.path]
        route = self.path.split("?")[0]
        if route == "/feed":
            if self.headers.get("If-None-Match") == FEED_ETAG:
                self._reply(304, b"", {"ETag": FEED_ETAG})
            else:
                self._reply(200, self.server.feed, {"ETag": FEED_ETAG, "Last-Modified": FEED_MODIFIED})
        elif route == "/flaky":
            self._reply(503, b"busy", {}) if hits == 1 else self._reply(200, self.server.feed, {})
        elif route == "/limited":
            self._reply(429, b"slow down", {"Retry-After": "7"}) if hits == 1 else self._reply(
                200, self.server.feed, {}
            )
        elif route == "/slow":
            time.sleep(1.0)
            self._reply(200, self.server.feed, {})
        elif route == "/huge":
            self.send_response(200)
            self.send_header("Content-Length", str(1024**3))
            self.end_headers()
            self._stream(1024**3)
        elif route == "/endless":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the body ends when the connection does
            self._stream(1024**3)
        elif route == "/hostile":
            self._reply(200, HOSTILE, {"Content-Type": "application/cap+xml"})
        else:
            self._reply(404, b"not here", {})

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, total: int) -> None:
        chunk = b"x" * 65536
        try:
            while self.server.streamed < total:
                self.wfile.write(chunk)
                self.server.streamed += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client refused the rest, as it should


@pytest.fixture
def server(document) -> Iterator[FeedServer]:
    server = FeedServer(document("cap/nws_hurricane_warning_update.xml"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def fetcher(sleeps) -> Iterator[Fetcher]:
    settings = FetchSettings(
        user_agent="contextfeed-tests/1.0 (ops@example.org)",
        read_timeout_s=0.3,
        max_attempts=3,
        max_body_bytes=256 * 1024,
        allow_networks=("127.0.0.1/32",),
    )
    with build_client(settings) as client:
        yield Fetcher(client, settings=settings, sleep=sleeps.append, jitter=lambda: 0.5)


def test_second_fetch_with_the_validators_is_not_modified_and_has_no_body(server, fetcher):
    first = fetcher.fetch(f"{server.base}/feed")
    assert first.ok and first.status == 200
    assert (first.etag, first.last_modified) == (FEED_ETAG, FEED_MODIFIED)
    assert first.body == server.feed
    second = fetcher.fetch(f"{server.base}/feed", etag=first.etag, last_modified=first.last_modified)
    assert (second.status, second.not_modified, second.body, second.error) == (304, True, None, None)
    assert second.etag == FEED_ETAG and second.last_modified == FEED_MODIFIED
    assert server.seen_headers[1]["If-None-Match"] == FEED_ETAG
    assert server.seen_headers[1]["If-Modified-Since"] == FEED_MODIFIED


def test_requests_carry_the_descriptive_user_agent(server, fetcher):
    fetcher.fetch(f"{server.base}/feed")
    assert server.seen_headers[0]["User-Agent"] == "contextfeed-tests/1.0 (ops@example.org)"


def test_a_503_is_retried_after_a_backoff_and_then_succeeds(server, fetcher, sleeps):
    outcome = fetcher.fetch(f"{server.base}/flaky")
    assert outcome.ok and outcome.attempts == 2
    assert sleeps == [1.5]  # base 2 s, equal jitter at 0.5: 1 + 0.5
    assert server.hits["/flaky"] == 2


def test_a_429_waits_as_long_as_retry_after_says(server, fetcher, sleeps):
    outcome = fetcher.fetch(f"{server.base}/limited")
    assert outcome.ok and outcome.attempts == 2
    assert sleeps == [7.0]


def test_a_read_timeout_is_reported_as_an_error_not_raised(server, fetcher, sleeps):
    started = time.monotonic()
    outcome = fetcher.fetch(f"{server.base}/slow")
    assert outcome.body is None and outcome.status is None
    assert outcome.error == "timed out reading the response (after 3 attempts)"
    assert outcome.attempts == 3 and len(sleeps) == 2
    assert time.monotonic() - started < 3


def test_a_body_declared_as_one_gigabyte_is_refused_without_reading_it(server, fetcher):
    outcome = fetcher.fetch(f"{server.base}/huge")
    assert outcome.body is None and outcome.status == 200
    assert outcome.error == "response of 1,073,741,824 bytes refused (limit 262,144)"
    assert outcome.attempts == 1


def test_an_endless_body_is_cut_off_at_the_limit(server, fetcher):
    outcome = fetcher.fetch(f"{server.base}/endless")
    assert outcome.body is None
    assert outcome.error == "response passed the 262,144 byte limit; refused"
    assert server.streamed < 64 * 1024**2  # the server was stopped long before its gigabyte


def test_hostile_xml_served_over_http_is_refused_by_the_parser(server, fetcher):
    outcome = fetcher.fetch(f"{server.base}/hostile")
    assert outcome.ok
    parsed = parse_document("cap", outcome.body, source="evil")
    assert parsed.events == ()
    assert parsed.errors == ("refused hostile XML: entity declaration 'a' (DTD entities are not allowed)",)


def test_a_failing_source_does_not_affect_the_next_one_through_the_same_client(server, fetcher):
    broken = fetcher.fetch(f"{server.base}/missing")
    working = fetcher.fetch(f"{server.base}/feed")
    assert (broken.error, broken.body) == ("HTTP 404 Not Found", None)
    parsed = parse_document("cap", working.body, source="nws")
    assert [event.external_id for event in parsed.events] == ["NWS-IDP-PROD-4412298-3677414"]


def test_a_refused_connection_is_an_error_after_retries(fetcher, sleeps):
    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as closed:
        port = closed.server_address[1]
    outcome = fetcher.fetch(f"http://127.0.0.1:{port}/feed")
    assert outcome.error.startswith("connection failed (")
    assert outcome.error.endswith("(after 3 attempts)")
    assert sleeps == [1.5, 3.0]


def test_retry_after_as_an_http_date_is_measured_against_the_server_date():
    from contextfeed.sources.http import retry_after_seconds

    now = 1_366_102_800.0
    assert retry_after_seconds(formatdate(now + 30, usegmt=True), date_header=formatdate(now, usegmt=True)) == 30.0
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("soon") is None
