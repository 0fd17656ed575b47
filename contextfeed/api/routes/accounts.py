"""Accounts: read, upsert one or many, and the agent briefing for one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response
from sqlalchemy import select

from contextfeed.api.auth import require
from contextfeed.api.briefing import NEARBY_KM, load_briefing
from contextfeed.api.deps import AppDep, ReadSession, instant
from contextfeed.api.errors import ApiError, documented
from contextfeed.api.render import account_json
from contextfeed.api.schemas import (
    AccountBatch,
    AccountFields,
    AccountId,
    AccountList,
    AccountOut,
    AccountWritten,
    BatchReport,
    Briefing,
    Instant,
    Phone,
)
from contextfeed.db.models import Account
from contextfeed.services.accounts import upsert_records

router = APIRouter(tags=["accounts"])
AccountPath = Annotated[AccountId, Path(description="the account id")]
readers = [Depends(require("agent"))]
writers = [Depends(require("admin"))]


def unknown_account(account_id: str) -> ApiError:
    """The 404 for an account id nobody loaded."""
    return ApiError(404, f"no account {account_id!r}", code="unknown_account")


@router.get("/v1/accounts", response_model=AccountList, dependencies=readers, responses=documented())
def find_accounts(session: ReadSession, phone: Annotated[Phone, Query(description="E.164")]) -> dict:
    """The accounts with this phone number (several accounts may share one)."""
    accounts = session.scalars(select(Account).where(Account.phone == phone).order_by(Account.account_id))
    return {"accounts": [account_json(account) for account in accounts]}


@router.get("/v1/accounts/{account_id}", response_model=AccountOut, dependencies=readers, responses=documented(404))
def get_account(account_id: AccountPath, session: ReadSession) -> dict:
    """One account, as given and as located."""
    account = session.get(Account, account_id)
    if account is None:
        raise unknown_account(account_id)
    return account_json(account)


@router.put(
    "/v1/accounts/{account_id}",
    response_model=AccountWritten,
    dependencies=writers,
    responses=documented() | {201: {"model": AccountWritten, "description": "created"}},
)
def put_account(account_id: AccountPath, body: AccountFields, app: AppDep, response: Response) -> dict:
    """Create or replace an account; it is located and its flags recomputed at once (201 when new)."""
    written = upsert_records(app, [body.record(account_id)])
    response.status_code = 201 if written.created else 200
    with app.database.read() as session:
        return account_json(session.get(Account, account_id)) | {"flag_changes": dict(written.flag_changes)}


@router.post("/v1/accounts:batch", response_model=BatchReport, dependencies=writers, responses=documented(413))
def batch_accounts(body: AccountBatch, app: AppDep) -> dict:
    """Upsert up to 10,000 accounts in one transaction: all or, if one is invalid, none."""
    written = upsert_records(app, [account.record(account.account_id) for account in body.accounts])
    return {
        "created": written.created,
        "updated": written.updated,
        "unchanged": written.unchanged,
        "flag_changes": dict(written.flag_changes),
    }


@router.get(
    "/v1/accounts/{account_id}/context", response_model=Briefing, dependencies=readers, responses=documented(404)
)
def account_context(
    account_id: AccountPath,
    app: AppDep,
    session: ReadSession,
    at: Annotated[Instant | None, Query(description="ISO 8601 instant (default: now)")] = None,
    radius_km: Annotated[float, Query(gt=0, le=500, description="how far to look for other events")] = NEARBY_KM,
) -> dict:
    """The agent briefing: flags in force and why, the events behind them and nearby, the customer's clock."""
    briefing = load_briefing(session, account_id, at=instant(app, at), settings=app.settings, radius_km=radius_km)
    if briefing is None:
        raise unknown_account(account_id)
    return briefing


@router.get("/v1/accounts/{account_id}/explain", dependencies=writers, responses=documented(404))
def account_explain(
    account_id: AccountPath,
    app: AppDep,
    session: ReadSession,
    at: Annotated[Instant | None, Query(description="ISO 8601 instant (default: now)")] = None,
) -> dict:
    """Why the account is or is not flagged at `at`: its location, its flags, every nearby event's verdict (admin)."""
    from contextfeed.flags.explain import explain

    result = explain(session, account_id, instant(app, at), policy=app.settings.policy)
    if result is None:
        raise unknown_account(account_id)
    return result.as_json()
