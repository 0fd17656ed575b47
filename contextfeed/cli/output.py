"""What every command shares: its errors for the user, argument types, JSON and progress output, the App."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from contextfeed.bootstrap import App, build_app
from contextfeed.domain.instants import iso, parse_instant


class CommandError(Exception):
    """A command cannot do what it was asked; the message is for the user."""


def instant(text: str) -> datetime:
    """argparse type for ISO 8601 instants."""
    try:
        return parse_instant(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r} (e.g. 2013-04-19T11:00:00Z)") from None


def app_from_environment() -> App:
    """The App for this process (settings from file and environment)."""
    return build_app()


def emit(payload: object) -> None:
    """Print JSON to stdout."""
    print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def when(instant: datetime | None, *, otherwise: str) -> str:
    """An instant as the JSON output writes it (ISO 8601 with Z), or `otherwise` when there is none."""
    return iso(instant) or otherwise


def redact(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def progress(total: int | None, label: str) -> tuple[Callable[[int], None], Callable[[], None]]:
    """A progress bar on a terminal, plain lines when piped; returns (advance, finish)."""
    if sys.stderr.isatty():
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task(label, total=total)
        return (lambda n: bar.advance(task, n)), bar.stop
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        print(f"{label}: {done}" + (f"/{total}" if total else ""), file=sys.stderr, flush=True)

    return advance, lambda: None


@contextmanager
def database_errors() -> Iterator[None]:
    """Turn a database that cannot be used (most often: not migrated yet) into advice instead of a traceback."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        yield
    except (OperationalError, ProgrammingError) as error:
        raise CommandError(
            f"cannot use the database ({str(error.orig).strip()}); if it is new, run `contextfeed db upgrade` first"
        ) from None


def import_with_progress(app: App, path: Path) -> dict:
    """Import an accounts CSV with a progress bar; returns the report."""
    from contextfeed.services.accounts import AccountImportError, import_accounts, read_accounts_file

    try:
        accounts = read_accounts_file(path)
    except AccountImportError as error:
        raise CommandError(str(error)) from None
    advance, finish = progress(len(accounts.records), "importing accounts")
    try:
        return import_accounts(app, accounts, on_batch=advance)
    finally:
        finish()
