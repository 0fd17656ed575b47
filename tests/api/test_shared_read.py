"""The freshness probe is shared by the checks that wait for it, and none is answered by a read older than itself."""

import asyncio
import threading

import pytest

from contextfeed.dialer.shared_read import SharedRead


class GatedRead:
    """A read that numbers itself and waits until the test lets it finish."""

    def __init__(self) -> None:
        self.started = 0
        self.gates: list[threading.Event] = [threading.Event() for _ in range(5)]
        self.fail = False

    def __call__(self) -> int:
        self.started += 1
        number = self.started
        assert self.gates[number - 1].wait(5)
        if self.fail:
            raise ConnectionError("database away")
        return number


async def until(condition) -> None:
    """Yield to the loop until `condition()` holds (at most 5 s)."""
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def test_checks_arriving_during_a_read_share_the_next_read_begun_after_them():
    async def scenario():
        read = GatedRead()
        shared = SharedRead(read)
        first = asyncio.ensure_future(shared())
        await until(lambda: read.started == 1)
        later = [asyncio.ensure_future(shared()) for _ in range(3)]
        await asyncio.sleep(0.05)
        assert read.started == 1  # they wait for the running read to end, not for a read of their own
        read.gates[0].set()
        assert await first == 1
        await until(lambda: read.started == 2)
        read.gates[1].set()
        assert await asyncio.gather(*later) == [2, 2, 2]
        assert read.started == 2

    asyncio.run(scenario())


def test_a_failed_read_fails_every_check_waiting_for_it_and_the_next_read_is_fresh():
    async def scenario():
        read = GatedRead()
        shared = SharedRead(read)
        read.fail = True
        waiting = [asyncio.ensure_future(shared()) for _ in range(2)]
        await until(lambda: read.started == 1)
        read.gates[0].set()
        for check in waiting:
            with pytest.raises(ConnectionError):
                await check
        read.fail = False
        read.gates[1].set()
        assert await shared() == 2

    asyncio.run(scenario())
