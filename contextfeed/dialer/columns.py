"""The suppression index's accounts and flags in a few bytes each, so ten million fit beside the gazetteer.

Accounts are numpy columns sorted by id: the id's bytes, the phone's digits
as an int64, the zone as a code into a table of zone names, and whether it
was placed. Nineteen bytes an account where a Python object per account took
three hundred. A bulk check finds 100,000 ids with one `searchsorted`.

Accounts read after the columns were built (new, edited) go to `extra`, a
dict that wins over the columns and is folded into new columns once it grows
past FOLD_AT; so do the few the columns cannot hold (a phone that is not
E.164, an id with a NUL). Readers never see a half-made table: a fold builds
the new one aside and the index swaps it in whole.

Flags keep one Python tuple per flagged account: (flag id, shared part) pairs,
where the shared part is one tuple for every flag an event raised with the
same wording, so a polygon over 500,000 accounts costs a few shared parts and
an int per flag. A shared part is (what the check reads: level, reason, rule,
events, times, source; then match and actor), the first also shared by flags
that differ only in how they matched (by which postal code's centre).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from typing import Any

import numpy as np
import orjson

from contextfeed.dialer.suppression import KnownAccount, known_account
from contextfeed.flags.query import ActiveFlag, FlagRows, Release, StoredFlags

# Accounts read since the columns were built, kept as objects until folded into new columns.
FOLD_AT = 100_000
# E.164 is at most 15 digits after "+", and never starts with 0: an int64 holds it exactly.
E164_DIGITS = 15
NUL = b"\0"
# Up to this many ids are looked up one by one: arrays cost more to set up than a few scalar searches.
FEW = 4
# Zone codes are uint16: a database with more distinct zone names than that keeps the rest as objects.
ZONE_CODES = 2**16


def phone_number(phone: str) -> int | None:
    """The phone's digits as an int (0: no phone), None when it is not E.164 and must be kept as text."""
    if not phone:
        return 0
    digits = phone[1:]
    if phone[0] == "+" and digits.isascii() and digits.isdigit() and len(digits) <= E164_DIGITS and digits[0] != "0":
        return int(digits)
    return None


@dataclass
class Zones:
    """Zone names by code; code 0 is "no zone"."""

    names: list[str | None] = field(default_factory=lambda: [None])
    codes: dict[str | None, int] = field(default_factory=lambda: {None: 0})

    def code(self, zone: str | None) -> int:
        """The code of `zone`, given one when new."""
        code = self.codes.get(zone)
        if code is None:
            code = self.codes[zone] = len(self.names)
            self.names.append(zone)
        return code


@dataclass(frozen=True)
class AskedIds:
    """Ids a check asks: as JSON string contents, as UTF-8 and hashed, each made once for every use of them."""

    ids: Sequence[str]
    json: list[bytes]
    encoded: list[bytes]
    hashes: np.ndarray
    # Some id needed escaping in JSON (a quote, backslash or control character): its JSON is not its UTF-8.
    escaped: bool

    @classmethod
    def of(cls, ids: Sequence[str]) -> AskedIds:
        """The ids, encoded: all at once by one JSON encoding cut apart, unless one of them needs escaping."""
        # The text's hash equals its bytes' for ASCII (CPython hashes both from the same bytes), and each str
        # keeps it: the check's later lookups of these ids in dicts cost no hashing again.
        hashes = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids))
        whole = orjson.dumps(ids)
        if b"\\" not in whole and whole.count(b'"') == 2 * len(ids):
            cut = whole[2:-2].split(b'","') if ids else []
            return cls(ids, cut, cut, hashes, escaped=False)
        json = [orjson.dumps(account_id)[1:-1] for account_id in ids]
        return cls(ids, json, [account_id.encode() for account_id in ids], hashes, escaped=True)


