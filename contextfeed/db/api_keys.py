"""API keys: scoped, shown once, stored only as a hash."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contextfeed.db.models import ApiKey
from contextfeed.domain.instants import iso
from contextfeed.domain.terms import SCOPES

log = logging.getLogger(__name__)

KEY_PREFIX = "cf_"


@dataclass(frozen=True)
class NewKey:
    """A key just created: the only moment its secret exists outside the client."""

    id: int
    name: str
    scope: str
    key: str


def hash_key(key: str) -> str:
    """SHA-256 of the key, hex.

    A plain fast hash is enough: keys are 256 random bits, so there is nothing
    to brute-force, and checking one costs a request a microsecond, not a KDF's 100 ms.
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, *, name: str, scope: str, now: datetime) -> NewKey:
    """Make a new key with that scope; the caller shows `NewKey.key` once and commits."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, scope=scope, prefix=key[:10], key_hash=hash_key(key), created_at=now)
    session.add(row)
    session.flush()
    log.info("API key %s (%s, scope %s) created", row.id, name, scope)
    return NewKey(id=row.id, name=name, scope=scope, key=key)


def key_json(key: ApiKey) -> dict:
    """A key without its secret (only its first characters, to recognise it)."""
    return {
        "id": key.id,
        "name": key.name,
        "scope": key.scope,
        "prefix": key.prefix,
        "created_at": iso(key.created_at),
        "revoked_at": iso(key.revoked_at),
        "last_used_at": iso(key.last_used_at),
    }


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


class RevocationRefused(ValueError):
    """A revocation that would lock the caller, or every admin, out; the message says what to do instead."""


def revoke_key(session: Session, key_id: int, *, now: datetime, by_key_id: int | None = None) -> ApiKey:
    """Revoke a key from now on; LookupError for an unknown id, RevocationRefused when `by_key_id` is locked out.

    Through the API (`by_key_id` given) a key cannot revoke itself and the last active admin key
    stays: either would leave nobody able to make keys but someone with a shell on the host. Errs
    towards keeping access; `contextfeed apikey revoke` on the host (no `by_key_id`) may still
    revoke any key, the way out when an admin key has leaked.
    """
    row = session.get(ApiKey, key_id)
    if row is None:
        raise LookupError(f"no API key {key_id}")
    if row.revoked_at is None and by_key_id is not None:
        if row.id == by_key_id:
            raise RevocationRefused(
                f"API key {key_id} is the key making this request: a key cannot revoke itself; "
                "revoke it with another admin key"
            )
        if row.scope == "admin" and active_admin_keys(session) <= 1:
            raise RevocationRefused(
                f"API key {key_id} is the last active admin key: make another admin key "
                "(POST /v1/keys) before revoking this one"
            )
    if row.revoked_at is None:
        row.revoked_at = now
        log.info("API key %s (%s) revoked", row.id, row.name)
    return row


def active_admin_keys(session: Session) -> int:
    """How many admin keys still work."""
    return (
        session.scalar(
            select(func.count()).select_from(ApiKey).where(ApiKey.scope == "admin", ApiKey.revoked_at.is_(None))
        )
        or 0
    )


def first_admin_key(session: Session, *, now: datetime) -> NewKey | None:
    """An admin key when the database has never had a key (the very first start), else None."""
    if session.scalar(select(func.count()).select_from(ApiKey)):
        return None
    return create_key(session, name="first-admin", scope="admin", now=now)


def find_key(session: Session, key: str) -> ApiKey | None:
    """The active (unrevoked) key with this secret."""
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))).first()
