"""Webhooks: flag changes POSTed, HMAC-SHA256 signed, retried with backoff, at least once, keyed by cursor."""

import hashlib
import hmac
import json
from datetime import timedelta

import httpx

from contextfeed.dialer.webhooks import backoff, deliver_webhooks, sign
from contextfeed.flags.manual import raise_manual

SECRET = "s3cret-s3cret-s3cret"


class Receiver:
    """A webhook receiver that checks signatures, can be told to fail, and dedupes by cursor."""

    def __init__(self, *, failures: int = 0) -> None:
        self.failures = failures
        self.requests: list[httpx.Request] = []
        self.processed: list[int] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        timestamp, signature = (part.split("=", 1)[1] for part in request.headers["X-Contextfeed-Signature"].split(","))
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + request.content, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(signature, expected):
            return httpx.Response(401)
        if self.failures:
            self.failures -= 1
            return httpx.Response(503)
        for change in json.loads(request.content)["changes"]:
            if not self.processed or change["cursor"] > self.processed[-1]:
                self.processed.append(change["cursor"])
        return httpx.Response(204)

    def client(self) -> httpx.Client:
        """An httpx client whose requests this receiver answers."""
        return httpx.Client(transport=httpx.MockTransport(self))


def register(world, **extra) -> dict:
    """Add a webhook through the API."""
    body = {"name": "dialer-eu", "url": "https://dialer.example.com/hooks/contextfeed", "secret": SECRET} | extra
    response = world.client.post("/v1/webhooks", json=body, headers=world.keys.admin)
    assert response.status_code == 201, response.text
    return response.json()


def raise_flags(world, accounts: list[str]) -> None:
    """Supervisors raise flags: new changes in the log."""
    with world.app.database.write() as session:
        for account in accounts:
            raise_manual(
                session,
                account,
                level="caution",
                reason="check in",
                actor="sup",
                now=world.app.clock.now(),
                expires_at=None,
            )


def test_the_signature_is_hmac_sha256_of_timestamp_and_body():
    assert sign("k", b"{}", timestamp=1) == "t=1,v1=" + hmac.new(b"k", b"1.{}", hashlib.sha256).hexdigest()


def test_backoff_doubles_from_ten_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 9, 50)] == [10, 20, 40, 2560, 3600]


def test_a_new_webhook_gets_only_changes_from_now_on_signed_and_in_order(world):
    hook = register(world)
    assert "secret" not in hook and hook["cursor"] > 0
    receiver = Receiver()
    assert deliver_webhooks(world.app, receiver.client()) == 0
    raise_flags(world, ["A004", "A009", "A099"])
    assert deliver_webhooks(world.app, receiver.client(), batch_size=2) == 3
    assert [len(json.loads(request.content)["changes"]) for request in receiver.requests] == [2, 1]
    assert receiver.processed == [hook["cursor"] + 1, hook["cursor"] + 2, hook["cursor"] + 3]
    first = receiver.requests[0]
    assert first.headers["Idempotency-Key"] == f"{hook['id']}-{hook['cursor'] + 2}"
    assert json.loads(first.content)["changes"][0]["account_id"] == "A004"


def test_a_webhook_can_replay_the_log_from_a_cursor(world):
    register(world, after=0)
    receiver = Receiver()
    delivered = deliver_webhooks(world.app, receiver.client(), batch_size=100)
    feed = world.client.get("/v1/flags/changes", headers=world.keys.dialer).json()["changes"]
    assert delivered == len(feed) and receiver.processed == [change["cursor"] for change in feed]


def test_a_failed_batch_is_retried_with_backoff_exactly_as_it_was(world):
    hook = register(world)
    raise_flags(world, ["A004"])
    receiver = Receiver(failures=2)
    assert deliver_webhooks(world.app, receiver.client()) == 0
    raise_flags(world, ["A009"])
    assert deliver_webhooks(world.app, receiver.client()) == 0, "not due yet: backing off"
    world.app.clock.advance(timedelta(seconds=10))
    assert deliver_webhooks(world.app, receiver.client()) == 0
    world.app.clock.advance(timedelta(seconds=19))
    assert deliver_webhooks(world.app, receiver.client()) == 0, "second backoff is 20 s"
    world.app.clock.advance(timedelta(seconds=1))
    assert deliver_webhooks(world.app, receiver.client()) == 2
    first_batches = [request.content for request in receiver.requests[:3]]
    assert first_batches[0] == first_batches[1] == first_batches[2]
    assert {request.headers["Idempotency-Key"] for request in receiver.requests[:3]} == {
        f"{hook['id']}-{hook['cursor'] + 1}"
    }
    assert receiver.processed == [hook["cursor"] + 1, hook["cursor"] + 2]
    detail = world.client.get(f"/v1/webhooks/{hook['id']}", headers=world.keys.admin).json()
    assert [(d["attempt"], d["delivered"], d["status_code"]) for d in reversed(detail["deliveries"])] == [
        (1, False, 503),
        (2, False, 503),
        (3, True, 204),
        (1, True, 204),
    ]
    assert detail["failures"] == 0 and detail["cursor"] == hook["cursor"] + 2


def test_an_unreachable_receiver_is_recorded_and_retried(world):
    hook = register(world)
    raise_flags(world, ["A004"])

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    assert deliver_webhooks(world.app, httpx.Client(transport=httpx.MockTransport(refuse))) == 0
    state = world.client.get(f"/v1/webhooks/{hook['id']}", headers=world.keys.admin).json()
    assert state["failures"] == 1 and state["last_error"].startswith("ConnectError")
    assert state["next_attempt_at"] == "2013-04-19T11:00:10Z"


def test_webhooks_are_listed_validated_and_deleted(world):
    hook = register(world)
    assert [item["id"] for item in world.client.get("/v1/webhooks", headers=world.keys.admin).json()["webhooks"]] == [
        hook["id"]
    ]
    for body, field in (({"url": "ftp://x.example"}, "url"), ({"secret": "short"}, "secret")):
        payload = {"name": "x", "url": "https://x.example", "secret": SECRET} | body
        response = world.client.post("/v1/webhooks", json=payload, headers=world.keys.admin)
        assert response.status_code == 422 and response.json()["fields"][0]["field"] == field
    assert world.client.delete(f"/v1/webhooks/{hook['id']}", headers=world.keys.admin).status_code == 204
    assert world.client.get(f"/v1/webhooks/{hook['id']}", headers=world.keys.admin).status_code == 404
    assert world.client.delete(f"/v1/webhooks/{hook['id']}", headers=world.keys.admin).status_code == 404