@dataclass(frozen=True)
class AccountTable:
    """Accounts sorted by id in numpy columns, and `extra` accounts that win over them."""

    ids: np.ndarray
    phones: np.ndarray
    zones: np.ndarray
    located: np.ndarray
    zone_names: Zones
    extra: dict[str, KnownAccount]

    def __len__(self) -> int:
        """How many rows the columns hold (accounts in `extra` only are not counted)."""
        return len(self.ids)

    def nbytes(self) -> int:
        """Bytes the columns take."""
        return self.ids.nbytes + self.phones.nbytes + self.zones.nbytes + self.located.nbytes

    @cached_property
    def by_hash(self) -> tuple[np.ndarray, np.ndarray]:
        """The ids' hashes in order, and the row of each: ids are found by an integer's search, not a bytes one.

        Computed when the table is made (`sorted_table`, `folded`), in the thread that builds it.
        """
        hashes = np.fromiter(map(hash, self.ids.tolist()), dtype=np.int64, count=len(self.ids))
        order = np.argsort(hashes)
        return hashes[order], order.astype(np.int32 if len(order) < 2**31 else np.intp)

    def rows(self, asked: AskedIds) -> tuple[np.ndarray, np.ndarray]:
        """Where each of these ids is in the columns, and whether it is there at all (`extra` not looked at)."""
        if not len(self.ids) or not asked.ids:
            return np.zeros(len(asked.ids), dtype=np.intp), np.zeros(len(asked.ids), dtype=bool)
        keys = np.array(asked.encoded, dtype=bytes)
        hashes, hash_rows = self.by_hash
        # Searched in sorted order, each search starts near the last: at ten million rows, three times faster.
        order = np.argsort(asked.hashes)
        rows = np.empty(len(keys), dtype=np.intp)
        rows[order] = hash_rows[np.minimum(np.searchsorted(hashes, asked.hashes[order]), len(hashes) - 1)]
        hit = self.ids[rows] == keys
        if not hit.all():
            # Not found by its hash: unknown, not ASCII, or sharing its hash with another id. The bytes' search is exact.
            missed = np.flatnonzero(~hit)
            rows[missed] = np.minimum(np.searchsorted(self.ids, keys[missed]), len(self.ids) - 1)
            hit[missed] = self.ids[rows[missed]] == keys[missed]
        # numpy drops trailing NULs, so "A1\0" would pass for "A1": such ids are never found in the columns.
        if asked.escaped and NUL in b"".join(asked.encoded):
            hit &= np.array([not key.endswith(NUL) for key in asked.encoded])
        return rows, hit

    def accounts(self, account_ids: Sequence[str]) -> dict[str, KnownAccount]:
        """The accounts among these ids that this table knows."""
        names = self.zone_names.names
        if len(account_ids) <= FEW:
            # A single check: numpy's scalar search and reads, without making arrays of the ids first.
            found = {}
            for account_id in account_ids:
                key = account_id.encode()
                row = min(int(self.ids.searchsorted(key)), len(self.ids) - 1)
                if len(self.ids) and self.ids[row] == key and not key.endswith(NUL):
                    phone = int(self.phones[row])
                    zone, located = names[int(self.zones[row])], bool(self.located[row])
                    found[account_id] = KnownAccount(account_id, f"+{phone}" if phone else "", zone, located)
        else:
            rows, hit = self.rows(AskedIds.of(account_ids))
            rows = rows[hit]
            found = {
                account_id: KnownAccount(account_id, f"+{phone}" if phone else "", names[zone], located)
                for account_id, phone, zone, located in zip(
                    compress(account_ids, hit.tolist()),
                    self.phones[rows].tolist(),
                    self.zones[rows].tolist(),
                    self.located[rows].tolist(),
                )
            }
        if self.extra:
            extra = self.extra
            found |= {account_id: account for account_id in account_ids if (account := extra.get(account_id))}
        return found

    def remember(self, rows: Iterable[Sequence[Any]]) -> AccountTable:
        """This table with these account rows (id, phone, zone, precision) kept: itself, or a fold into new columns."""
        table = self
        for account_id, phone, timezone, precision in rows:
            table.extra[account_id] = known_account(account_id, phone, timezone, precision)
            if len(table.extra) >= FOLD_AT:
                table = table.folded()
        return table

    def folded(self) -> AccountTable:
        """A new table with the `extra` accounts the columns can hold written into them."""
        update = columns(self.extra.values(), self.zone_names)
        rows = np.searchsorted(self.ids, update.ids)
        present = np.zeros(len(rows), dtype=bool)
        inside = rows < len(self.ids)
        present[inside] = self.ids[rows[inside]] == update.ids[inside]
        new = ~present
        parts = []
        for old, fresh in (
            (self.ids, update.ids),
            (self.phones, update.phones),
            (self.zones, update.zones),
            (self.located, update.located),
        ):
            merged = old.astype(np.result_type(old, fresh), copy=True)
            merged[rows[present]] = fresh[present]
            # `update` is sorted, so inserting each new row before its place keeps the columns sorted.
            parts.append(np.insert(merged, rows[new], fresh[new]))
        return indexed(AccountTable(*parts, zone_names=self.zone_names, extra=update.extra))


