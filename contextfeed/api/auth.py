"""The guard every endpoint but /healthz sits behind: a Bearer API key of the right scope."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as AsgiScope

from contextfeed.api.deps import app_of
from contextfeed.api.errors import ApiError, error_response
from contextfeed.bootstrap import App
from contextfeed.db.api_keys import find_key
from contextfeed.db.engine import Database
from contextfeed.db.models import ApiKey
from contextfeed.domain.terms import Scope

log = logging.getLogger(__name__)
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A query value that is a key (cf_...), or that of a parameter named like one.
SECRET_IN_QUERY = re.compile(
    r"((?:^|&)(?:[^=&]*(?:key|token|auth|secret)[^=&]*=)|(?:^|&)[^=&]*=(?=cf_))[^&]*", re.IGNORECASE
)

# How long a verified key is trusted before the database is asked again (see VerifiedKeys).
KEY_RECHECK = timedelta(seconds=30)
# last_used_at is a hint for admins, not an audit log: refresh it at most this often, so a dialer's
# thousands of requests a minute do not each cost a write.
TOUCH_EVERY = timedelta(minutes=1)

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `contextfeed apikey create`: `Authorization: Bearer cf_...`",
)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and scope."""

    key_id: int
    name: str
    scope: str


class VerifiedKeys:
    """Keys this process checked lately, so a dialer's every request does not cost a database read.

    A key revoked through this process stops at once; one revoked elsewhere (another worker, the
    CLI) is honoured here within KEY_RECHECK: that long a revoked key may still read, against a
    database read per request.
    """

    def __init__(self) -> None:
        self.verified: dict[str, tuple[Principal, float]] = {}

    def get(self, key: str) -> Principal | None:
        """The principal of `key` if it was verified less than KEY_RECHECK ago."""
        found = self.verified.get(key)
        if found is None or time.monotonic() - found[1] > KEY_RECHECK.total_seconds():
            return None
        return found[0]

    def remember(self, key: str, principal: Principal) -> None:
        """Note that `key` was just verified as `principal`."""
        self.verified[key] = (principal, time.monotonic())

    def forget(self, key_id: int) -> None:
        """Drop a key this process revoked."""
        self.verified = {key: found for key, found in self.verified.items() if found[0].key_id != key_id}


class KeyUses:
    """Writes keys' last_used_at off the request path, best effort.

    A check must never wait for the write lock: a CLI ingest or import may hold it for a minute,
    and a check that queued behind it for last_used_at failed after the busy timeout (issue 20).
    Uses are noted in memory and written by one background thread in a short transaction of its
    own; when the database is busy the write waits there, and a failed one is logged and dropped
    (the hint is late or lost, never the answer).
    """

    def __init__(self, database: Database) -> None:
        self.database = database
        self.pending: dict[int, datetime] = {}
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def note(self, key_id: int, at: datetime) -> None:
        """Remember that `key_id` was used at `at`; written soon, by the background thread."""
        with self.lock:
            self.pending[key_id] = at
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="api-key-uses", daemon=True)
                self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            with self.lock:
                uses, self.pending = self.pending, {}
            try:
                with self.database.write() as session:
                    for key_id, at in uses.items():
                        session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=at))
            except SQLAlchemyError:
                log.warning(
                    "could not record the last use of %d API key(s); it is only a hint", len(uses), exc_info=True
                )


def authenticate(app: App, key: str, uses: KeyUses) -> Principal | None:
    """The active key matching `key`, or None; notes its use now and then (written off this path)."""
    now = app.clock.now()
    with app.database.read() as session:
        row = find_key(session, key)
        if row is None:
            return None
        principal = Principal(key_id=row.id, name=row.name, scope=row.scope)
        stale = row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY
    if stale:
        uses.note(principal.key_id, now)
    return principal


async def verified(request: Request, key: str) -> Principal | None:
    """`key`'s principal: from the keys verified lately, else from the database (off the event loop)."""
    keys: VerifiedKeys = request.app.state.verified_keys
    principal = keys.get(key)
    if principal is None:
        principal = await run_in_threadpool(authenticate, app_of(request), key, request.app.state.key_uses)
        if principal is not None:
            keys.remember(key, principal)
    return principal


class KeyBeforeBody:
    """ASGI middleware: a request with a body is refused (401) unless it carries a valid key, before the body is read.

    FastAPI reads and parses a body before it runs the endpoint's dependencies, so without this
    anyone could make the service parse 16 MB of JSON. The scope is still checked by `require`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        """Check the Authorization header of a POST, PUT, PATCH or DELETE under /v1/ first."""
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        key = bearer_key(scope)
        principal = await verified(Request(scope), key) if key else None
        if principal is None:
            message = "an API key is required: Authorization: Bearer <key>" if not key else "unknown or revoked API key"
            await error_response(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


class RedactedKeys(logging.Filter):
    """Keeps API keys out of the access log when a client puts one in the query string (?key=cf_...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the logged path's query values that are keys, or named like one, as "redacted"."""
        if isinstance(record.args, tuple) and len(record.args) >= 3 and isinstance(record.args[2], str):
            path, mark, query = record.args[2].partition("?")
            if mark:
                record.args = (
                    *record.args[:2],
                    path + "?" + SECRET_IN_QUERY.sub(r"\1redacted", query),
                    *record.args[3:],
                )
        return True


def redact_access_log() -> None:
    """Install RedactedKeys on uvicorn's access log, once."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, RedactedKeys) for existing in access.filters):
        access.addFilter(RedactedKeys())


def admitted(*scopes: Scope) -> frozenset[str]:
    """The key scopes an endpoint for these scopes admits: admin always."""
    return frozenset(scopes) | {"admin"}


def bearer_key(scope: AsgiScope) -> str:
    """The key of a request's `Authorization: Bearer` header ("" without one)."""
    header = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
    scheme, _, key = header.decode("latin-1").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def require(*scopes: Scope) -> Callable[..., Principal]:
    """A dependency admitting keys of these scopes (admin always): 401 without a valid key, 403 for a wrong scope."""
    allowed = admitted(*scopes)
    needed = " or ".join(sorted(allowed))

    async def guard(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise ApiError(401, "an API key is required: Authorization: Bearer <key>", headers=challenge)
        principal = await verified(request, credentials.credentials)
        if principal is None:
            raise ApiError(401, "unknown or revoked API key", headers=challenge)
        if principal.scope not in allowed:
            raise ApiError(403, f"this key's scope is {principal.scope}; this endpoint needs {needed}")
        return principal

    return guard
