"""The check's answer written straight from the index's columns: no dict per result, and no object per flag.

A bulk check's results differ, account to account, in id and phone, and
otherwise only by the account's zone, whether it was placed, and which
flags' shared parts (level, reason, rule, times: what one event gave every
account it reached) it holds. So each distinct rest of a result is made once
per check by `check_result` itself, encoded once, and written after each
account's id and phone; a flagged account's own flag ids are written into the
places that stand-in ids took in the encoded rest. Accounts with releases,
edited since the columns were built, named by changes not yet read into
memory, or not in the columns at all go through `suppression_check` as before. The answer is thus the bytes that encoding
`suppression_check`'s results gives, by construction (and by test).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import orjson

from contextfeed.config import CallingSettings
from contextfeed.dialer.columns import flag
from contextfeed.dialer.index import IndexView
from contextfeed.dialer.suppression import (
    THRESHOLDS,
    KnownAccount,
    Purpose,
    check_result,
    customer_clock,
    suppression_check,
)
from contextfeed.flags.query import StoredFlags, in_force

# The first two keys of a result, written per account; the last two, per zone; between them, from `check_result`.
HEAD = ("account_id", "phone")
CLOCK = ("outside_calling_hours", "local_time")
# Fewer ids than this are answered result by result: the columns' set-up costs more than it saves.
ONE_BY_ONE = 32
# Stand-in flag ids: flag ids are positive, so these never meet a real one.
STAND_IN = -(2**62)
STAND_INS = re.compile(rb'(?<="flag_id":)(-\d+)')


@dataclass(frozen=True)
class Rest:
    """A result's encoded rest after HEAD, cut where flag ids go, and which of the account's flags goes in each cut."""

    pieces: tuple[bytes, ...]
    flags: tuple[int, ...]

    @classmethod
    def cut(cls, encoded: bytes) -> Rest:
        """`encoded` cut at each `"flag_id":` key's value (a quote inside a text is escaped: no text passes for one)."""
        cut = STAND_INS.split(encoded)
        return cls(tuple(cut[0::2]), tuple(int(stand_in) - STAND_IN for stand_in in cut[1::2]))

    def written(self, flag_ids: Sequence[int]) -> bytes:
        """The rest with these flag ids (in stored order) in their places."""
        if not self.flags:
            return self.pieces[0]
        out = [self.pieces[0]]
        for at, piece in zip(self.flags, self.pieces[1:]):
            out += (b"%d" % flag_ids[at], piece)
        return b"".join(out)


def check_json(
    view: IndexView, *, account_ids: Sequence[str], at: datetime, purpose: Purpose, calling: CallingSettings
) -> bytes:
    """`{"results": [...]}` for these ids, in the order asked, as `suppression_check` over `view` answers them."""
    if len(account_ids) < ONE_BY_ONE:
        return orjson.dumps(
            {
                "results": list(
                    suppression_check(view, account_ids=account_ids, phones=[], at=at, purpose=purpose, calling=calling)
                )
            }
        )
    table, store, behind = view.memory.accounts, view.memory.stored, view.behind
    rows, hit = table.rows(account_ids)
    flags, releases, extra = store.flags, store.releases, table.extra
    general = {
        at_: account_id
        for at_, (account_id, found) in enumerate(zip(account_ids, hit.tolist()))
        if not found or account_id in releases or account_id in extra or account_id in behind
    }
    done = {
        result["account_id"]: orjson.dumps(result)
        for result in suppression_check(
            view, account_ids=list(dict.fromkeys(general.values())), phones=[], at=at, purpose=purpose, calling=calling
        )
    }
    threshold = THRESHOLDS[purpose]
    located = table.located[rows]
    # What follows the head, by whether the account was placed, for an account without flags.
    middles = np.array([middle((), placed, threshold, at, calling) for placed in (False, True)], dtype=object)
    middle_of = middles[located.astype(np.intp)].tolist()
    rests: dict[tuple, Rest] = {}
    for at_, account_id in enumerate(account_ids):
        if (kept := flags.get(account_id)) is not None and at_ not in general:
            # What the check reads of shared parts is interned by the store: one object for an event's flags.
            key = (bool(located[at_]), *(id(part[0]) for part in kept[1::2]))
            if (rest := rests.get(key)) is None:
                rest = rests[key] = Rest.cut(middle(kept[1::2], key[0], threshold, at, calling))
            middle_of[at_] = rest.written(kept[0::2])
    zones = table.zones[rows]
    clocks = np.empty(int(zones.max(initial=0)) + 1, dtype=object)
    for zone in np.unique(zones).tolist():
        clocks[zone] = clock_json(table.zone_names.names[zone], at, calling)
    parts = [
        b'{"account_id":%b,"phone":%b%b%b' % (id_json, b'"+%d"' % phone if phone else b"null", rest, clock)
        for id_json, phone, rest, clock in zip(
            ids_json(account_ids), table.phones[rows].tolist(), middle_of, clocks[zones].tolist()
        )
    ]
    for at_, account_id in general.items():
        parts[at_] = done[account_id]
    return b'{"results":[' + b",".join(parts) + b"]}"


def middle(shared: Iterable[tuple], located: bool, threshold: str, at: datetime, calling: CallingSettings) -> bytes:
    """The encoded keys of a result between HEAD and CLOCK, for an account holding flags with these shared parts."""
    held = [flag(STAND_IN + i, "", part) for i, part in enumerate(shared)]
    active = in_force(StoredFlags(held, []), at)
    result = check_result(KnownAccount("", "", None, located), active, threshold, (None, None), calling)
    return b"," + orjson.dumps({key: value for key, value in result.items() if key not in (*HEAD, *CLOCK)})[1:-1]


def clock_json(zone: str | None, at: datetime, calling: CallingSettings) -> bytes:
    """The encoded CLOCK keys of a result in `zone`, and the closing brace."""
    return b"," + orjson.dumps(dict(zip(CLOCK, reversed(customer_clock(at, zone, calling)))))[1:]


def ids_json(account_ids: Sequence[str]) -> list[bytes]:
    """Each id as a JSON string: one encoding of them all, cut apart when no id holds a quote or backslash."""
    encoded = orjson.dumps(account_ids)
    if b"\\" not in encoded and encoded.count(b'"') == 2 * len(account_ids):
        return [b'"%b"' % piece for piece in encoded[2:-2].split(b'","')] if account_ids else []
    return [orjson.dumps(account_id) for account_id in account_ids]
