"""What every command shares: its errors for the user, argument types, JSON and progress output, the App."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from contextfeed.bootstrap import App, build_app
from contextfeed.domain.instants import iso, parse_instant

if TYPE_CHECKING:
    from contextfeed.services.accounts import ImportProgress


class CommandError(Exception):
    """A command cannot do what it was asked; the message is for the user."""


def words(values: Iterable[StrEnum]) -> list[str]:
    """Closed-set values as plain words: argparse lists choices by repr, which for an enum reads `<Kind.CAP: 'cap'>`."""
    return [str(value) for value in values]


def instant(text: str) -> datetime:
    """argparse type for ISO 8601 instants."""
    try:
        return parse_instant(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r} (e.g. 2013-04-19T11:00:00Z)") from None


def app_from_environment() -> App:
    """The App for this process (settings from file and environment)."""
    return build_app()


def yield_cpu(app: App) -> App:
    """Lower this process (and the processes it starts) to the configured batch priority; the App, for chaining."""
    wanted = app.settings.service.batch_niceness
    # Never raised back: a job an operator started under `nice -n 19` stays there.
    os.setpriority(os.PRIO_PROCESS, 0, max(wanted, os.getpriority(os.PRIO_PROCESS, 0)))
    return app


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
    """Import an accounts CSV showing its progress on stderr; returns the report."""
    from contextfeed.services.accounts import AccountImportError, import_accounts_file

    show, finish = import_progress()
    try:
        return import_accounts_file(app, path, on_progress=show)
    except AccountImportError as error:
        raise CommandError(str(error)) from None
    finally:
        finish()


#: Piped, a progress line at most this often: a ten-million-row import writes some 200 lines, not 1,000.
PLAIN_PROGRESS_EVERY_S = 5.0


def import_progress() -> tuple[Callable[[ImportProgress], None], Callable[[], None]]:
    """Show an import's progress (read / placed / written, rate, ETA): a bar on a terminal, plain lines when piped."""
    if sys.stderr.isatty():
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        bar = Progress(
            TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), transient=True
        )
        task = bar.add_task("importing accounts", total=None)
        bar.start()

        def advance(state: ImportProgress) -> None:
            bar.update(
                task,
                description=progress_line(state, eta=False),
                completed=state.bytes_written,
                total=state.total_bytes,
            )

        return advance, bar.stop
    last = 0.0

    def line(state: ImportProgress) -> None:
        nonlocal last
        if state.elapsed - last >= PLAIN_PROGRESS_EVERY_S or state.bytes_written >= state.total_bytes:
            last = state.elapsed
            print(progress_line(state, eta=True), file=sys.stderr, flush=True)

    return line, lambda: None


def progress_line(state: ImportProgress, *, eta: bool) -> str:
    """What an import has done: rows read, placed and written, the rate, and (eta) the share done and the time left."""
    text = (
        f"importing accounts: {state.read:,} read, {state.placed:,} placed, {state.written:,} written, "
        f"{state.rate:,.0f} rows/s"
    )
    if state.indexing:
        return text + ", building the phone, point and postal code indexes"
    remaining = state.remaining
    if eta and remaining is not None and state.total_bytes:
        minutes, seconds = divmod(round(remaining), 60)
        text += f", {state.bytes_written / state.total_bytes:.0%} done, ETA {minutes}m{seconds:02d}s"
    return text
