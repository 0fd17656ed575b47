"""Training mode commands: `replay` serves a recorded scenario under a replay clock; `scenario export` writes one.

Registered on every CLI start, so imports stay inside the functions.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from contextfeed.bootstrap import App
    from contextfeed.config import Settings
    from contextfeed.replay import Replay, Scenario

DEFAULT_SPEED = 60.0
# 100,000x replays a week in six seconds: faster cannot be watched, and the feeder ticks five times a second.
MAX_SPEED = 100_000.0
KEY_SCOPES = ("agent", "dialer", "admin")


def register(commands: argparse._SubParsersAction) -> None:
    """Add `replay` and `scenario export` to the CLI."""
    from contextfeed.cli import instant

    replay = commands.add_parser("replay", help="the service on a recorded scenario, under a replay clock (training)")
    replay.add_argument("scenario", type=Path, help="a scenario folder: accounts.csv, expected.json, its documents")
    replay.add_argument("--start", type=instant, help="the replayed instant to start at (default: the first document's)")
    replay.add_argument("--speed", type=speed, default=DEFAULT_SPEED,
                        help="times faster than real time (default 60: a replayed hour a minute)")
    replay.add_argument("--paused", action="store_true",
                        help="start paused at --start (an admin key resumes it from the page or POST /v1/replay)")
    replay.add_argument("--host", help="where to listen (default: the configured host)")
    replay.add_argument("--port", type=int, help="the port to listen on (default: the configured one; 0: any free one)")
    replay.set_defaults(run=cmd_replay)

    scenario = commands.add_parser("scenario", help="training scenarios made from this database")
    actions = scenario.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the events between two instants as a scenario folder")
    export.add_argument("--from", dest="start", type=instant, required=True, metavar="T", help="the first instant (ISO 8601)")
    export.add_argument("--to", dest="end", type=instant, required=True, metavar="T", help="the last instant (ISO 8601)")
    export.add_argument("--accounts", type=Path, required=True, metavar="FILE", help="the scenario's accounts CSV (copied)")
    export.add_argument("folder", type=Path, metavar="DIR", help="the scenario folder to write (new or empty)")
    export.set_defaults(run=cmd_scenario_export)


def speed(text: str) -> float:
    """argparse type for --speed."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most {MAX_SPEED:g}")
    return value


@dataclass
class ReplayService:
    """A replay ready to serve: its App (on the replay's own database), the Replay, a key per scope, the API."""

    app: App
    replay: Replay
    keys: dict[str, str]
    api: FastAPI
    close: Callable[[], None]

    @contextmanager
    def running(self, *, paused: bool = False) -> Iterator[None]:
        """The replay clock (unless `paused`) and feeder running for the block, stopped and closed whatever happens."""
        self.replay.start(paused=paused)
        try:
            yield
        finally:
            self.replay.stop()
            self.close()


def replay_settings(settings: Settings, scenario: str) -> tuple[Settings, Path]:
    """A replay's settings and folder: its own SQLite file in <data_dir>/replay/<scenario>/, offline geocoding."""
    # data_dir itself is kept: the gazetteer index built there is reused, not built again.
    folder = settings.data_dir / "replay" / scenario
    service = settings.service.model_copy(update={"database_url": f"sqlite:///{folder / 'contextfeed.db'}"})
    # A demo or a drill must work without a network, and must not send addresses to an online geocoder.
    geocoder = settings.geocoder.model_copy(update={"tier": "offline"})
    return settings.model_copy(update={"service": service, "geocoder": geocoder}), folder


