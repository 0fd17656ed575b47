"""The HTTP API: FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING

from fastapi import Depends, FastAPI, Response
from fastapi.telemetry import TelemetryConfig

from contextfeed.api.auth import KeyBeforeBody, KeyUses, VerifiedKeys, redact_access_log, require
from contextfeed.api.check_lane import PONG, CheckLane, log_checks
from contextfeed.api.errors import BodyLimit, install_error_handlers
from contextfeed.api.read_ahead import ReadAhead
from contextfeed.api.routes import accounts, admin, dialer, events, flags
from contextfeed.api.schemas import ServiceHealth
from contextfeed.bootstrap import App
from contextfeed.dialer.index import SuppressionIndex
from contextfeed.services.source_health import service_health
from contextfeed.web import add_agent_page

if TYPE_CHECKING:
    from contextfeed.training.replay import Replay

DESCRIPTION = """Emergency context for call centres: agent briefings and dialer suppression.

Every endpoint but `/healthz` needs an API key (`Authorization: Bearer cf_...`,
made with `contextfeed apikey create`). Scopes: `agent` reads briefings,
accounts, events and sources; `dialer` checks suppression and reads the
change feed, the export and sources; `admin` does everything. A missing or
unknown key is 401, a key of the wrong scope 403. Instants are ISO 8601 and
answered in UTC (`Z`), and in the customer's local time where it matters.
"""


NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def create_api(app: App, *, replay: Replay | None = None) -> FastAPI:
    """The FastAPI application over `app`'s dependencies; with `replay`, also its /v1/replay endpoints."""
    index = SuppressionIndex(app.database, app.clock)

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        # Built in the background (tens of seconds for ten million accounts): checks read the database
        # until it is in, so a restart never stops the answers.
        index.start()
        yield

    # No OpenTelemetry: FastAPI's own looks up the global providers (and the environment) on every request,
    # a fifth of a single check's cost in the application, for traces nobody collects.
    api = FastAPI(
        title="contextfeed", version="0.1.0", description=DESCRIPTION, lifespan=lifespan, telemetry=NO_TELEMETRY
    )
    api.state.contextfeed = app
    api.state.suppression_index = index
    api.state.verified_keys = VerifiedKeys()
    api.state.key_uses = KeyUses(app.database)
    api.state.feed_read_ahead = ReadAhead(partial(dialer.read_page, app, index))
    install_error_handlers(api)
    # Each added runs before the ones added earlier: the key first, so no body is read without a valid one,
    # then the body's bounds, then the dialers' lane.
    api.add_middleware(CheckLane)
    api.add_middleware(BodyLimit)
    api.add_middleware(KeyBeforeBody)
    redact_access_log()
    log_checks(app.settings.service.log_checks)

    @api.get("/healthz", tags=["health"], response_model=ServiceHealth)
    def healthz() -> dict:
        """Liveness, and "degraded" with the sources that have not answered for three of their intervals.

        Always 200 while the process answers: a feed outage is not cured by restarting the API, so a
        liveness probe must not restart it; monitoring reads `status` and the source names.
        """
        with app.database.read() as session:
            return service_health(session, app.settings, now=app.clock.now())

    @api.post("/v1/ping", include_in_schema=False, dependencies=[Depends(require("dialer"))])
    async def ping() -> Response:
        """A constant answer behind a dialer's key: what the server stack alone costs a request (bench_load's probe)."""
        return Response(PONG, media_type="application/json")

    for module in (accounts, dialer, flags, events, admin):
        api.include_router(module.router)
    if replay is not None:
        from contextfeed.api.routes import replay as replay_routes

        api.state.replay = replay
        api.include_router(replay_routes.router)
    add_agent_page(api, app.settings.map)
    return api
