"""CLI commands of the service side: `serve` (and API keys). Imports stay lazy so the CLI starts fast."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    """Add the service commands to the CLI."""
    serve = commands.add_parser("serve", help="the API, agent page and scheduler")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=cmd_serve)


def cmd_serve(args) -> int:
    """Serve the API."""
    import uvicorn

    from contextfeed.api.app import create_api
    from contextfeed.cli import app_from_environment

    app = app_from_environment()
    settings = app.settings
    uvicorn.run(create_api(app), host=args.host or settings.service.host, port=args.port or settings.service.port,
                log_level="info")
    return 0
