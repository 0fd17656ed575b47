"""The HTTP API: FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from contextfeed.bootstrap import App


def create_api(app: App) -> FastAPI:
    """The FastAPI application over `app`'s dependencies."""
    api = FastAPI(title="contextfeed", version="0.1.0",
                  description="Emergency context for call centres: agent briefings and dialer suppression.")

    @api.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: answers without a key."""
        return {"status": "ok"}

    return api
