"""Calling hours: whether the customer's local time falls inside them, and instants shown on both sides. Pure."""

from __future__ import annotations

from datetime import datetime

from contextfeed.config import CallingSettings
from contextfeed.domain.instants import LocalTime, iso, zone


def stamp(instant: datetime | None, timezone: str | None) -> dict | None:
    """An instant for people on both sides of the call: {"utc": ..., "local": ...} (None stays None)."""
    if instant is None:
        return None
    tz = zone(timezone)
    return {"utc": iso(instant), "local": instant.astimezone(tz).isoformat(timespec="seconds") if tz else None}


def inside_calling_hours(local: LocalTime, calling: CallingSettings) -> bool | None:
    """True from hours_start up to (not including) hours_end, local time; None when the zone is unknown."""
    if local.local is None:
        return None
    return calling.hours_start <= local.local.time().replace(tzinfo=None) < calling.hours_end


def calling_hours_json(local: LocalTime, calling: CallingSettings) -> dict:
    """The configured window and whether the customer is inside it now."""
    return {
        "start": calling.hours_start.strftime("%H:%M"),
        "end": calling.hours_end.strftime("%H:%M"),
        "inside": inside_calling_hours(local, calling),
    }
