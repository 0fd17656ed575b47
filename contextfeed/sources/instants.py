"""Turning the time stamps feeds publish into timezone-aware UTC datetimes."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

log = logging.getLogger(__name__)


def parse_instant(text: str) -> datetime:
    """Read an ISO 8601 / CAP (`2020-08-26T04:14:00-05:00`) or RFC 822 (`Sun, 29 Dec 2019 12:00:00 GMT`) time as UTC.

    A time without an offset is taken as UTC: CAP requires offsets, and the
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
    """Like parse_instant, but None/blank gives None."""
    return parse_instant(text) if text and text.strip() else None


def as_utc(moment: datetime) -> datetime:
    """Attach UTC to a naive datetime, or convert an aware one to UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def from_epoch_ms(milliseconds: int | float) -> datetime:
    """A Unix time in milliseconds (USGS GeoJSON `time`/`updated`) as UTC."""
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


def from_struct_time(value: time.struct_time) -> datetime:
    """feedparser's `*_parsed` fields, which it has already normalised to UTC."""
    return datetime(*value[:6], tzinfo=UTC)


def iso(instant: datetime | None) -> str | None:
    """ISO 8601 UTC with a Z, or None: the one form for instants in text and JSON alike."""
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ") if instant else None
