"""The change feed's read-ahead: after a full page, the next one is read while the dialer takes that one in.

A dialer catching up on a backlog asks for page after page, each starting
where the last ended. Reading the next page while the last is on its way and
being parsed overlaps the two, on another core. Only a full page read ahead
is ever served: its changes are final (every cursor up to its last is
committed), so it is what a read at the time of the request would give. A
page that came back short may lack changes committed since, so it is read
again instead. The phones in a page read ahead are at most READ_AHEAD_FOR old.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool

# Pages kept at once: one for each dialer catching up (a page of 10,000 changes is about 5 MB).
READ_AHEAD_PAGES = 8
# Seconds a page read ahead may wait for its dialer; a dialer slower than that gets a fresh read.
READ_AHEAD_FOR = 5.0


@dataclass(frozen=True)
class FeedPage:
    """Up to `limit` changes after a cursor: their JSON array, how many, and the last one's cursor."""

    changes: bytes
    count: int
    last_cursor: int | None


class ReadAhead:
    """Pages of the change feed read by `read(after, limit)` in worker threads, the next full one ahead of time."""

    def __init__(self, read: Callable[[int, int], FeedPage]) -> None:
        self.read = read
        self.ahead: OrderedDict[tuple[int, int], tuple[float, asyncio.Future[FeedPage]]] = OrderedDict()

    async def page(self, after: int, limit: int) -> FeedPage:
        """The page after `after`: read ahead if it was, else read now; the next one is started when this is full."""
        page = await self.read_ahead(after, limit) or await run_in_threadpool(self.read, after, limit)
        if page.count == limit:
            self.start(page.last_cursor, limit)
        return page

    async def read_ahead(self, after: int, limit: int) -> FeedPage | None:
        """The page read ahead for (after, limit), when there is one, it is recent and it came back full."""
        started_at, reading = self.ahead.pop((after, limit), (None, None))
        # A page started under another event loop (each request of a test client has its own) is not awaitable here.
        if (
            reading is None
            or time.monotonic() - started_at > READ_AHEAD_FOR
            or reading.cancelled()
            or reading.get_loop() is not asyncio.get_running_loop()
        ):
            return None
        try:
            page = await reading
        except Exception:  # the request reads again, and fails there if the database is away
            return None
        return page if page.count == limit else None

    def start(self, after: int, limit: int) -> None:
        """Begin reading the page after `after`, keeping at most READ_AHEAD_PAGES pages."""
        reading = asyncio.ensure_future(run_in_threadpool(self.read, after, limit))
        # Collected even when nobody asks for the page, so a failure is never reported as lost.
        reading.add_done_callback(lambda done: done.cancelled() or done.exception())
        self.ahead[(after, limit)] = (time.monotonic(), reading)
        while len(self.ahead) > READ_AHEAD_PAGES:
            self.ahead.popitem(last=False)
