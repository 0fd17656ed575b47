"""Instants: the one parser, the one formatter, and an instant on the customer's wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def stored_instant(stored: str | None) -> datetime | None:
    """An instant as the database writes it as text (naive UTC from SQLite, with its offset from PostgreSQL)."""
    return as_utc(datetime.fromisoformat(stored)) if stored else None


def parse_instant(text: str) -> datetime:
    """ISO 8601 / CAP (`2013-04-19T11:00:00Z`, `2020-08-26T04:14:00-05:00`) or RFC 822 as aware UTC.

    Raises ValueError. A time without an offset is taken as UTC: CAP requires offsets, and the
    feeds that omit them (GeoRSS samples, some RSS) publish UTC.
    """
    value = text.strip()
    if not value:
        raise ValueError("empty time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"unreadable time {value[:40]!r}") from None
    return as_utc(parsed)


def optional_instant(text: str | None) -> datetime | None:
    """Like parse_instant, but None or blank gives None."""
    return parse_instant(text) if text and text.strip() else None


# Remembered: a bulk check or a page of the change feed formats the same few instants thousands of times.
@lru_cache(maxsize=4096)
def iso(instant: datetime | None) -> str | None:
    """ISO 8601 UTC to the second with a Z ("2013-04-19T11:00:00Z"), or None: every instant users read."""
    return as_utc(instant).strftime("%Y-%m-%dT%H:%M:%SZ") if instant else None


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo | None:
    """The named time zone, or None when unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


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

    def clock_text(self) -> str:
        """ "06:30 EDT, 19 Apr" on the customer's clock, or "10:30 UTC, 19 Apr" when the zone is unknown."""
        if self.local is None:
            return as_utc(self.utc).strftime("%H:%M UTC, %d %b")
        return self.local.strftime("%H:%M %Z, %d %b")


def local_time(at: datetime, timezone: str | None) -> LocalTime:
    """`at` on the customer's wall clock, when their zone is known."""
    tz = zone(timezone)
    return LocalTime(utc=at, timezone=timezone, local=at.astimezone(tz) if tz else None)


def offset_text(local: datetime) -> str:
    """The UTC offset as "-04:00"."""
    offset = local.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
