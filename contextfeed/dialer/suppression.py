"""The dialer's answer: may this account be called now, and if not, why and until when.

`purpose` says who will be on our end of the line. DESIGN "Flags":
`do_not_chase` suppresses every call; `caution` lets a person call (after
reading the briefing) but suppresses automated, agentless calls.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from contextfeed.accounts.csvfile import spreadsheet_safe
from contextfeed.config import CallingSettings
from contextfeed.db.engine import one_of
from contextfeed.db.models import Account
from contextfeed.dialer.calling import inside_calling_hours
from contextfeed.domain.instants import iso, local_time
from contextfeed.flags.policy import rank
from contextfeed.flags.query import ActiveFlag, active_at

Purpose = Literal["agent", "automated"]
# The weakest level that stops a call, by who makes it.
THRESHOLDS: dict[str, str] = {"agent": "do_not_chase", "automated": "caution"}
MAX_LOOKUPS = 100_000
# Ids per query: one query per chunk keeps under SQLite's 32,766 bound parameters (PostgreSQL's 65,535).
CHUNK = 10_000
EXPORT_COLUMNS = ("phone", "account_id", "level", "expires", "reason_code")


@dataclass(frozen=True)
class Verdict:
    """The decision for one account: suppress or not, its strongest level, until when, and the flags behind it."""

    suppress: bool
    level: str | None
    until: datetime | None
    flags: tuple[ActiveFlag, ...]
    rule: str | None


class KnownAccount(NamedTuple):
    """The few columns of an account the check needs (a named tuple: a bulk check reads 100,000)."""

    account_id: str
    phone: str
    timezone: str | None
    located: bool


NO_FLAGS = Verdict(suppress=False, level=None, until=None, flags=(), rule=None)


def verdict(flags: Sequence[ActiveFlag], *, threshold: str) -> Verdict:
    """Suppress when any flag in force reaches `threshold`; until the last of those ends (None: no set end)."""
    if not flags:
        return NO_FLAGS
    ordered = tuple(sorted(flags, key=lambda flag: -rank(flag.level)))
    suppressing = [flag for flag in ordered if rank(flag.level) >= rank(threshold)]
    # All of them are in force now, so together they suppress without a gap until the last one ends.
    ends = [flag.expires_at for flag in suppressing]
    until = max(ends) if ends and None not in ends else None
    return Verdict(
        suppress=bool(suppressing),
        level=ordered[0].level if ordered else None,
        until=until,
        flags=ordered,
        rule=suppressing[0].rule if suppressing else None,
    )


def customer_clock(at: datetime, timezone: str | None, calling: CallingSettings) -> tuple[str | None, bool | None]:
    """The customer's local time (ISO 8601) at `at` and whether it is outside calling hours (None: unknown zone)."""
    local = local_time(at, timezone)
    inside = inside_calling_hours(local, calling)
    text = local.local.isoformat(timespec="seconds") if local.local else None
    return text, None if inside is None else not inside


def reason_json(flag: ActiveFlag) -> dict:
    """A flag as a short reason: rule, level, ids to look up, one line of text, end."""
    return {
        "rule": flag.rule,
        "level": flag.level,
        "flag_id": flag.flag_id,
        "event_ids": list(flag.event_ids),
        "text": flag.reason,
        "until": iso(flag.expires_at),
    }


def unknown_result(account_id: str | None, asked_phone: str | None, calling: CallingSettings) -> dict:
    """The result for an id or phone contextfeed does not know: the configured default, never a silent yes."""
    return {
        "account_id": account_id,
        "phone": asked_phone,
        "status": "unknown_account",
        "suppress": calling.unknown_account_suppress,
        "level": None,
        "reasons": [
            {
                "rule": "unknown_account",
                "level": None,
                "flag_id": None,
                "event_ids": [],
                "text": "not an account contextfeed knows; the configured default applies",
                "until": None,
            }
        ],
        "until": None,
        "outside_calling_hours": None,
        "local_time": None,
    }


def check_result(
    account: KnownAccount,
    flags: Sequence[ActiveFlag],
    threshold: str,
    clock: tuple[str | None, bool | None],
    calling: CallingSettings,
) -> dict:
    """One result of the bulk check for a known account, given its `customer_clock`."""
    decided = verdict(flags, threshold=threshold)
    reasons = [reason_json(flag) for flag in decided.flags]
    suppress = decided.suppress
    if not account.located:
        suppress = suppress or calling.unknown_location_suppress
        reasons.append(
            {
                "rule": "unknown_location",
                "level": None,
                "flag_id": None,
                "event_ids": [],
                "text": "the account could not be placed anywhere, so no event can reach it",
                "until": None,
            }
        )
    local, outside = clock
    return {
        "account_id": account.account_id,
        "phone": account.phone or None,
        "status": "ok",
        "suppress": suppress,
        "level": decided.level,
        "reasons": reasons,
        "until": iso(decided.until) if decided.suppress else None,
        "outside_calling_hours": outside,
        "local_time": local,
    }


def chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    """Successive slices of at most CHUNK items."""
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def known_account(account_id: str, phone: str, timezone: str | None, precision: str) -> KnownAccount:
    """An account row as the check reads it."""
    return KnownAccount(account_id, phone, timezone, precision != "unknown")


