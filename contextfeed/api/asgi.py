"""The ASGI application as uvicorn's workers build it: settings from the environment, scheduler under leadership."""

from __future__ import annotations

import os
import sys
from contextlib import asynccontextmanager

from fastapi import FastAPI

from contextfeed.bootstrap import App, build_app, collect_less

# `serve --no-scheduler` tells its worker processes through the environment.
NO_SCHEDULER = "CONTEXTFEED_NO_SCHEDULER"
# The event loop answers checks; the index's follower and builds are throughput work in threads of their own.
# Python hands the GIL to a waiting thread after 5 ms by default: a check queued behind a follower reading a
# burst of changes would wait that long at every turn, so the loop gets it back within a millisecond.
SWITCH_INTERVAL_S = 0.001


def attach_scheduler(api: FastAPI, app: App) -> None:
    """Try for the scheduler's leadership while the API runs; give it up on shutdown."""
    from contextfeed.jobs.leadership import SchedulerSupervisor

    supervisor = SchedulerSupervisor(app, poll_seconds=app.settings.schedule.leader_poll_seconds)
    api.state.scheduler = supervisor
    inner = api.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):
        supervisor.start()
        try:
            async with inner(application) as state:
                yield state
        finally:
            supervisor.stop()

    api.router.lifespan_context = lifespan


def build() -> FastAPI:
    """The API for one worker process (uvicorn factory)."""
    collect_less()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    from contextfeed.api.app import create_api

    app = build_app()
    api = create_api(app)
    if os.environ.get(NO_SCHEDULER) != "1":
        attach_scheduler(api, app)
    return api
