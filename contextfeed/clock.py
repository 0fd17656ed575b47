"""The only source of "now": everything else is handed an instant or a Clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can say what time it is, in UTC."""

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        """The current instant from the operating system, in UTC."""
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that says what it is told; for tests and `--as-of`."""

    instant: datetime

    def now(self) -> datetime:
        """The instant this clock was set to."""
        return self.instant

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by `delta`."""
        self.instant += delta


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant ("2013-04-19T11:00:00Z", offsets allowed) as aware UTC; raises ValueError."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    return as_utc(value)
