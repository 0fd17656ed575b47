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
