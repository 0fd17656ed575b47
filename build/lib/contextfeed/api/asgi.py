"""The ASGI application as uvicorn's workers build it: settings from the environment, scheduler under leadership."""

from __future__ import annotations

import os
from contextlib import asynccontextmanager

from fastapi import FastAPI

from contextfeed.bootstrap import App, build_app, collect_less

# `serve --no-scheduler` tells its worker processes through the environment.
NO_SCHEDULER = "CONTEXTFEED_NO_SCHEDULER"


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
    from contextfeed.api.app import create_api

    app = build_app()
    api = create_api(app)
    if os.environ.get(NO_SCHEDULER) != "1":
        attach_scheduler(api, app)
    return api
