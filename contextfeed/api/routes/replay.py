"""Replay mode: where the replayed time stands, and (admin) pause, resume, jump and speed. Mounted only in replay."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from contextfeed.api.auth import require
from contextfeed.api.errors import ApiError, documented
from contextfeed.api.schemas import Instant, Strict
from contextfeed.training.replay import MAX_SPEED, Replay

router = APIRouter(tags=["replay"])
# The field each action needs; the others must be left out, so a mistyped action never half-applies.
NEEDS = {"jump": "at", "speed": "speed"}


class ReplayState(BaseModel):
    """Where a replay stands: the replayed instant (UTC), its speed, and the scenario's documents."""

    scenario: str
    instant: str
    speed: float
    paused: bool
    documents_replayed: int
    documents_pending: int
    next_document_at: str | None
    first_document_at: str
    last_document_at: str


class ReplayControl(Strict):
    """One change to the replay clock."""

    action: Literal["pause", "resume", "jump", "speed"]
    at: Instant | None = Field(None, description="jump: the instant to go to (ISO 8601)")
    speed: float | None = Field(None, gt=0, le=MAX_SPEED, description="speed: times faster than real time")


def replay_of(request: Request) -> Replay:
    """The replay the API serves."""
    return request.app.state.replay


ReplayDep = Annotated[Replay, Depends(replay_of)]


@router.get(
    "/v1/replay", response_model=ReplayState, responses=documented(), dependencies=[Depends(require("agent", "dialer"))]
)
def get_replay(replay: ReplayDep) -> dict:
    """The replayed instant, speed, whether paused, the scenario, and its documents replayed and pending."""
    return replay.state()


@router.post("/v1/replay", response_model=ReplayState, responses=documented(), dependencies=[Depends(require("admin"))])
def post_replay(body: ReplayControl, replay: ReplayDep) -> dict:
    """Pause, resume, jump to `at`, or run at `speed`; answers the new state."""
    for name in ("at", "speed"):
        given = getattr(body, name) is not None
        if NEEDS.get(body.action) == name and not given:
            raise ApiError(422, f"{name} is required for action {body.action}", field=name)
        if NEEDS.get(body.action) != name and given:
            raise ApiError(422, f"{name} is not used by action {body.action}", field=name)
    if body.action == "pause":
        replay.clock.pause()
    elif body.action == "resume":
        replay.clock.resume()
    elif body.action == "jump":
        replay.jump(body.at)
    else:
        replay.clock.set_speed(body.speed)
    return replay.state()
