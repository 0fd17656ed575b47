"""CAP lifecycle as validity intervals: pure functions over an event and the messages that refer to it.

An event is active on [valid_from, valid_until). Because the interval is
computed from every message we hold, whatever order they arrived in, a Cancel
ingested before its Alert gives the same answer as one ingested after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from contextfeed.domain.instants import iso

ACTIVE_STATUS = "Actual"


@dataclass(frozen=True)
class Referrer:
    """A later message naming this one in its CAP references (CAP 1.2 §3.2.1 msgType Update/Cancel)."""

    identifier: str
    msg_type: str
    status: str
    sent: datetime


@dataclass(frozen=True)
class Validity:
    """When an event is active, and in words what ended it (None while nothing has)."""

    valid_from: datetime
    valid_until: datetime | None
    cut_at: datetime | None
    ended_by: str | None


def natural_end(
    *, valid_from: datetime, expires: datetime | None, ends: datetime | None, default_ttl: timedelta
) -> datetime:
    """When the event ends by itself: `ends` (NWS: the hazard's end) over `expires` (the message's), else a default."""
    return ends or expires or valid_from + default_ttl


def validity(
    *,
    status: str,
    msg_type: str,
    sent: datetime,
    effective: datetime | None,
    expires: datetime | None,
    ends: datetime | None,
    referrers: list[Referrer],
    default_ttl: timedelta,
) -> Validity:
    """The interval an event is active on, given the Actual Updates and Cancels that refer to it."""
    valid_from = effective or sent
    if status != ACTIVE_STATUS:
        return Validity(valid_from, valid_from, None, f"status {status}: never active")
    if msg_type in ("Cancel", "Ack", "Error"):
        return Validity(valid_from, valid_from, None, f"{msg_type} message: ends others, never active itself")
    end = natural_end(valid_from=valid_from, expires=expires, ends=ends, default_ttl=default_ttl)
    ended_by = None
    cutters = sorted(
        (ref for ref in referrers if ref.status == ACTIVE_STATUS and ref.msg_type in ("Update", "Cancel")),
        key=lambda ref: (ref.sent, ref.identifier),
    )
    cut_at = None
    if cutters:
        first = cutters[0]
        # A message can only end what it follows; one sent before the event
        # started ends it at its start (it is never active).
        cut_at = max(first.sent, valid_from)
        verb = "cancelled" if first.msg_type == "Cancel" else "superseded"
        if cut_at < end:
            end = cut_at
            ended_by = f"{verb} by {first.identifier} at {iso(first.sent)}"
    if end < valid_from:
        end = valid_from
    if ended_by is None:
        ended_by = f"runs until {iso(end)}"
    return Validity(valid_from, end, cut_at, ended_by)
