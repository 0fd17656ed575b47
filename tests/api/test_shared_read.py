"""The freshness probe is shared by the checks that wait for it, and none is answered by a read older than itself."""

import asyncio
import threading
import time

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


def test_callers_on_several_event_loops_at_once_are_each_answered():
    """Each request of a test client runs on an event loop of its own thread: none may wait forever."""
    read_count = 0

    def read() -> int:
        nonlocal read_count
        time.sleep(0.005)  # long enough for the other loops to ask meanwhile
        read_count += 1
        return read_count

    shared = SharedRead(read)

    def on_its_own_loop() -> list[int]:
        async def checks():
            answers = []
            for _ in range(20):
                answers.append(await shared())
            return answers

        return asyncio.run(asyncio.wait_for(checks(), 5))

    threads_answers: list[list[int]] = []
    threads = [threading.Thread(target=lambda: threads_answers.append(on_its_own_loop())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [len(answers) for answers in threads_answers] == [20] * 8
