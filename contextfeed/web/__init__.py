"""The agent page: plain HTML, CSS and JavaScript served at `/` (no build step); its data comes from the keyed API.

The base map (outlines and place names, see build_basemap.py) is served from `/basemap/` without a key:
it is public open data and holds nothing about customers.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response

from contextfeed.config import MapSettings

WEB = Path(__file__).resolve().parent
STATIC = WEB / "static"
BASEMAP = WEB / "basemap"
# The files map.js asks for: the two outline sets and the 10-degree place-name cells.
BASEMAP_NAME = re.compile(r"^(countries|us|places/-?\d{1,3}_-?\d{1,3})\.json$")
BASEMAP_HEADERS = {
    "Content-Encoding": "gzip",
    "Cache-Control": "public, max-age=86400",
    "X-Content-Type-Options": "nosniff",
}


def page_headers(tile_url: str) -> dict[str, str]:
    """The page's headers: only our own scripts, styles and data, and the tile host's images when one is set."""
    tiles = f" {urlsplit(tile_url).scheme}://{urlsplit(tile_url).netloc}" if tile_url else ""
    return {
        # The page shows text from outside feeds: allow only our own scripts and styles, and no framing.
        "Content-Security-Policy": f"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }


def add_agent_page(api: FastAPI, settings: MapSettings) -> None:
    """Serve the page at `/`, its assets under `/static/` and the base map under `/basemap/`, without a key."""
    from fastapi.staticfiles import StaticFiles

    api.mount("/static", StaticFiles(directory=STATIC), name="static")
    headers = page_headers(settings.tile_url)

    @api.get("/", include_in_schema=False)
    def agent_page() -> FileResponse:
        """The agent page."""
        return FileResponse(STATIC / "index.html", headers=headers)

    @api.get("/basemap/config", include_in_schema=False)
    def basemap_config() -> dict:
        """The optional online tile layer (empty: none)."""
        return {"tile_url": settings.tile_url or None, "tile_attribution": settings.tile_attribution}

    @api.get("/basemap/{name:path}", include_in_schema=False)
    def basemap(name: str) -> Response:
        """A gzipped TopoJSON or place cell as stored; an empty cell (open sea) is an empty list."""
        if not BASEMAP_NAME.match(name):
            return JSONResponse({"error": "not_found", "message": f"no base map file {name!r}"}, status_code=404)
        path = BASEMAP / f"{name}.gz"
        if not path.is_file():
            return JSONResponse([], headers={"Cache-Control": BASEMAP_HEADERS["Cache-Control"]})
        return FileResponse(path, media_type="application/json", headers=BASEMAP_HEADERS)
