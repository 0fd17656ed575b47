"""What a request handler is handed: the App, a read session, and the instant it asks about."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from contextfeed.bootstrap import App


def app_of(request: Request) -> App:
    """The App the API was created over."""
    return request.app.state.contextfeed


# Async, though it awaits nothing: FastAPI runs a plain function dependency in a worker thread.
async def the_app(request: Request) -> App:
    """`app_of`, as a dependency that costs no thread hop."""
    return app_of(request)


def reader(request: Request) -> Iterator[Session]:
    """A read-only session for the request; rolled back when it ends."""
    with app_of(request).database.read() as session:
        yield session


AppDep = Annotated[App, Depends(the_app)]
ReadSession = Annotated[Session, Depends(reader)]


def instant(app: App, at: datetime | None) -> datetime:
    """The instant asked about (`?at=`, for replays and tests), else the App's now."""
    return at or app.clock.now()
