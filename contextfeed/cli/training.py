"""Training commands: `replay` serves a recorded scenario under a replay clock; `scenario export` writes one."""

from __future__ import annotations

import argparse
from pathlib import Path

from contextfeed.cli.output import CommandError, app_from_environment, database_errors, instant
from contextfeed.training.replay import DEFAULT_SPEED, MAX_SPEED


def register(commands: argparse._SubParsersAction) -> None:
    """Add `replay` and `scenario export` to the CLI."""
    replay = commands.add_parser("replay", help="the service on a recorded scenario, under a replay clock (training)")
    replay.add_argument("scenario", type=Path, help="a scenario folder: accounts.csv, expected.json, its documents")
    replay.add_argument(
        "--start", type=instant, help="the replayed instant to start at (default: the first document's)"
    )
    replay.add_argument(
        "--speed",
        type=speed,
        default=DEFAULT_SPEED,
        help="times faster than real time (default 60: a replayed hour a minute)",
    )
    replay.add_argument(
        "--paused",
        action="store_true",
        help="start paused at --start (an admin key resumes it from the page or POST /v1/replay)",
    )
    replay.add_argument("--host", help="where to listen (default: the configured host)")
    replay.add_argument("--port", type=int, help="the port to listen on (default: the configured one; 0: any free one)")
    replay.set_defaults(run=cmd_replay)

    scenario = commands.add_parser("scenario", help="training scenarios made from this database")
    actions = scenario.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
    export = actions.add_parser("export", help="write the events between two instants as a scenario folder")
    export.add_argument(
        "--from", dest="start", type=instant, required=True, metavar="T", help="the first instant (ISO 8601)"
    )
    export.add_argument(
        "--to", dest="end", type=instant, required=True, metavar="T", help="the last instant (ISO 8601)"
    )
    export.add_argument(
        "--accounts", type=Path, required=True, metavar="FILE", help="the scenario's accounts CSV (copied)"
    )
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


def cmd_replay(args) -> int:
    """Serve the API and agent page on a scenario under a replay clock, until interrupted."""
    import socket

    import uvicorn

    from contextfeed.api.app import create_api
    from contextfeed.config import load_settings
    from contextfeed.training.replay import load_scenario
    from contextfeed.training.service import prepare_replay

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
        raise CommandError(
            f"cannot listen on {host}:{port} ({error.strerror}); give --port (0: any free port)"
        ) from None
    service = prepare_replay(settings, scenario, start=args.start, speed=args.speed)
    state = service.replay.state()
    url = f"http://{host}:{listener.getsockname()[1]}/"
    print(
        f"Replaying {scenario.name} ({len(scenario.documents)} documents) from {state['instant']} "
        f"at {state['speed']:g}x real time{', paused' if args.paused else ''}.\n\n"
        f"Agent page: {url}\n"
        f"agent key:  {service.keys['agent']}\n"
        f"dialer key: {service.keys['dialer']}\n"
        f"admin key:  {service.keys['admin']}  (pause, jump and speed on the page)\n\n"
        f"Paste a key at the top right of the page, then look up an account of {scenario.accounts}.\n"
        "Ctrl-C stops the replay.",
        flush=True,
    )
    with service.running(paused=args.paused):
        api = create_api(service.app, replay=service.replay)
        uvicorn.Server(uvicorn.Config(api, log_level="warning")).run(sockets=[listener])
    return 0


def cmd_scenario_export(args) -> int:
    """Write a scenario folder from this database's events between two instants."""
    from contextfeed.training.scenario_export import ExportError, export_scenario

    if args.end <= args.start:
        raise CommandError("--to must be after --from")
    app = app_from_environment()
    with database_errors():
        try:
            report = export_scenario(app, start=args.start, end=args.end, accounts=args.accounts, folder=args.folder)
        except ExportError as error:
            raise CommandError(str(error)) from None
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(report.kinds.items())) or "none"
    print(
        f"{args.folder}: {report.documents} documents ({kinds}), {report.checks} checks at {report.instants} "
        f"instants\nreplay it with: contextfeed replay {args.folder}"
    )
    return 0
