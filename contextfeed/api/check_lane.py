"""Dialers' checks (and the ping that measures the stack under them) answered past FastAPI's routing.

A dialer sends thousands of single checks a second. Through FastAPI each one paid for the
router's walk over every route, the dependency solver, stdlib JSON and the exception
middlewares: about five times the check itself. The lane sits inside the key and body-size
middlewares (so a request reaching it has a valid key and a body within bounds) and answers a
check whose key has the dialer scope and whose body the request model accepts, with the same
code the route runs. Everything else goes on to FastAPI with the body it read, so an invalid
body or a wrong scope is refused there, in the same words as before.
"""

from __future__ import annotations

import logging

import orjson
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contextfeed.api.auth import admitted, bearer_key
from contextfeed.api.errors import http_error_response
from contextfeed.api.routes.dialer import answered
from contextfeed.api.schemas import SuppressionCheck

CHECK_PATH = "/v1/suppression/check"
PING_PATH = "/v1/ping"
LANE = (CHECK_PATH, PING_PATH)
# The answer of POST /v1/ping.
PONG = b'{"ok":true}'
DIALER = admitted("dialer")
JSON_HEADERS = [(b"content-type", b"application/json")]


class CheckLane:
    """ASGI middleware: POST /v1/suppression/check and /v1/ping by a dialer's key, answered without the router."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a dialer's valid check or ping; hand anything else on."""
        path = scope.get("path")
        if scope["type"] != "http" or scope["method"] != "POST" or path not in LANE:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        principal = state.verified_keys.get(bearer_key(scope))
        if principal is None or principal.scope not in DIALER:
            await self.app(scope, receive, send)  # FastAPI verifies the key again and answers 401 or 403
            return
        try:
            body = await read_body(receive)
        except HTTPException as error:  # BodyLimit's 408 or 413
            await http_error_response(error)(scope, receive, send)
            return
        if body is None:
            return  # the client went away
        if path == PING_PATH:
            await respond(send, PONG)
            return
        asked = parsed_check(body)
        if asked is None:
            await self.app(scope, replay(body, receive), send)
            return
        await respond(send, await answered(state.contextfeed, state.suppression_index, asked))


def parsed_check(body: bytes) -> SuppressionCheck | None:
    """The check this body asks for, or None when it is not one (FastAPI then says why)."""
    try:
        return SuppressionCheck.model_validate(orjson.loads(body))
    except (orjson.JSONDecodeError, ValidationError):
        return None


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body (None if the client disconnected first)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands `body` over again, then whatever `receive` says next (the disconnect)."""
    sent = False

    async def replaying() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replaying


async def respond(send: Send, answer: bytes) -> None:
    """Send a 200 JSON answer."""
    headers = [*JSON_HEADERS, (b"content-length", b"%d" % len(answer))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


class QuietChecks(logging.Filter):
    """Keeps answered checks and pings out of uvicorn's access log (`service.log_checks = false`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a 200 answer to POST /v1/suppression/check or /v1/ping."""
        args = record.args
        return not (
            isinstance(args, tuple) and len(args) >= 5 and args[1] == "POST" and args[2] in LANE and args[4] == 200
        )


def log_checks(logged: bool) -> None:
    """Write answered checks and pings to the access log or not; the last call wins."""
    access = logging.getLogger("uvicorn.access")
    for existing in [found for found in access.filters if isinstance(found, QuietChecks)]:
        access.removeFilter(existing)
    if not logged:
        access.addFilter(QuietChecks())
