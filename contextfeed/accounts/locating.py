"""Locating batches of account rows offline in a process of its own, a batch ahead of the importer.

An import of millions of rows spends as long locating as writing; in a locator process the two run
on both cores, and the importer never loads the gazetteer. Rows go as tuples (AccountRecord fields,
`as_row`) and come back as `location_values` tuples, in order, over the process's stdin and stdout.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO

from contextfeed.accounts.reader import StageStopped
from contextfeed.accounts.store import address_of, location_values


class LocatorProcess:
    """A `python -m contextfeed.accounts.locating DATA_DIR` child: submit batches of rows, take their locations in order."""

    def __init__(self, data_dir: Path) -> None:
        command = [sys.executable, "-m", "contextfeed.accounts.locating", str(data_dir)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        # Batches are sent from a thread: a batch written while the child is still writing the previous
        # batch's answer would fill both pipes and block both processes for good.
        self._sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="locator-send")
        self._sent: deque[Future] = deque()

    def submit(self, rows: list[tuple]) -> None:
        """Queue a batch of rows to locate; its locations come from the matching `result` call."""
        self._sent.append(self._sender.submit(self._send, rows))

    def result(self) -> list[tuple]:
        """The `location_values` of the oldest batch submitted and not yet taken, one per row."""
        self._sent.popleft().result()
        try:
            return pickle.load(self.process.stdout)  # type: ignore[arg-type]
        except EOFError:
            raise StageStopped(f"the locator process stopped (exit code {self.process.wait()})") from None

    def close(self) -> None:
        """Stop the child: told to when it is idle, killed when batches are still in flight (an import that failed)."""
        if self._sent or self.process.poll() is not None:
            self.process.kill()  # first: a send blocked on a child that is not reading ends with the pipe
        else:
            self._send(None)
        self._sender.shutdown(wait=True)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe:
                pipe.close()
        self.process.wait()

    def _send(self, rows: list[tuple] | None) -> None:
        pickle.dump(rows, self.process.stdin, protocol=pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
        self.process.stdin.flush()  # type: ignore[union-attr]


def serve(data_dir: Path, requests: IO[bytes], answers: IO[bytes]) -> None:
    """The locator process: locate each batch of rows read from `requests` until None, answering in order."""
    from contextfeed.geo.gazetteer import Gazetteer
    from contextfeed.geo.locate import Locator

    locator = Locator(Gazetteer.load(data_dir))
    while (rows := pickle.load(requests)) is not None:
        pickle.dump(
            [location_values(locator.locate(address_of(row))) for row in rows],
            answers,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        answers.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.stdin.buffer, sys.stdout.buffer)
