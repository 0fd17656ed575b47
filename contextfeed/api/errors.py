"""What clients see when a request fails: one JSON shape that names the field, never a stack trace."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import orjson
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

# 100,000 account ids of up to 128 characters, with JSON quoting, fit with room to spare.
MAX_BODY_BYTES = 16 * 1024 * 1024
# A whole request body, from the end of its headers: a dialer's largest batch (16 MB) arrives in seconds.
BODY_TIMEOUT_S = 30.0
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    500: "internal_error",
}


class FieldProblem(BaseModel):
    """One invalid input: where it was, which field, and what is wrong."""

    field: str
    location: str
    message: str


class ErrorBody(BaseModel):
    """Every error answer: a stable code, a sentence for people, and the fields at fault."""

    error: str
    message: str
    fields: list[FieldProblem] = []


class OrjsonResponse(Response):
    """JSON rendered by orjson, for answers that carry thousands of rows."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The content as JSON bytes."""
        return orjson.dumps(content)


class ApiError(Exception):
    """A request the API refuses, with its HTTP status, a code and a message for the client."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        location: str = "body",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        self.message = message
        self.field = field
        self.location = location
        self.headers = headers


def error_response(
    status: int, code: str, message: str, *, fields: list[dict] | None = None, headers: dict[str, str] | None = None
) -> OrjsonResponse:
    """The JSON error answer."""
    return OrjsonResponse(
        {"error": code, "message": message, "fields": fields or []}, status_code=status, headers=headers
    )


def field_name(location: tuple[Any, ...]) -> tuple[str, str]:
    """("body", "account_ids", 3) -> ("account_ids[3]", "body"): the path a client wrote."""
    where, *path = location or ("body",)
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or str(where), str(where)


def describe_problems(error: RequestValidationError) -> list[dict]:
    """Pydantic's errors as field, location and message."""
    problems = []
    for problem in error.errors():
        name, where = field_name(tuple(problem.get("loc", ())))
        message = problem.get("msg", "invalid").removeprefix("Value error, ")
        if problem.get("type") == "missing":
            message = "is required"
        elif problem.get("type") == "extra_forbidden":
            message = "is not a known field"
        problems.append({"field": name, "location": where, "message": message})
    return problems


def install_error_handlers(api: FastAPI) -> None:
    """Answer every failure in the one JSON shape, and hide internals of the unexpected ones."""

    @api.exception_handler(ApiError)
    def api_error(_request: Request, error: ApiError) -> Response:
        fields = [{"field": error.field, "location": error.location, "message": error.message}] if error.field else []
        return error_response(error.status, error.code, error.message, fields=fields, headers=error.headers)

    @api.exception_handler(RequestValidationError)
    def invalid(_request: Request, error: RequestValidationError) -> Response:
        problems = describe_problems(error)
        message = "; ".join(f"{problem['field']}: {problem['message']}" for problem in problems[:5])
        return error_response(422, "invalid_request", message or "invalid request", fields=problems)

    @api.exception_handler(StarletteHTTPException)
    def http_error(_request: Request, error: StarletteHTTPException) -> Response:
        return http_error_response(error)

    @api.exception_handler(Exception)
    def unexpected(request: Request, error: Exception) -> Response:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
        return error_response(500, "internal_error", "internal error; the service log has the details")


def http_error_response(error: StarletteHTTPException) -> OrjsonResponse:
    """The JSON error answer of an HTTPException (Starlette's, FastAPI's, BodyLimit's)."""
    return error_response(
        error.status_code,
        STATUS_CODES.get(error.status_code, "error"),
        str(error.detail),
        headers=getattr(error, "headers", None),
    )


class BodyLimit:
    """ASGI middleware: refuse bodies over `limit` bytes (413) before they are parsed or stored."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES, body_timeout_s: float | None = None) -> None:
        self.app = app
        self.limit = limit
        self.body_timeout_s = body_timeout_s or BODY_TIMEOUT_S

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count what actually arrives (chunked bodies declare none)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"request body larger than {self.limit} bytes"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await error_response(413, "too_large", message)(scope, receive, send)
            return
        received = 0
        # A client that sends its body a byte at a time must not hold a request open for ever.
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s

        async def counting_receive() -> Message:
            nonlocal received
            try:
                # A deadline on this task, not a task per receive (wait_for's): a third of a ping's cost.
                async with asyncio.timeout_at(deadline):
                    arrived = await receive()
            except TimeoutError:
                raise HTTPException(408, f"request body not received within {self.body_timeout_s:g} s") from None
            received += len(arrived.get("body", b""))
            if received > self.limit:
                # FastAPI passes its own HTTPException through body parsing; the handlers answer it.
                # Only the sentence goes back, never what arrived (a 413 once echoed 256 KB of it).
                raise HTTPException(413, message)
            return arrived

        await self.app(scope, counting_receive, send)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers an endpoint can give (401, 403 and 422 always)."""
    descriptions = {
        401: "no key, or an unknown or revoked one",
        403: "the key's scope does not allow this",
        404: "no such object",
        409: "the object is not in a state that allows this",
        413: "request body too large",
        422: "invalid input; `fields` names each field at fault",
    }
    return {
        status: {"model": ErrorBody, "description": descriptions[status]}
        for status in sorted({401, 403, 422, *statuses})
    }
