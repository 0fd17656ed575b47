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
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fastapi.concurrency import run_in_threadpool

T = TypeVar("T")


class SharedRead(Generic[T]):
    """`read()` run in a worker thread, once for all the coroutines that asked while the previous run was on."""

    def __init__(self, read: Callable[[], T]) -> None:
        self.read = read
        # One queue per event loop: a service has one, but each request of a test client brings its own,
        # on its own thread, and a future may only be resolved on its loop.
        self.loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopReads[T]] = weakref.WeakKeyDictionary()
        self.loops_lock = threading.Lock()

    async def __call__(self) -> T:
        """The result of a read that begins after this call (raises what the read raised)."""
        loop = asyncio.get_running_loop()
        with self.loops_lock:
            reads = self.loops.setdefault(loop, LoopReads())
        if reads.next is None:
            reads.next = loop.create_future()
        waiting = reads.next
        if reads.runner is None or reads.runner.done():
            reads.runner = loop.create_task(self.run(reads))
        # Shielded: a caller that goes away (its client hung up) does not cancel the read for the others.
        return await asyncio.shield(waiting)

    async def run(self, reads: LoopReads[T]) -> None:
        """Read for whoever is waiting on this loop, again while more arrived during the read, then stop."""
        while (waiting := reads.next) is not None:
            reads.next = None
            try:
                waiting.set_result(await run_in_threadpool(self.read))
            except Exception as error:  # handed to every waiting caller, as its own call would raise it
                waiting.set_exception(error)


@dataclass
class LoopReads(Generic[T]):
    """The callers of one event loop waiting for the next read, and the task that runs the reads."""

    next: asyncio.Future[T] | None = None
    runner: asyncio.Task | None = None
