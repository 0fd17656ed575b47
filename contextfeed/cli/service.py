"""Commands of the service side: `serve`, `worker` and `apikey`. Imports stay lazy so the CLI starts fast."""

from __future__ import annotations

import argparse
import sys

from contextfeed.cli.output import (
    CommandError,
    app_from_environment,
    database_errors,
    emit,
    import_with_progress,
    words,
)
from contextfeed.domain.terms import SCOPES


def register(commands: argparse._SubParsersAction) -> None:
    """Add the service commands to the CLI."""
    serve = commands.add_parser("serve", help="the API, agent page and scheduler")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="API processes (they share the database)")
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="serve the API only; run `contextfeed worker` elsewhere for crawling",
    )
    serve.set_defaults(run=cmd_serve)

    worker = commands.add_parser("worker", help="the scheduler only (crawls, expiry sweep, webhooks), no API")
    worker.set_defaults(run=cmd_worker)

    apikey = commands.add_parser("apikey", help="API keys for agents, dialers and admins (stored hashed)")
    actions = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="make a key and print it (the only time it is shown)")
    create.add_argument("--name", required=True, help="who or what uses it (e.g. dialer-eu, agents-manila)")
    create.add_argument("--scope", required=True, choices=words(SCOPES))
    create.set_defaults(run=cmd_apikey_create)
    listing = actions.add_parser("list", help="every key, without secrets")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(run=cmd_apikey_list)
    revoke = actions.add_parser("revoke", help="stop a key from working, at once")
    revoke.add_argument("key_id", type=int, help="the id shown by `apikey list`")
    revoke.set_defaults(run=cmd_apikey_revoke)


def announce_first_key(app) -> None:
    """On the very first start, make an admin key and print it once, with how to make more."""
    from contextfeed.db.api_keys import first_admin_key

    with database_errors(), app.database.write() as session:
        new = first_admin_key(session, now=app.clock.now())
    if new is not None:
        print(
            "First start: an admin API key was made. It is shown this once, store it now:\n\n"
            f"    {new.key}\n\n"
            "Make keys for agents and dialers with:\n"
            "    contextfeed apikey create --name NAME --scope agent|dialer|admin\n",
            flush=True,
        )


def cmd_serve(args) -> int:
    """Serve the API and agent page; each process also tries to become the one scheduler unless told not to."""
    import os

    import uvicorn

    from contextfeed.api.asgi import NO_SCHEDULER

    app = app_from_environment()
    announce_first_key(app)
    import_configured_accounts(app)
    settings = app.settings
    if args.no_scheduler:
        os.environ[NO_SCHEDULER] = "1"
    from contextfeed.api.protocol import HeadDeadlineProtocol

    uvicorn.run(
        "contextfeed.api.asgi:build",
        factory=True,
        host=args.host or settings.service.host,
        port=args.port or settings.service.port,
        workers=max(1, args.workers),
        log_level="info",
        http=HeadDeadlineProtocol,
    )
    return 0


def import_configured_accounts(app) -> None:
    """Load `accounts.csv` from the config at start, when one is named."""
    if not app.settings.accounts.csv:
        return
    from pathlib import Path

    path = Path(app.settings.accounts.csv)
    if not path.is_absolute() and app.settings.config_path is not None:
        path = app.settings.config_path.parent / path
    summary = import_with_progress(app, path)
    print(
        f"accounts from {path}: {summary['created']} created, {summary['updated']} updated, "
        f"{summary['rejected']} rejected",
        flush=True,
    )


def cmd_worker(args) -> int:
    """Run the scheduler (under leadership) until interrupted."""
    import signal
    import threading

    from contextfeed.jobs.leadership import SchedulerSupervisor

    app = app_from_environment()
    supervisor = SchedulerSupervisor(app, poll_seconds=app.settings.schedule.leader_poll_seconds)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    supervisor.start()
    print(
        "worker started: crawling when this process holds the scheduler lock; Ctrl-C to stop",
        file=sys.stderr,
        flush=True,
    )
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    supervisor.stop()
    return 0


def cmd_apikey_create(args) -> int:
    """Make a key and print it once."""
    from contextfeed.db.api_keys import create_key

    app = app_from_environment()
    with database_errors(), app.database.write() as session:
        new = create_key(session, name=args.name, scope=args.scope, now=app.clock.now())
    print(new.key)
    print(
        f"key {new.id} ({new.name}, scope {new.scope}); shown only now, only its hash is stored. "
        f"Use it as: Authorization: Bearer <key>",
        file=sys.stderr,
    )
    return 0


def cmd_apikey_list(args) -> int:
    """List keys without their secrets."""
    from contextfeed.db.api_keys import key_json, list_keys

    app = app_from_environment()
    with database_errors(), app.database.read() as session:
        rows = [key_json(key) for key in list_keys(session)]
    if args.json:
        emit(rows)
        return 0
    if not rows:
        print("no API keys; make one with `contextfeed apikey create --name NAME --scope SCOPE`")
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else f"last used {row['last_used_at'] or 'never'}"
        print(
            f"{row['id']:>4}  {row['name']:<24} {row['scope']:<7} {row['prefix']}…  "
            f"created {row['created_at']}  {state}"
        )
    return 0


def cmd_apikey_revoke(args) -> int:
    """Revoke a key by id."""
    from contextfeed.db.api_keys import revoke_key

    app = app_from_environment()
    with database_errors(), app.database.write() as session:
        try:
            key = revoke_key(session, args.key_id, now=app.clock.now())
        except LookupError as error:
            raise CommandError(str(error)) from None
        print(f"key {key.id} ({key.name}) revoked")
    return 0
