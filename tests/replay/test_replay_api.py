"""GET/POST /v1/replay, and the replay feeding the same pipeline, change feed and webhooks as a live crawl."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient

from contextfeed.api.app import create_api
from contextfeed.bootstrap import build_app
from contextfeed.config import load_settings
from tests.replay.conftest import bearer

SHELTER = "2013-04-19T11:00:00Z"


def jump(client, service, at: str):
    """Jump the replay as an admin."""
    return client.post("/v1/replay", json={"action": "jump", "at": at}, headers=bearer(service, "admin"))


def suppression(client, service, account: str) -> dict:
    """The dialer's answer for one account, now (on the replay clock)."""
    response = client.post("/v1/suppression/check", json={"account_ids": [account]}, headers=bearer(service, "dialer"))
    assert response.status_code == 200, response.text
    return response.json()["results"][0]


def test_any_valid_key_reads_where_the_replay_stands(client, replay_service):
    for scope in ("agent", "dialer", "admin"):
        response = client.get("/v1/replay", headers=bearer(replay_service, scope))
        assert response.status_code == 200, response.text
    assert response.json() == {
        "scenario": "boston-2013",
        "instant": "2013-04-15T19:05:00Z",
        "speed": 60.0,
        "paused": True,
        "documents_replayed": 0,
        "documents_pending": 11,
        "next_document_at": "2013-04-15T19:05:00Z",
        "first_document_at": "2013-04-15T19:05:00Z",
        "last_document_at": "2013-04-19T23:50:00Z",
    }
    assert client.get("/v1/replay").status_code == 401


def test_only_an_admin_steers_the_replay(client, replay_service):
    response = client.post("/v1/replay", json={"action": "pause"}, headers=bearer(replay_service, "agent"))
    assert response.status_code == 403 and "admin" in response.json()["message"]
    resumed = client.post("/v1/replay", json={"action": "resume"}, headers=bearer(replay_service, "admin"))
    assert resumed.status_code == 200 and resumed.json()["paused"] is False
    faster = client.post("/v1/replay", json={"action": "speed", "speed": 3600}, headers=bearer(replay_service, "admin"))
    assert faster.json()["speed"] == 3600
    paused = client.post("/v1/replay", json={"action": "pause"}, headers=bearer(replay_service, "admin"))
    assert paused.json()["paused"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"action": "jump"}, "at"),
        ({"action": "speed"}, "speed"),
        ({"action": "speed", "speed": 0}, "speed"),
        ({"action": "speed", "speed": 1e9}, "speed"),
        ({"action": "pause", "at": SHELTER}, "at"),
        ({"action": "jump", "at": "yesterday"}, "at"),
        ({"action": "rewind"}, "action"),
        ({"action": "pause", "speeed": 2}, "speeed"),
    ],
)
def test_a_bad_control_is_refused_naming_the_field(client, replay_service, body, field):
    response = client.post("/v1/replay", json=body, headers=bearer(replay_service, "admin"))
    assert response.status_code == 422, response.text
    assert [problem["field"] for problem in response.json()["fields"]] == [field]
    assert client.get("/v1/replay", headers=bearer(replay_service, "agent")).json()["paused"] is True


def test_a_jump_replays_the_documents_up_to_then_through_the_pipeline(client, replay_service):
    assert suppression(client, replay_service, "A002")["suppress"] is False
    state = jump(client, replay_service, SHELTER).json()
    assert state["instant"] == SHELTER and state["documents_replayed"] == 8 and state["paused"] is True
    result = suppression(client, replay_service, "A002")
    assert result["suppress"] is True and result["level"] == "do_not_chase"
    assert "Shelter in Place Warning" in result["reasons"][0]["text"]
    briefing = client.get("/v1/accounts/A002/context", headers=bearer(replay_service, "agent")).json()
    assert briefing["level"] == "do_not_chase" and briefing["at"]["utc"] == SHELTER
    jump(client, replay_service, "2013-04-20T03:00:00Z")
    assert suppression(client, replay_service, "A002")["suppress"] is False


def test_replayed_documents_count_as_their_sources_answering(client, replay_service):
    jump(client, replay_service, SHELTER)
    sources = {
        source["name"]: source
        for source in client.get("/v1/sources", headers=bearer(replay_service, "dialer")).json()["sources"]
    }
    assert sources["mema"]["status"] == "ok" and sources["mema"]["last_success_at"] == SHELTER
    assert sources["regional-wire"]["status"] == "ok" and sources["regional-wire"]["entries_seen"] >= 1
    assert client.get("/healthz").json()["status"] == "ok"


def test_the_change_feed_reports_the_flags_in_replay_order(client, replay_service):
    jump(client, replay_service, "2013-04-20T00:00:00Z")
    changes = client.get("/v1/flags/changes", headers=bearer(replay_service, "dialer")).json()["changes"]
    watertown = [
        (change["action"], change["level"])
        for change in changes
        if change["account_id"] == "A002" and change["rule"] == "official-shelter-or-evacuate"
    ]
    assert watertown[0] == ("raise", "do_not_chase") and len(watertown) >= 2  # raised, then cut by the Cancel


class Receiver(BaseHTTPRequestHandler):
    """Collects webhook deliveries."""

    deliveries: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        self.deliveries.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[str]:
    """A webhook receiver on a free loopback port; yields its URL."""
    Receiver.deliveries = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_webhooks_are_pushed_as_the_replay_reaches_the_flags(client, replay_service, receiver):
    hook = {"name": "trainer", "url": receiver, "secret": "sixteen-chars-at-least"}
    assert client.post("/v1/webhooks", json=hook, headers=bearer(replay_service, "admin")).status_code == 201
    jump(client, replay_service, SHELTER)
    pushed = [change for delivery in Receiver.deliveries for change in delivery["changes"]]
    assert any(change["account_id"] == "A002" and change["level"] == "do_not_chase" for change in pushed)


def test_outside_a_replay_there_is_no_replay_endpoint(migrated):
    client = TestClient(create_api(build_app(load_settings())))
    assert client.get("/v1/replay").status_code == 404
    assert "/v1/replay" not in client.get("/openapi.json").json()["paths"]


def test_the_page_holds_the_replay_banner_hidden_until_the_replay_endpoint_answers(client):
    page = client.get("/").text
    assert '<section id="replay" class="replay" hidden' in page and 'src="/static/replay.js"' in page
    script = client.get("/static/replay.js")
    assert script.status_code == 200 and "/v1/replay" in script.text and "innerHTML" not in script.text
    assert client.get("/static/replay.css").status_code == 200