def columns(accounts: Iterable[KnownAccount], zones: Zones) -> AccountTable:
    """A table of these accounts, sorted by id; the ones columns cannot hold go to its `extra`."""
    ids: list[bytes] = []
    phones: list[int] = []
    codes: list[int] = []
    located: list[bool] = []
    extra: dict[str, KnownAccount] = {}
    for account in accounts:
        key = account.account_id.encode()
        number = phone_number(account.phone)
        code = zones.code(account.timezone)
        if number is None or key.endswith(NUL) or code >= ZONE_CODES:
            extra[account.account_id] = account
            continue
        ids.append(key)
        phones.append(number)
        codes.append(code)
        located.append(account.located)
    return sorted_table(
        np.array(ids, dtype=bytes),
        np.array(phones, dtype=np.int64),
        np.array(codes, dtype=np.uint16),
        np.array(located, dtype=bool),
        zones,
        extra,
    )


def table_from_rows(partitions: Iterable[Sequence[Sequence[Any]]]) -> AccountTable:
    """A table of account rows (id, phone, zone, precision), read a partition at a time."""
    zones = Zones()
    parts = [partition_columns(rows, zones) for rows in partitions]
    if not parts:
        return columns((), zones)
    extra: dict[str, KnownAccount] = {}
    for part in parts:
        extra |= part.extra
    return sorted_table(
        *(np.concatenate([getattr(part, name) for part in parts]) for name in ("ids", "phones", "zones", "located")),
        zones,
        extra,
    )


def partition_columns(rows: Sequence[Sequence[Any]], zones: Zones) -> AccountTable:
    """A table of these rows, column by column where they are plain (ASCII ids, E.164 phones), else account by account."""
    if not rows:
        return columns((), zones)
    ids, phones, timezones, precisions = zip(*rows)
    numbers = phone_numbers(phones)
    joined = "".join(ids)
    for zone in dict.fromkeys(timezones):
        zones.code(zone)
    if not joined.isascii() or "\0" in joined or numbers is None or len(zones.names) > ZONE_CODES:
        return columns((known_account(*row) for row in rows), zones)
    # Sorted once all partitions are in (`table_from_rows`).
    return AccountTable(
        np.array(ids, dtype=bytes),
        numbers,
        np.fromiter(map(zones.codes.__getitem__, timezones), dtype=np.uint16, count=len(timezones)),
        np.array(precisions) != "unknown",
        zones,
        {},
    )


def phone_numbers(phones: Sequence[str]) -> np.ndarray | None:
    """The digits of these phones (0: none) when every one is E.164, else None (they are read one by one)."""
    text = np.array(phones)
    given = text != ""
    numbers = np.zeros(len(phones), dtype=np.int64)
    try:
        numbers[given] = text[given].astype(np.int64)
    except (ValueError, OverflowError, TypeError):
        return None
    # Written back, the number must give the very text: no spaces, signs, underscores or leading zeros.
    if not (np.char.add("+", numbers[given].astype(str)) == text[given]).all() or (numbers >= 10**E164_DIGITS).any():
        return None
    return numbers


def sorted_table(
    ids: np.ndarray, phones: np.ndarray, zones: np.ndarray, located: np.ndarray, names: Zones, extra: dict
) -> AccountTable:
    """The table with its rows in id order (bytewise, as `searchsorted` compares them)."""
    order = np.argsort(ids, kind="stable")
    return indexed(AccountTable(ids[order], phones[order], zones[order], located[order], names, extra))


def indexed(table: AccountTable) -> AccountTable:
    """`table` with its hash index made, so no check pays for it."""
    table.by_hash  # noqa: B018  (computed and kept by the cached property)
    return table


