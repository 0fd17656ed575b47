"""Reading an accounts CSV file as a stream of batches, in this process or in a reader process beside it.

A book of ten million rows is never held whole: the file is read line by line, checked row by row
(csvfile), and handed on a batch of good rows at a time, with the problems of the bad rows between.
In a process of its own the reading and checking (phone numbers are the costliest part) runs on the
second core while this process locates and writes the previous batches.
"""

from __future__ import annotations

import codecs
import contextlib
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from contextfeed.accounts.csvfile import AccountFileError, AccountRecord, RowProblem, as_row, read_accounts

_CHUNK = 1 << 22
# Batches read ahead of the importer: enough to ride out a slow batch (a write waiting for the lock).
AHEAD = 4


class StageStopped(RuntimeError):
    """A reader or locator process ended before its work was done (killed, out of memory, a bug it printed)."""


@dataclass
class Batch:
    """Good rows (AccountRecord field tuples), the problems found since the previous batch, and how far the file is read."""

    rows: list[tuple] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    lines: int = 0
    bytes_read: int = 0


def encoding_of(path: Path) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such, else Windows-1252 as spreadsheets export it.

    Decided before the first row is read, over the bytes in chunks, as `csvfile.decode` decides over the
    whole text: a file that turns out not to be UTF-8 on its last line is read as Windows-1252 throughout.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        try:
            while chunk := file.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def read_batches(path: Path, *, size: int) -> Iterator[Batch]:
    """The file's good rows `size` at a time, each batch with the problems of the rows read before it.

    Raises AccountFileError, its message for the user, when the file cannot be read at all.
    """
    try:
        encoding = encoding_of(path)
        file = path.open(encoding=encoding, errors="replace", newline="")
    except OSError as error:
        raise AccountFileError(f"cannot read {path}: {error.strerror}") from None
    with file:
        batch = Batch()
        try:
            for item in read_accounts(file):
                if isinstance(item, AccountRecord):
                    batch.rows.append(as_row(item))
                    if len(batch.rows) >= size:
                        yield _finished(batch, file)
                        batch = Batch()
                else:
                    batch.problems.append(item)
        except AccountFileError as error:
            raise AccountFileError(f"{path}: {error}") from None
        except OSError as error:
            raise AccountFileError(f"cannot read {path}: {error.strerror}") from None
        if batch.rows or batch.problems:
            yield _finished(batch, file)


def _finished(batch: Batch, file: IO[str]) -> Batch:
    # The binary buffer's position: where the text layer has read to, near enough for an ETA.
    batch.bytes_read = file.buffer.tell()  # type: ignore[attr-defined]
    return batch


def produce(path: Path, size: int, out: IO[bytes]) -> None:
    """The reader process: every batch pickled to `out`, then None; or the reason the file cannot be read."""
    try:
        for batch in read_batches(path, size=size):
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    except AccountFileError as error:
        pickle.dump(error, out)
        return
    pickle.dump(None, out)


@contextmanager
def batches_from_process(path: Path, *, size: int) -> Iterator[Iterator[Batch]]:
    """`read_batches` run in a reader process (`python -m contextfeed.accounts.reader`); the batches arrive in order.

    A child of our own over a pipe, rather than multiprocessing: spawning re-runs the caller's main
    script, which a script without a __main__ guard does not survive, and forking would copy the
    importer's database connections and threads. At most AHEAD batches wait to be imported.
    """
    command = [sys.executable, "-m", "contextfeed.accounts.reader", str(path), str(size)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    assert process.stdout is not None

    # A thread takes the batches off the pipe as they come: with the pipe alone the reader could be at
    # most one batch ahead, and the three stages of an import would move in lockstep with the slowest.
    arrived: queue.Queue = queue.Queue(maxsize=AHEAD)

    def take() -> None:
        while True:
            try:
                item = pickle.load(process.stdout)  # type: ignore[arg-type]
            except (EOFError, OSError, ValueError):
                # The reader died (killed, out of memory), or the importer closed the pipe: nothing more is read.
                arrived.put(EOFError())
                return
            arrived.put(item)
            if item is None or isinstance(item, Exception):
                return

    taker = threading.Thread(target=take, name="accounts-reader", daemon=True)
    taker.start()

    def received() -> Iterator[Batch]:
        while True:
            item = arrived.get()
            if item is None:
                return
            if isinstance(item, EOFError):
                raise StageStopped(f"the reader of {path} stopped (exit code {process.wait()})")
            if isinstance(item, Exception):
                raise item
            yield item

    try:
        yield received()
    finally:
        # An importer that stopped early (an error, ^C) leaves a reader blocked on a full pipe.
        if process.poll() is None:
            process.kill()
        while taker.is_alive():
            with contextlib.suppress(queue.Empty):
                arrived.get_nowait()  # a taker blocked on the full queue must see the pipe close
            taker.join(timeout=0.1)
        process.stdout.close()
        process.wait()


if __name__ == "__main__":
    # Through the module's own name: batches pickled from __main__ would not unpickle in the importer.
    from contextfeed.accounts import reader

    reader.produce(Path(sys.argv[1]), int(sys.argv[2]), sys.stdout.buffer)