def known_accounts(session: Session, column: InstrumentedAttribute[str], values: Sequence[str]) -> list[KnownAccount]:
    """The accounts whose `column` (id or phone) is among `values`."""
    found = []
    for chunk in chunks(sorted(set(values))):
        rows = session.execute(
            select(Account.account_id, Account.phone, Account.timezone, Account.loc_precision).where(
                one_of(session, column, chunk)
            )
        )
        found += [known_account(*row) for row in rows]
    return found


class AccountView(Protocol):
    """Where a check reads accounts and flags: the database, or the suppression index in memory."""

    def accounts(self, account_ids: Sequence[str]) -> dict[str, KnownAccount]:
        """The known accounts among these ids."""

    def accounts_by_phone(self, phones: Sequence[str]) -> dict[str, list[KnownAccount]]:
        """The accounts behind each of these phones."""

    def flags(self, account_ids: Iterable[str], *, at: datetime) -> dict[str, list[ActiveFlag]]:
        """The flags in force at `at` of these accounts, by account."""


class DatabaseView:
    """The check's reads as queries, one per chunk of ids (never one per id)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def accounts(self, account_ids: Sequence[str]) -> dict[str, KnownAccount]:
        """The known accounts among these ids."""
        return {
            account.account_id: account for account in known_accounts(self.session, Account.account_id, account_ids)
        }

    def accounts_by_phone(self, phones: Sequence[str]) -> dict[str, list[KnownAccount]]:
        """The accounts behind each of these phones."""
        by_phone: dict[str, list[KnownAccount]] = {}
        for account in known_accounts(self.session, Account.phone, phones):
            by_phone.setdefault(account.phone, []).append(account)
        return by_phone

    def flags(self, account_ids: Iterable[str], *, at: datetime) -> dict[str, list[ActiveFlag]]:
        """The flags in force at `at` of these accounts, by account."""
        grouped: dict[str, list[ActiveFlag]] = {}
        for chunk in chunks(sorted(set(account_ids))):
            for flag in active_at(self.session, at, account_ids=chunk):
                grouped.setdefault(flag.account_id, []).append(flag)
        return grouped


def suppression_check(
    view: AccountView,
    *,
    account_ids: Sequence[str],
    phones: Sequence[str],
    at: datetime,
    purpose: Purpose,
    calling: CallingSettings,
) -> Iterator[dict]:
    """A result per asked id, in the order asked, then one per account behind each asked phone."""
    by_id = view.accounts(account_ids)
    by_phone = view.accounts_by_phone(phones) if phones else {}
    flags = view.flags([*by_id, *(a.account_id for found in by_phone.values() for a in found)], at=at)
    threshold = THRESHOLDS[purpose]
    # A bulk check asks about the same few zones over and over: each zone's clock is read once.
    clocks: dict[str | None, tuple[str | None, bool | None]] = {}

    def result(account: KnownAccount | None, account_id: str | None, asked_phone: str | None) -> dict:
        if account is None:
            return unknown_result(account_id, asked_phone, calling)
        zone = account.timezone
        clock = clocks.get(zone) or clocks.setdefault(zone, customer_clock(at, zone, calling))
        return check_result(account, flags.get(account.account_id, ()), threshold, clock, calling)

    for account_id in account_ids:
        yield result(by_id.get(account_id), account_id, None)
    for phone in phones:
        for account in by_phone.get(phone) or [None]:
            yield result(account, None, phone)


@dataclass(frozen=True)
class ExportEntry:
    """One line of the do-not-contact list."""

    phone: str
    account_id: str
    level: str
    expires: datetime | None
    reason_code: str

    def as_json(self) -> dict:
        """The entry with `expires` as the list writes it."""
        return {
            "phone": self.phone,
            "account_id": self.account_id,
            "level": self.level,
            "expires": list_time(self.expires),
            "reason_code": self.reason_code,
        }


def list_time(instant: datetime | None) -> str:
    """`yyyy-MM-ddTHH:mmZ`, rounded up to the minute so an imported list never lets a call through early."""
    if instant is None:
        return ""
    if instant.second or instant.microsecond:
        instant = instant.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return instant.strftime("%Y-%m-%dT%H:%MZ")


def export_entries(session: Session, *, at: datetime, level: str) -> list[ExportEntry]:
    """Every account with a phone that a flag at `level` or stronger suppresses at `at`, by account id.

    Accounts without a phone are left out: a number-keyed list cannot hold them.
    """
    flags: dict[str, list[ActiveFlag]] = {}
    for flag in active_at(session, at):
        if rank(flag.level) >= rank(level):
            flags.setdefault(flag.account_id, []).append(flag)
    phones = {account.account_id: account.phone for account in known_accounts(session, Account.account_id, list(flags))}
    entries = []
    for account_id in sorted(flags):
        if not phones.get(account_id):
            continue
        decided = verdict(flags[account_id], threshold=level)
        entries.append(
            ExportEntry(
                phone=phones[account_id],
                account_id=account_id,
                level=decided.level,
                expires=decided.until,
                reason_code=decided.rule,
            )
        )
    return entries


def export_csv(entries: Iterable[ExportEntry]) -> str:
    """The list as CSV with a header line, as dialers import "internal" do-not-contact lists."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for entry in entries:
        row = entry.as_json()
        writer.writerow([spreadsheet_safe(str(row[column] or "")) for column in EXPORT_COLUMNS])
    return buffer.getvalue()