# The flagged-id filter's slots per id it holds, at least: about one id in this many not flagged passes it.
FILTER_SLOTS = 16

# A flag as kept: its id, then what it shares with the other flags of its event (see `shared`).
Shared = tuple


class FlagStore:
    """Flags and releases by account, compact; each account's entry is replaced whole, so readers see old or new."""

    def __init__(self) -> None:
        self.flags: dict[str, tuple] = {}
        self.releases: dict[str, tuple[Release, ...]] = {}
        self.parts: dict[Shared, Shared] = {}
        # A slot per hash (its low bits) of every id that held flags when the filter was made or was given
        # some since: a bulk check looks up in `flags` only the ids whose slot is set (every flagged one, and
        # about 1 in FILTER_SLOTS of the others). `marked` counts the ids set since it was made.
        self.filter = np.zeros(FILTER_SLOTS, dtype=bool)
        self.marked = 0

    def __len__(self) -> int:
        """How many accounts have a flag or release kept."""
        return len(self.flags) + sum(account_id not in self.flags for account_id in self.releases)

    def keep(self, read: FlagRows, account_ids: Iterable[str] = ()) -> None:
        """Put these flags and releases in, in place of what `account_ids` (and the accounts in `read`) had."""
        # Straight from the rows: an object per flag first took a third of reading a wire's flags in.
        instants, parts = read.instants, self.parts
        flags: dict[str, list] = {}
        for (
            flag_id,
            account_id,
            level,
            reason,
            rule,
            event_id,
            starts_at,
            expires_at,
            origin,
            match,
            actor,
        ) in read.rows:
            event_ids = (event_id,) if event_id is not None else ()
            checked = (level, reason, rule, event_ids, instants[starts_at], instants[expires_at], origin)
            part = (parts.setdefault(checked, checked), match, actor)
            flags.setdefault(account_id, []).extend((flag_id, parts.setdefault(part, part)))
        releases: dict[str, list[Release]] = {}
        for release in read.releases:
            releases.setdefault(release.account_id, []).append(release)
        for account_id in account_ids:
            if account_id not in flags:
                self.flags.pop(account_id, None)
            if account_id not in releases:
                self.releases.pop(account_id, None)
        # Hashed before the flags go in: a reader may find an id here that holds none, never the reverse.
        self._mark(flags)
        self.flags.update((account_id, tuple(kept)) for account_id, kept in flags.items())
        self.releases.update((account_id, tuple(kept)) for account_id, kept in releases.items())

    def may_hold_flags(self, hashes: np.ndarray) -> np.ndarray:
        """The positions of these ids' hashes that may hold flags: every one that does, and a few that do not."""
        slots = self.filter
        return np.flatnonzero(slots[hashes & (len(slots) - 1)])

    def _mark(self, flagged: Collection[str]) -> None:
        """Set the filter's slots of these ids, in place or in a filter made anew when this one is full."""
        added = np.fromiter(map(hash, flagged), dtype=np.int64, count=len(flagged))
        slots = self.filter
        if (self.marked + len(added)) * FILTER_SLOTS > len(slots):
            # Made anew, larger, from the accounts holding flags now: those whose flags went stop passing it.
            held = np.fromiter(map(hash, self.flags), dtype=np.int64, count=len(self.flags))
            slots = np.zeros(1 << int(2 * (len(held) + len(added)) * FILTER_SLOTS).bit_length(), dtype=bool)
            slots[held & (len(slots) - 1)] = True
            self.marked = len(held)
        slots[added & (len(slots) - 1)] = True
        self.marked += len(added)
        self.filter = slots

    def stored(self, account_id: str) -> StoredFlags | None:
        """The account's flags and releases, or None when it has none."""
        kept = self.flags.get(account_id)
        releases = self.releases.get(account_id, ())
        if kept is None and not releases:
            return None
        flags = [flag(kept[i], account_id, kept[i + 1]) for i in range(0, len(kept), 2)] if kept else []
        return StoredFlags(flags, list(releases))


def flag(flag_id: int, account_id: str, part: Shared) -> ActiveFlag:
    """The flag kept as its id and shared part."""
    checked, match, actor = part
    return ActiveFlag(flag_id, account_id, *checked, match, actor)
