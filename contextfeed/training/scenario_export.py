"""`scenario export`: the events a database holds between two instants, written back as a scenario folder.

The folder is what `contextfeed replay` and `run_scenario.py` read: `accounts.csv`, one document per event
under `feeds/`, and `expected.json` listing them with a snapshot of the flags as checks. Each event is
written in its own kind's format (scenario_documents.py), so it is judged by the same policy rules after
the round trip; `expected.json`'s checks say whether it was.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contextfeed.accounts.csvfile import (
    AccountFileError,
    AccountRecord,
    decode,
    read_accounts,
)
from contextfeed.bootstrap import App
from contextfeed.db.models import Event, Flag
from contextfeed.domain.instants import iso
from contextfeed.flags.policy import rank
from contextfeed.training.scenario_documents import StateFips, write_event

log = logging.getLogger(__name__)

# Enough instants to catch each incident of a week at its height; more would only slow the checks down.
MAX_INSTANTS = 12
EXPECT_VALUES = {
    "do_not_chase": "the account carries a do_not_chase flag at that instant",
    "at_least_caution": "do_not_chase or caution",
    "not_do_not_chase": "anything but do_not_chase (caution or info allowed)",
    "at_most_info": "info or no flag: nothing that changes a call",
    "none": "no flag of any level",
}
# The expect values that pin each level down; the vocabulary has no "exactly info" (info never changes a call).
EXPECTS = {
    "do_not_chase": ("do_not_chase",),
    "caution": ("at_least_caution", "not_do_not_chase"),
    "info": ("at_most_info",),
    None: ("none",),
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ExportError(Exception):
    """The scenario cannot be written; the message is for the user."""


@dataclass
class ExportReport:
    """What an export wrote: documents per kind, checks and the instants they are at."""

    kinds: dict[str, int]
    checks: int
    instants: int

    @property
    def documents(self) -> int:
        """How many documents."""
        return sum(self.kinds.values())


def export_scenario(app: App, *, start: datetime, end: datetime, accounts: Path, folder: Path) -> ExportReport:
    """Write the events sent between `start` and `end`, or in force then, with `accounts` as a scenario folder."""
    if folder.exists() and any(folder.iterdir()):
        raise ExportError(f"{folder} is not empty: give a new folder")
    account_ids = read_account_ids(accounts)
    with app.database.read() as session:
        events = session.scalars(
            select(Event)
            .where(
                Event.sent <= end,
                or_(Event.sent >= start, Event.valid_until.is_(None), Event.valid_until > start),
            )
            .order_by(Event.sent, Event.id)
        )
        try:
            documents = [
                document(number, event, state_fips=lambda code: state_fips(app, code))
                for number, event in enumerate(events, start=1)
            ]
        except ValueError as error:
            raise ExportError(str(error)) from None
        instants = snapshot_instants(session, start, end)
        checks = snapshot_checks(session, instants, account_ids)
    (folder / "feeds").mkdir(parents=True, exist_ok=True)
    for entry, body in documents:
        (folder / entry["file"]).write_bytes(body)
    shutil.copyfile(accounts, folder / "accounts.csv")
    spec = {"documents": [entry for entry, _ in documents], "expect_values": EXPECT_VALUES, "checks": checks}
    (folder / "expected.json").write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(readme(start, end, len(documents), len(instants)), encoding="utf-8")
    log.info("exported %d events and %d checks to %s", len(documents), len(checks), folder)
    return ExportReport(dict(Counter(entry["kind"] for entry, _ in documents)), len(checks), len(instants))


def document(number: int, event: Event, *, state_fips: StateFips) -> tuple[dict, bytes]:
    """The event's expected.json entry and its document's bytes."""
    extension, body = write_event(event, state_fips=state_fips)
    name = f"feeds/{number:04d}-{slug(event.source.name)}-{slug(event.external_id)}.{extension}"
    return {"file": name, "kind": event.kind, "source": event.source.name}, body


def read_account_ids(path: Path) -> list[str]:
    """The ids of the accounts CSV's good rows."""
    try:
        items = read_accounts(decode(path.read_bytes()))
        return [item.account_id for item in items if isinstance(item, AccountRecord)]
    except OSError as error:
        raise ExportError(f"cannot read {path}: {error.strerror}") from None
    except AccountFileError as error:
        raise ExportError(f"{path}: {error}") from None


def state_fips(app: App, admin1: str) -> str | None:
    """The FIPS code of a US state ("US-MA" -> "25"), which api.weather.gov's SAME codes are built on."""
    unit = app.gazetteer.admin1(admin1)
    return unit.fips if unit else None


def slug(text: str) -> str:
    """A file-name-safe form of an id."""
    return _UNSAFE.sub("-", text).strip("-")[:60] or "event"


def automatic_flags_at(session: Session, at: datetime) -> list[Flag]:
    """The automatic flags in force at `at`, releases left aside: what the events alone say, as a replay will."""
    return list(
        session.scalars(
            select(Flag).where(
                Flag.origin == "automatic",
                Flag.starts_at <= at,
                or_(Flag.expires_at.is_(None), Flag.expires_at > at),
            )
        )
    )


def snapshot_instants(session: Session, start: datetime, end: datetime) -> list[datetime]:
    """The window's ends and the middle of each automatic flag within it, thinned to MAX_INSTANTS."""
    flags = session.execute(
        select(Flag.starts_at, Flag.expires_at).where(
            Flag.origin == "automatic",
            Flag.starts_at <= end,
            or_(Flag.expires_at.is_(None), Flag.expires_at > start),
        )
    )
    middles = {max(first, start) + (min(last or end, end) - max(first, start)) / 2 for first, last in flags}
    candidates = sorted({start, end} | middles)
    if len(candidates) <= MAX_INSTANTS:
        return candidates
    step = (len(candidates) - 1) / (MAX_INSTANTS - 1)
    return [candidates[round(position * step)] for position in range(MAX_INSTANTS)]


def snapshot_checks(session: Session, instants: list[datetime], account_ids: list[str]) -> list[dict]:
    """For each account flagged at one of the instants, its strongest level at every instant, as checks."""
    wanted = set(account_ids)
    strongest: dict[datetime, dict[str, Flag]] = {}
    for at in instants:
        by_account: dict[str, Flag] = {}
        for flag in automatic_flags_at(session, at):
            kept = by_account.get(flag.account_id)
            if flag.account_id in wanted and (kept is None or rank(flag.level) > rank(kept.level)):
                by_account[flag.account_id] = flag
        strongest[at] = by_account
    flagged = sorted({account for by_account in strongest.values() for account in by_account})
    checks = []
    for at in instants:
        for account in flagged:
            flag = strongest[at].get(account)
            why = flag.reason if flag else "no flag at this instant in the database it was exported from"
            checks += [
                {"at": iso(at), "account": account, "expect": expect, "why": why}
                for expect in EXPECTS[flag.level if flag else None]
            ]
    return checks


def readme(start: datetime, end: datetime, documents: int, instants: int) -> str:
    """The scenario's README."""
    return (
        f"# Scenario exported from a contextfeed database\n\n"
        f"The {documents} events sent between {iso(start)} and {iso(end)}, or in force then, each written "
        "as a document in its source's own format under `feeds/`, with the accounts in `accounts.csv`.\n\n"
        f"`expected.json` lists the documents in the order they were sent, and checks: each flagged "
        f"account's strongest level at {instants} instants, as the database had it (manual flags and "
        "releases left out: they are not in the documents). Replay it with `contextfeed replay` or "
        "check it with `run_scenario.py`.\n"
    )
