"""Administration: API keys and webhooks (admin scope only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy import select

from contextfeed.api.auth import Principal, require
from contextfeed.api.deps import AppDep, ReadSession
from contextfeed.api.errors import ApiError, documented
from contextfeed.api.schemas import (
    MAX_ID,
    KeyCreated,
    KeyList,
    KeyOut,
    KeyRequest,
    WebhookDetail,
    WebhookList,
    WebhookOut,
    WebhookRequest,
)
from contextfeed.db.api_keys import RevocationRefused, create_key, key_json, list_keys, revoke_key
from contextfeed.db.models import ApiKey, Webhook, WebhookDelivery
from contextfeed.dialer.webhooks import add_webhook, delivery_json, webhook_json

# One guard object, so FastAPI runs it once for the router and for a route that asks who called.
admin_only = require("admin")
router = APIRouter(tags=["admin"], dependencies=[Depends(admin_only)])
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Admin = Annotated[Principal, Depends(admin_only)]
RECENT_DELIVERIES = 20


@router.get("/v1/keys", response_model=KeyList, responses=documented())
def get_keys(session: ReadSession) -> dict:
    """Every API key, revoked ones included."""
    return {"keys": [key_json(key) for key in list_keys(session)]}


@router.post("/v1/keys", status_code=201, response_model=KeyCreated, responses=documented())
def post_key(body: KeyRequest, app: AppDep) -> dict:
    """Make a key; the answer holds it this once, only its hash is kept."""
    with app.database.write() as session:
        new = create_key(session, name=body.name, scope=body.scope, now=app.clock.now())
        return key_json(session.get(ApiKey, new.id)) | {"key": new.key}


@router.delete("/v1/keys/{key_id}", response_model=KeyOut, responses=documented(404, 409))
def delete_key(key_id: IdPath, app: AppDep, request: Request, principal: Admin) -> dict:
    """Revoke a key: it stops working at once here (in other processes within KEY_RECHECK).

    409 for the calling key itself and for the last active admin key.
    """
    with app.database.write() as session:
        try:
            revoked = key_json(revoke_key(session, key_id, now=app.clock.now(), by_key_id=principal.key_id))
        except LookupError as error:
            raise ApiError(404, str(error)) from None
        except RevocationRefused as error:
            raise ApiError(409, str(error)) from None
    request.app.state.verified_keys.forget(key_id)
    return revoked


@router.get("/v1/webhooks", response_model=WebhookList, responses=documented())
def get_webhooks(session: ReadSession) -> dict:
    """Every webhook with its delivery state."""
    return {"webhooks": [webhook_json(hook) for hook in session.scalars(select(Webhook).order_by(Webhook.id))]}


@router.post("/v1/webhooks", status_code=201, response_model=WebhookOut, responses=documented())
def post_webhook(body: WebhookRequest, app: AppDep) -> dict:
    """Register a receiver: flag changes are POSTed to it, signed with `secret` (HMAC-SHA256)."""
    with app.database.write() as session:
        hook = add_webhook(
            session, name=body.name, url=str(body.url), secret=body.secret, after=body.after, now=app.clock.now()
        )
        return webhook_json(hook)


@router.get("/v1/webhooks/{webhook_id}", response_model=WebhookDetail, responses=documented(404))
def get_webhook(webhook_id: IdPath, session: ReadSession) -> dict:
    """A webhook and its latest delivery attempts."""
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise ApiError(404, f"no webhook {webhook_id}")
    deliveries = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(RECENT_DELIVERIES)
    )
    return webhook_json(hook) | {"deliveries": [delivery_json(delivery) for delivery in deliveries]}


@router.delete("/v1/webhooks/{webhook_id}", status_code=204, responses=documented(404))
def delete_webhook(webhook_id: IdPath, app: AppDep) -> None:
    """Stop delivering to a webhook and forget it."""
    with app.database.write() as session:
        hook = session.get(Webhook, webhook_id)
        if hook is None:
            raise ApiError(404, f"no webhook {webhook_id}")
        session.delete(hook)
