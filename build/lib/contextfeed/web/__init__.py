"""The agent page: plain HTML, CSS and JavaScript served at `/` (no build step); its data comes from the keyed API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"
# The page shows text from outside feeds: allow only our own scripts and styles, and no framing.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def add_agent_page(api: FastAPI) -> None:
    """Serve the page at `/` and its assets under `/static/`, without a key (they hold no data)."""
    api.mount("/static", StaticFiles(directory=STATIC), name="static")

    @api.get("/", include_in_schema=False)
    def agent_page() -> FileResponse:
        """The agent page."""
        return FileResponse(STATIC / "index.html", headers=PAGE_HEADERS)