def prepare_replay(settings: Settings, scenario: Scenario, *, start: datetime | None, speed: float) -> ReplayService:
    """Wipe and migrate the replay's database, import the scenario's accounts, make keys, build the API."""
    from contextfeed.api.app import create_api
    from contextfeed.api.keys import create_key
    from contextfeed.bootstrap import build_app
    from contextfeed.cli import import_accounts_file
    from contextfeed.db.migrate import upgrade
    from contextfeed.replay import Replay, ReplayClock, ingest_recorded

    replay_config, folder = replay_settings(settings, scenario.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    upgrade(replay_config.database_url)
    # Paused until running(): at 3600x, the seconds spent importing would skip hours of the scenario.
    clock = ReplayClock(start or scenario.first_instant, speed=speed, paused=True)
    app = build_app(replay_config, clock=clock)
    import_accounts_file(app, scenario.accounts)
    with app.database.write() as session:
        keys = {scope: create_key(session, name=f"replay-{scope}", scope=scope, now=clock.now()).key
                for scope in KEY_SCOPES}
    housekeeping, close = housekeeper(app)
    replay = Replay(scenario, clock, ingest=lambda document: ingest_recorded(app, document), housekeeping=housekeeping)
    return ReplayService(app, replay, keys, create_api(app, replay=replay), close)


def housekeeper(app: App) -> tuple[Callable[[], None], Callable[[], None]]:
    """The scheduler's jobs but crawling, on the replay clock (expiry sweep, webhooks), and what closes its client."""
    import httpx

    from contextfeed.api.webhooks import deliver_webhooks
    from contextfeed.scheduler import sweep

    client = httpx.Client(timeout=10.0, headers={"User-Agent": app.settings.service.user_agent})

    def run() -> None:
        sweep(app)
        deliver_webhooks(app, client)

    return run, client.close


def cmd_replay(args) -> int:
    """Serve the API and agent page on a scenario under a replay clock, until interrupted."""
    import socket

    import uvicorn

    from contextfeed.cli import CommandError
    from contextfeed.config import load_settings
    from contextfeed.replay import load_scenario

    settings = load_settings()
    try:
        scenario = load_scenario(args.scenario)
    except ValueError as error:
        raise CommandError(str(error)) from None
    host = args.host or settings.service.host
    port = settings.service.port if args.port is None else args.port
    try:
        listener = socket.create_server((host, port))
    except OSError as error:
        raise CommandError(f"cannot listen on {host}:{port} ({error.strerror}); give --port (0: any free port)") from None
    service = prepare_replay(settings, scenario, start=args.start, speed=args.speed)
    state = service.replay.state()
    url = f"http://{host}:{listener.getsockname()[1]}/"
    print(f"Replaying {scenario.name} ({len(scenario.documents)} documents) from {state['instant']} "
          f"at {state['speed']:g}x real time{', paused' if args.paused else ''}.\n\n"
          f"Agent page: {url}\n"
          f"agent key:  {service.keys['agent']}\n"
          f"dialer key: {service.keys['dialer']}\n"
          f"admin key:  {service.keys['admin']}  (pause, jump and speed on the page)\n\n"
          f"Paste a key at the top right of the page, then look up an account of {scenario.accounts}.\n"
          "Ctrl-C stops the replay.", flush=True)
    with service.running(paused=args.paused):
        uvicorn.Server(uvicorn.Config(service.api, log_level="warning")).run(sockets=[listener])
    return 0


def cmd_scenario_export(args) -> int:
    """Write a scenario folder from this database's events between two instants."""
    from contextfeed.api.cli import database_errors
    from contextfeed.cli import CommandError, app_from_environment
    from contextfeed.scenario_export import ExportError, export_scenario

    if args.end <= args.start:
        raise CommandError("--to must be after --from")
    app = app_from_environment()
    with database_errors():
        try:
            report = export_scenario(app, start=args.start, end=args.end, accounts=args.accounts, folder=args.folder)
        except ExportError as error:
            raise CommandError(str(error)) from None
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(report.kinds.items())) or "none"
    print(f"{args.folder}: {report.documents} documents ({kinds}), {report.checks} checks at {report.instants} "
          f"instants\nreplay it with: contextfeed replay {args.folder}")
    return 0
