"""One blocking read shared by every request waiting for it, each sure of a read begun after it asked.

Before each single check the API reads the change log's newest cursor. Read on
the event loop, that round trip to a database server would stall every other
request; read in a worker thread per check, 500 checks a second would queue for
it. Here the checks that arrive while a read is running wait together for the
next read, which begins once that one ends: one round trip answers them all,
and none is answered from a read that began before it arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from fastapi.concurrency import run_in_threadpool

T = TypeVar("T")


class SharedRead(Generic[T]):
    """`read()` run in a worker thread, once for all the coroutines that asked while the previous run was on."""

    def __init__(self, read: Callable[[], T]) -> None:
        self.read = read
        self.next: asyncio.Future[T] | None = None
        self.runner: asyncio.Task | None = None

    async def __call__(self) -> T:
        """The result of a read that begins after this call (raises what the read raised)."""
        loop = asyncio.get_running_loop()
        if self.next is None or self.next.get_loop() is not loop:  # another loop's: each test request has its own
            self.next = loop.create_future()
        waiting = self.next
        if self.runner is None or self.runner.done() or self.runner.get_loop() is not loop:
            self.runner = loop.create_task(self.run())
        # Shielded: a caller that goes away (its client hung up) does not cancel the read for the others.
        return await asyncio.shield(waiting)

    async def run(self) -> None:
        """Read for whoever is waiting, again while more arrived during the read, then stop."""
        while (waiting := self.next) is not None:
            self.next = None
            try:
                waiting.set_result(await run_in_threadpool(self.read))
            except Exception as error:  # handed to every waiting caller, as its own call would raise it
                waiting.set_exception(error)
