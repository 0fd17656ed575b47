"""`contextfeed crawl --once` against feeds served from 127.0.0.1: health, conditional GET, isolation of failures."""

import hashlib
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from contextfeed.db.engine import Database
from contextfeed.db.models import Source
from tests.conftest import DATA, REPO

BOSTON = DATA / "scenarios" / "boston-2013"


class FeedServer:
    """Serves fixed documents with ETags; can be told to fail."""

    def __init__(self, documents: dict[str, bytes]) -> None:
        self.documents = documents
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append((self.path, self.headers.get("If-None-Match")))
                body = server.documents.get(self.path)
                if body is None:
                    self.send_response(503)
                    self.end_headers()
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def feeds():
    server = FeedServer({"/mema.xml": (BOSTON / "feeds" / "mema_shelter_in_place.xml").read_bytes()})
    yield server
    server.close()


@pytest.fixture
def crawl_config(tmp_path, monkeypatch, environment, feeds):
    """A config whose sources are a working local feed and one nobody answers."""
    base = (
        (REPO / "config" / "contextfeed.toml")
        .read_text()
        .split("# ---------------------------------------------------------------- sources")[0]
    )
    policy = (
        (REPO / "config" / "contextfeed.toml")
        .read_text()
        .split("# ---------------------------------------------------------------- policy")[1]
    )
    config = tmp_path / "contextfeed.toml"
    config.write_text(
        base.replace("attempts = 4", "attempts = 1").replace("allow_networks = []", 'allow_networks = ["127.0.0.1/32"]')
        + f'''
[[sources]]
name = "mema"
kind = "cap"
url = "{feeds.url}/mema.xml"

[[sources]]
name = "down"
kind = "cap"
url = "http://127.0.0.1:{closed_port()}/alerts.xml"
'''
        + "# policy"
        + policy
    )
    monkeypatch.setenv("CONTEXTFEED_CONFIG", str(config))
    return config


def sources(url: str) -> dict[str, SimpleNamespace]:
    """Each source's health, as plain values."""
    fields = ("consecutive_failures", "last_success_at", "last_error", "entries_seen")
    with Database.from_url(url).read() as session:
        return {
            source.name: SimpleNamespace(**{name: getattr(source, name) for name in fields})
            for source in session.scalars(select(Source))
        }


def test_one_failing_source_does_not_stop_another_and_its_health_is_recorded(cli, migrated, crawl_config):
    assert cli("accounts", "import", BOSTON / "accounts.csv")[0] == 0
    status, out, _ = cli("crawl", "--once")
    assert status == 0
    assert "mema: 1 new" in out
    assert "down: FAILED" in out
    health = sources(migrated)
    assert health["mema"].consecutive_failures == 0 and health["mema"].last_success_at is not None
    assert health["mema"].entries_seen == 1
    assert health["down"].consecutive_failures == 1 and health["down"].last_error
    assert health["down"].last_success_at is None
    flags = json.loads(cli("flags", "--as-of", "2013-04-19T11:00:00Z", "--json")[1])
    assert {"A001", "A002", "A003"} <= {flag["account_id"] for flag in flags}


def test_second_crawl_is_a_conditional_get_that_parses_nothing(cli, migrated, crawl_config, feeds):
    cli("crawl", "--once", "--source", "mema")
    status, out, _ = cli("crawl", "--once", "--source", "mema")
    assert status == 0 and "mema: not modified" in out
    assert feeds.requests[-1][1] is not None, "the second request must carry If-None-Match"


def test_an_outage_keeps_the_flags_a_source_raised(cli, migrated, crawl_config, feeds):
    cli("accounts", "import", BOSTON / "accounts.csv")
    cli("crawl", "--once", "--source", "mema")
    before = cli("flags", "--as-of", "2013-04-19T11:00:00Z", "--json")[1]
    feeds.documents.clear()
    status, out, _ = cli("crawl", "--once", "--source", "mema")
    assert "FAILED" in out
    assert cli("flags", "--as-of", "2013-04-19T11:00:00Z", "--json")[1] == before
    assert sources(migrated)["mema"].consecutive_failures == 1
