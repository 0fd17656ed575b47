"""The guard every endpoint but /healthz sits behind: a Bearer API key of the right scope."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import update

from contextfeed.domain.terms import Scope
from contextfeed.api.deps import app_of
from contextfeed.api.errors import ApiError
from contextfeed.db.api_keys import find_key
from contextfeed.bootstrap import App
from contextfeed.db.models import ApiKey

# How long a verified key is trusted before the database is asked again (see VerifiedKeys).
KEY_RECHECK = timedelta(seconds=30)
# last_used_at is a hint for admins, not an audit log: refresh it at most this often, so a dialer's
# thousands of requests a minute do not each cost a write.
TOUCH_EVERY = timedelta(minutes=1)

bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey",
                    description="An API key from `contextfeed apikey create`: `Authorization: Bearer cf_...`")


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


def authenticate(app: App, key: str) -> Principal | None:
    """The active key matching `key`, or None; refreshes its last use now and then."""
    now = app.clock.now()
    with app.database.read() as session:
        row = find_key(session, key)
        if row is None:
            return None
        principal = Principal(key_id=row.id, name=row.name, scope=row.scope)
        stale = row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY
    if stale:
        with app.database.write() as session:
            session.execute(update(ApiKey).where(ApiKey.id == principal.key_id).values(last_used_at=now))
    return principal


async def verified(request: Request, key: str) -> Principal | None:
    """`key`'s principal: from the keys verified lately, else from the database (off the event loop)."""
    keys: VerifiedKeys = request.app.state.verified_keys
    principal = keys.get(key)
    if principal is None:
        principal = await run_in_threadpool(authenticate, app_of(request), key)
        if principal is not None:
            keys.remember(key, principal)
    return principal


def require(*scopes: Scope) -> Callable[..., Principal]:
    """A dependency admitting keys of these scopes (admin always): 401 without a valid key, 403 for a wrong scope."""
    allowed = frozenset(scopes) | {"admin"}
    needed = " or ".join(sorted(allowed))

    async def guard(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
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
