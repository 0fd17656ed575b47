"""The customer's clock: an instant in their local time, and whether it falls in calling hours. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contextfeed.config import CallingSettings
from contextfeed.flags.engine import zone
from contextfeed.flags.query import iso


@dataclass(frozen=True)
class LocalTime:
    """An instant as the customer lives it; `local` is None when their time zone is unknown."""

    utc: datetime
    timezone: str | None
    local: datetime | None

    def as_json(self) -> dict:
        """UTC and local ISO 8601, the zone's name, abbreviation and offset."""
        return {
            "utc": iso(self.utc),
            "local": self.local.isoformat(timespec="seconds") if self.local else None,
            "timezone": self.timezone if self.local else None,
            "abbreviation": self.local.tzname() if self.local else None,
            "utc_offset": offset_text(self.local) if self.local else None,
        }


def offset_text(local: datetime) -> str:
    """The UTC offset as "-04:00"."""
    minutes = round(local.utcoffset().total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_time(at: datetime, timezone: str | None) -> LocalTime:
    """`at` on the customer's wall clock, when their zone is known."""
    tz = zone(timezone)
    return LocalTime(utc=at, timezone=timezone, local=at.astimezone(tz) if tz else None)


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
    return {"start": calling.hours_start.strftime("%H:%M"), "end": calling.hours_end.strftime("%H:%M"),
            "inside": inside_calling_hours(local, calling)}
