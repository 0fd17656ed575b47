"""The check's answer written straight from the index's columns: no dict per result for unflagged accounts.

Most of a bulk check's 100,000 accounts have no flag: their results differ
only in id, phone and zone (and whether the account was placed). Each such
result is the id and phone in front of the rest of a result `check_result`
made once per zone, encoded once; accounts with flags or releases, edited
since the columns were built, or not in them at all go through
`suppression_check` as before. So the answer is the same bytes, by
construction, as encoding `suppression_check`'s results.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import orjson

from contextfeed.config import CallingSettings
from contextfeed.dialer.index import IndexView
from contextfeed.dialer.suppression import (
    THRESHOLDS,
    KnownAccount,
    Purpose,
    check_result,
    customer_clock,
    suppression_check,
)

# The first two keys of a result, written here; the rest comes from `check_result`.
HEAD = ("account_id", "phone")


def check_json(
    view: IndexView, *, account_ids: Sequence[str], at: datetime, purpose: Purpose, calling: CallingSettings
) -> bytes:
    """`{"results": [...]}` for these ids, in the order asked, as `suppression_check` over `view` answers them."""
    table, store = view.index.accounts, view.index.stored
    rows, hit = table.rows(account_ids)
    flags, releases, extra = store.flags, store.releases, table.extra
    general = [
        account_id
        for account_id, found in zip(account_ids, hit.tolist())
        if not found or account_id in flags or account_id in releases or account_id in extra
    ]
    done = {
        result["account_id"]: orjson.dumps(result)
        for result in suppression_check(
            view, account_ids=list(dict.fromkeys(general)), phones=[], at=at, purpose=purpose, calling=calling
        )
    }
    names = table.zone_names.names
    threshold = THRESHOLDS[purpose]
    tails: dict[tuple[int, bool], bytes] = {}
    parts = []
    for account_id, phone, zone, located in zip(
        account_ids, table.phones[rows].tolist(), table.zones[rows].tolist(), table.located[rows].tolist()
    ):
        if (written := done.get(account_id)) is not None:
            parts.append(written)
            continue
        if (tail := tails.get((zone, located))) is None:
            tail = tails[(zone, located)] = result_tail(names[zone], located, threshold, at, calling)
        parts.append(b'{"account_id":%b,"phone":%b,%b' % (orjson.dumps(account_id), phone_json(phone), tail))
    return b'{"results":[' + b",".join(parts) + b"]}"


def result_tail(zone: str | None, located: bool, threshold: str, at: datetime, calling: CallingSettings) -> bytes:
    """The JSON of an unflagged account's result in `zone` after its HEAD keys, closing brace included."""
    result = check_result(
        KnownAccount("", "", zone, located), (), threshold, customer_clock(at, zone, calling), calling
    )
    return orjson.dumps({key: value for key, value in result.items() if key not in HEAD})[1:]


def phone_json(phone: int) -> bytes:
    """The phone column's value as JSON: "+digits", or null for no phone."""
    return b'"+%d"' % phone if phone else b"null"
