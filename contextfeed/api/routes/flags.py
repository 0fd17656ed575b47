"""Supervisors' flags: raise one by hand, or release one, always with a reason."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from contextfeed.api.auth import Principal, require
from contextfeed.api.deps import AppDep
from contextfeed.api.errors import ApiError, documented
from contextfeed.api.schemas import MAX_ID, FlagOut, Instant, ManualFlag, Name, ReasonText, Released
from contextfeed.db.models import Flag
from contextfeed.domain.instants import iso
from contextfeed.services import flags

router = APIRouter(tags=["flags"])
Admin = Annotated[Principal, Depends(require("admin"))]


def flag_out(flag: Flag) -> dict:
    """A stored flag as the API shows it."""
    return {
        "flag_id": flag.id,
        "account_id": flag.account_id,
        "level": flag.level,
        "reason": flag.reason,
        "rule": flag.rule,
        "origin": flag.origin,
        "actor": flag.actor,
        "starts_at": iso(flag.starts_at),
        "expires_at": iso(flag.expires_at),
    }


@router.post("/v1/flags", status_code=201, response_model=FlagOut, responses=documented(404))
def raise_flag(body: ManualFlag, app: AppDep, principal: Admin) -> dict:
    """Put a manual flag on an account from now until `until` (or until released)."""
    now = app.clock.now()
    if body.until is not None and body.until <= now:
        raise ApiError(422, "until must be later than now", field="until")
    try:
        flag = flags.raise_flag(
            app,
            body.account_id,
            level=body.level,
            reason=body.reason,
            actor=body.actor or principal.name,
            expires_at=body.until,
        )
    except LookupError:
        raise ApiError(404, f"no account {body.account_id!r}", code="unknown_account") from None
    return flag_out(flag)


@router.delete("/v1/flags/{flag_id}", response_model=Released, responses=documented(404, 409))
def release(
    flag_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    app: AppDep,
    principal: Admin,
    reason: Annotated[ReasonText, Query(description="why (kept in the change log)")],
    actor: Annotated[Name | None, Query(description="who decided (default: the API key's name)")] = None,
    until: Annotated[Instant | None, Query(description="automatic flags: release until (default: its own end)")] = None,
) -> dict:
    """End a manual flag now, or override an automatic one (until `until`, by default for its whole life)."""
    now = app.clock.now()
    if until is not None and until <= now:
        raise ApiError(422, "until must be later than now", field="until", location="query")
    try:
        message = flags.release(app, flag_id, reason=reason, actor=actor or principal.name, until=until)
    except flags.NotInForceError as error:
        raise ApiError(409, str(error)) from None
    except LookupError as error:
        raise ApiError(404, str(error)) from None
    return {"flag_id": flag_id, "released": True, "message": message}
