"""Feed-specific time stamps (Unix milliseconds, feedparser's struct_time) as aware UTC; the rest is domain.instants."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def from_epoch_ms(milliseconds: int | float) -> datetime:
    """A Unix time in milliseconds (USGS GeoJSON `time`/`updated`) as UTC."""
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)


def from_struct_time(value: time.struct_time) -> datetime:
    """feedparser's `*_parsed` fields, which it has already normalised to UTC."""
    return datetime(*value[:6], tzinfo=UTC)
