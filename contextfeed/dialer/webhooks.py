"""Webhooks: the change feed pushed to receivers, signed with HMAC-SHA256, retried with backoff, at least once.

Each webhook follows the change log with its own stored cursor. A batch that
fails is sent again exactly as it was (same changes, same Idempotency-Key)
until it is accepted, so a receiver that remembers the highest `cursor` it
has processed sees every change once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from contextfeed.bootstrap import App
from contextfeed.clock import SystemClock
from contextfeed.db.models import Webhook, WebhookDelivery
from contextfeed.dialer.feed import changes_after, latest_cursor
from contextfeed.domain.instants import iso

log = logging.getLogger(__name__)

BATCH = 100
MAX_BATCHES_PER_RUN = 10
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
SIGNATURE_HEADER = "X-Contextfeed-Signature"
MAX_ERROR_LENGTH = 300


@dataclass(frozen=True)
class Target:
    """What a delivery needs of a webhook, read before the POST: no session is held open across it."""

    id: int
    url: str
    secret: str
    cursor: int
    failures: int


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: delivered or not, the HTTP status, the error in words."""

    delivered: bool
    status_code: int | None
    error: str | None


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """`t=<unix time>,v1=<hex>`: HMAC-SHA256 over "<t>." + body, so a receiver can also refuse stale replays."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def backoff(failures: int) -> timedelta:
    """How long to wait after the n-th failure in a row: 10 s, doubling, at most an hour."""
    return min(FIRST_RETRY * 2 ** min(failures - 1, 20), LONGEST_RETRY)


def add_webhook(session: Session, *, name: str, url: str, secret: str, after: int | None, now: datetime) -> Webhook:
    """Register a receiver; it gets the changes after cursor `after` (None: only changes from now on)."""
    hook = Webhook(
        name=name,
        url=url,
        secret=secret,
        cursor=latest_cursor(session) if after is None else after,
        failures=0,
        created_at=now,
    )
    session.add(hook)
    session.flush()
    return hook


def webhook_json(hook: Webhook) -> dict:
    """A webhook's settings and delivery state; never its secret."""
    return {
        "id": hook.id,
        "name": hook.name,
        "url": hook.url,
        "cursor": hook.cursor,
        "failures": hook.failures,
        "next_attempt_at": iso(hook.next_attempt_at),
        "last_attempt_at": iso(hook.last_attempt_at),
        "last_success_at": iso(hook.last_success_at),
        "last_error": hook.last_error,
        "created_at": iso(hook.created_at),
    }


def delivery_json(delivery: WebhookDelivery) -> dict:
    """One delivery attempt."""
    return {
        "id": delivery.id,
        "first_cursor": delivery.first_cursor,
        "last_cursor": delivery.last_cursor,
        "attempt": delivery.attempt,
        "delivered": delivery.delivered,
        "status_code": delivery.status_code,
        "error": delivery.error,
        "attempted_at": iso(delivery.attempted_at),
    }


def pending_through(session: Session, hook: Target) -> int | None:
    """The last cursor of a batch that failed and must be sent again unchanged, if there is one."""
    return session.scalar(
        select(WebhookDelivery.last_cursor)
        .where(
            WebhookDelivery.webhook_id == hook.id,
            WebhookDelivery.last_cursor > hook.cursor,
            WebhookDelivery.delivered.is_(False),
        )
        .order_by(WebhookDelivery.id.desc())
        .limit(1)
    )


def post(client: httpx.Client, hook: Target, body: bytes, *, idempotency_key: str) -> Attempt:
    """POST a signed body; any 2xx is delivered, anything else (or no answer) is a failure."""
    # The signature's timestamp guards receivers against replayed requests, which happen in real
    # time: sign with the wall clock even when the service runs on a replay clock.
    timestamp = int(SystemClock().now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": idempotency_key,
        SIGNATURE_HEADER: sign(hook.secret, body, timestamp=timestamp),
        "User-Agent": "contextfeed-webhooks",
    }
    try:
        response = client.post(hook.url, content=body, headers=headers)
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return Attempt(False, None, f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH])
    if response.is_success:
        return Attempt(True, response.status_code, None)
    return Attempt(False, response.status_code, f"HTTP {response.status_code}")


def deliver_batch(app: App, client: httpx.Client, hook_id: int, *, batch_size: int) -> tuple[int, bool]:
    """Send the next batch of one webhook; returns (changes delivered, whether more may be waiting)."""
    with app.database.read() as session:
        row = session.get(Webhook, hook_id)
        if row is None:
            return 0, False
        hook = Target(id=row.id, url=row.url, secret=row.secret, cursor=row.cursor, failures=row.failures)
        retry_through = pending_through(session, hook)
        changes = changes_after(session, hook.cursor, limit=batch_size, through=retry_through)
    if not changes:
        return 0, False
    first, last = changes[0]["cursor"], changes[-1]["cursor"]
    key = f"{hook.id}-{last}"
    body = orjson.dumps({"webhook_id": hook.id, "delivery": key, "changes": changes})
    attempt = post(client, hook, body, idempotency_key=key)
    now = app.clock.now()
    failures = 0 if attempt.delivered else hook.failures + 1
    with app.database.write() as session:
        if session.get(Webhook, hook.id) is None:
            return 0, False  # deleted while the POST was under way
        session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                first_cursor=first,
                last_cursor=last,
                attempt=hook.failures + 1,
                status_code=attempt.status_code,
                error=attempt.error,
                delivered=attempt.delivered,
                attempted_at=now,
            )
        )
        values = {
            "failures": failures,
            "last_attempt_at": now,
            "last_error": attempt.error,
            "next_attempt_at": None if attempt.delivered else now + backoff(failures),
        }
        if attempt.delivered:
            values |= {"cursor": last, "last_success_at": now}
        # Conditional on the cursor read above: a second worker that raced this one cannot move it back.
        session.execute(update(Webhook).where(Webhook.id == hook.id, Webhook.cursor == hook.cursor).values(**values))
    if not attempt.delivered:
        log.warning(
            "webhook %s (%s): changes %s-%s not delivered (%s); retry in %s",
            hook.id,
            hook.url,
            first,
            last,
            attempt.error,
            backoff(failures),
        )
        return 0, False
    # A full batch, or a retried one (cut where it was first cut), may have more changes behind it.
    return len(changes), len(changes) == batch_size or retry_through is not None


def deliver_webhooks(
    app: App, client: httpx.Client, *, batch_size: int = BATCH, max_batches: int = MAX_BATCHES_PER_RUN
) -> int:
    """Push pending changes to every webhook that is due; returns how many changes were delivered.

    Meant to run every few seconds from the scheduler; a run sends at most
    `max_batches` batches per webhook, so one slow receiver cannot hold it long.
    """
    now = app.clock.now()
    with app.database.read() as session:
        due = list(
            session.scalars(
                select(Webhook.id)
                .where((Webhook.next_attempt_at.is_(None)) | (Webhook.next_attempt_at <= now))
                .order_by(Webhook.id)
            )
        )
    delivered = 0
    for hook_id in due:
        for _ in range(max_batches):
            count, more = deliver_batch(app, client, hook_id, batch_size=batch_size)
            delivered += count
            if not more:
                break
    return delivered
