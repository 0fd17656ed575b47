"""What outbound dialers read: the bulk suppression check, the change feed, and the do-not-contact export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from contextfeed.api.auth import require
from contextfeed.api.deps import AppDep, ReadSession, instant
from contextfeed.api.errors import OrjsonResponse, documented
from contextfeed.api.read_ahead import FeedPage, ReadAhead
from contextfeed.api.schemas import MAX_ID, ChangePage, CheckResponse, ExportList, Instant, SuppressionCheck
from contextfeed.bootstrap import App
from contextfeed.dialer.bulk import check_json
from contextfeed.dialer.feed import MAX_PAGE, changes_after
from contextfeed.dialer.index import SuppressionIndex
from contextfeed.dialer.suppression import DatabaseView, export_csv, export_entries, list_time, suppression_check
from contextfeed.domain.instants import iso
from contextfeed.domain.terms import Level

router = APIRouter(tags=["dialer"], dependencies=[Depends(require("dialer"))])


# A check this small, by id, is answered on the event loop when the index is current: a worker
# thread would cost more than the check itself (dialers send hundreds of single checks a second).
# Only the freshness probe leaves the loop, shared by the checks that arrive together.
INLINE_IDS = 100


@router.post("/v1/suppression/check", response_model=CheckResponse, responses=documented(413))
async def check(body: SuppressionCheck, app: AppDep, request: Request) -> Response:
    """May these accounts be called now? Per id: suppress, level, reasons, until, calling hours, local time."""
    return OrjsonResponse(orjson.Fragment(await answered(app, request.app.state.suppression_index, body)))


async def answered(app: App, index: SuppressionIndex, body: SuppressionCheck) -> bytes:
    """The check's answer, encoded: a few ids on the event loop when memory answers them, the rest in a thread."""
    at = instant(app, body.at)
    small = len(body.account_ids) <= INLINE_IDS and not body.phones and index.covers(at)
    if small and (view := await index.answering(body.account_ids)):
        return check_json(view, **asked(app, body, at))
    return await run_in_threadpool(check_answer, app, index, body, at)


class IndexState(BaseModel):
    """Where checks are answered from: memory once the index is built, the database until then."""

    in_memory: bool = Field(description="checks are answered from the index (false: from the database, slower)")
    building: bool = Field(description="a build runs in the background")
    accounts: int = Field(description="accounts held (at most a fold's worth counted twice)")
    flagged_accounts: int = Field(description="accounts with a flag or release held")
    cursor: int = Field(description="the change log's cursor the index holds every change up to")
    build_seconds: float | None = Field(description="how long the last build took (null: none finished)")


@router.get("/v1/suppression/index", response_model=IndexState, responses=documented())
def index_state(request: Request) -> dict:
    """Whether checks are answered from memory yet: a load balancer sends bulk checks to a process once it is."""
    index: SuppressionIndex = request.app.state.suppression_index
    return index.state()


def asked(app: App, body: SuppressionCheck, at: datetime) -> dict:
    """What `check_json` is asked, besides where it reads."""
    return {"account_ids": body.account_ids, "at": at, "purpose": body.purpose, "calling": app.settings.calling}


def check_answer(app: App, index: SuppressionIndex, body: SuppressionCheck, at: datetime) -> bytes:
    """The check's answer: from the index, fresh from the change log, unless it asks about an earlier time.

    Before the index is first built, and for phones (the index keeps no phone book), the database answers.
    """
    indexed = index.caught_up(body.account_ids)
    if indexed is not None and index.covers(at) and not body.phones:
        return check_json(indexed, **asked(app, body, at))
    with app.database.read() as session:
        view = indexed if indexed is not None and index.covers(at) else DatabaseView(session)
        results = list(suppression_check(view, **asked(app, body, at), phones=body.phones))
    return orjson.dumps({"results": results})


@router.get("/v1/flags/changes", response_model=ChangePage, responses=documented())
async def changes(
    app: AppDep,
    request: Request,
    after: Annotated[int, Query(ge=0, le=MAX_ID, description="the last cursor you processed (0: from the start)")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1000,
) -> Response:
    """Flag changes after a cursor, in cursor order; poll with `after=next_cursor` to miss and repeat nothing."""
    read_ahead: ReadAhead = request.app.state.feed_read_ahead
    page = await read_ahead.page(after, limit)
    return OrjsonResponse(
        {
            "changes": orjson.Fragment(page.changes),
            "has_more": page.count == limit,
            "next_cursor": page.last_cursor if page.count else after,
        }
    )


def read_page(app: App, index: SuppressionIndex, after: int, limit: int) -> FeedPage:
    """A page of the change feed, read and rendered in one worker thread; phones from the index's accounts."""
    with app.database.read() as session:
        changes = changes_after(session, after, limit=limit, accounts=index.view().accounts)
    return FeedPage(orjson.dumps(changes), len(changes), changes[-1]["cursor"] if changes else None)


@router.get(
    "/v1/suppression/export",
    response_model=ExportList,
    responses=documented()
    | {200: {"description": "the list", "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export(
    app: AppDep,
    session: ReadSession,
    export_format: Annotated[Literal["csv", "json"], Query(alias="format")] = "csv",
    level: Annotated[
        Level, Query(description="the weakest level listed (caution for automated calls)")
    ] = "do_not_chase",
    at: Annotated[Instant | None, Query(description="ISO 8601 instant (default: now)")] = None,
) -> Response:
    """Today's suppression list: phone (E.164), account_id, level, expires (UTC yyyy-MM-ddTHH:mmZ), reason_code."""
    moment = instant(app, at)
    entries = export_entries(session, at=moment, level=level)
    if export_format == "json":
        return OrjsonResponse({"at": iso(moment), "level": level, "entries": [entry.as_json() for entry in entries]})
    filename = f"contextfeed-suppression-{list_time(moment).replace(':', '').replace('-', '')}.csv"
    return Response(
        export_csv(entries),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
