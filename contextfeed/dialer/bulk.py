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
from itertools import compress

import numpy as np
import orjson

from contextfeed.config import CallingSettings
from contextfeed.dialer.columns import AskedIds, flag
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
    table, store = view.memory.accounts, view.memory.stored
    count = len(account_ids)
    asked = AskedIds.of(account_ids)
    rows, hit = table.rows(asked)
    general = set(np.flatnonzero(~hit).tolist())
    # Each pass runs in C (map, compress), and only over a set that holds anything: usually none does.
    for special in (store.releases, table.extra, view.behind):
        if special:
            general.update(compress(range(count), map(special.__contains__, account_ids)))
    done = {
        result["account_id"]: orjson.dumps(result)
        for result in suppression_check(
            view,
            account_ids=list(dict.fromkeys(account_ids[at_] for at_ in general)),
            phones=[],
            at=at,
            purpose=purpose,
            calling=calling,
        )
    }
    threshold = THRESHOLDS[purpose]
    located, zones = table.located[rows], table.zones[rows]
    clocks: dict[int, bytes] = {}

    def clock(zone: int) -> bytes:
        if (encoded := clocks.get(zone)) is None:
            encoded = clocks[zone] = clock_json(table.zone_names.names[zone], at, calling)
        return encoded

    # What follows the phone for an account without flags depends only on (placed, zone): made once per pair.
    width = int(zones.max(initial=0)) + 1
    pairs, pair_of = np.unique(located.astype(np.int64) * width + zones, return_inverse=True)
    tails = np.array(
        [middle((), pair >= width, threshold, at, calling) + clock(pair % width) for pair in pairs.tolist()],
        dtype=object,
    )
    tail_of = tails[pair_of.reshape(-1)].tolist()
    rests: dict[tuple, Rest] = {}
    for at_ in store.may_hold_flags(asked.hashes).tolist():
        if at_ in general or (kept := store.flags.get(account_ids[at_])) is None:
            continue
        # What the check reads of shared parts is interned by the store: one object for an event's flags.
        key = (bool(located[at_]), *(id(part[0]) for part in kept[1::2]))
        if (rest := rests.get(key)) is None:
            rest = rests[key] = Rest.cut(middle(kept[1::2], key[0], threshold, at, calling))
        tail_of[at_] = rest.written(kept[0::2]) + clock(int(zones[at_]))
    # An id's quotes are written with the pieces beside it, its JSON cut from one encoding of them all.
    pieces: list[bytes] = [b""] * (4 * count)
    pieces[0::4] = [b',{"account_id":"'] * count
    pieces[1::4] = asked.json
    pieces[2::4] = [b'","phone":"+%d"' % phone if phone else b'","phone":null' for phone in table.phones[rows].tolist()]
    pieces[3::4] = tail_of
    for at_ in general:
        pieces[4 * at_ : 4 * at_ + 4] = (b",", done[account_ids[at_]], b"", b"")
    pieces[0] = b'{"results":[' + pieces[0][1:]
    pieces.append(b"]}")
    return b"".join(pieces)


def middle(shared: Iterable[tuple], located: bool, threshold: str, at: datetime, calling: CallingSettings) -> bytes:
    """The encoded keys of a result between HEAD and CLOCK, for an account holding flags with these shared parts."""
    held = [flag(STAND_IN + i, "", part) for i, part in enumerate(shared)]
    active = in_force(StoredFlags(held, []), at)
    result = check_result(KnownAccount("", "", None, located), active, threshold, (None, None), calling)
    return b"," + orjson.dumps({key: value for key, value in result.items() if key not in (*HEAD, *CLOCK)})[1:-1]


def clock_json(zone: str | None, at: datetime, calling: CallingSettings) -> bytes:
    """The encoded CLOCK keys of a result in `zone`, and the closing brace."""
    return b"," + orjson.dumps(dict(zip(CLOCK, reversed(customer_clock(at, zone, calling)))))[1:]
