"""Replay: the real pipeline on recorded documents, under a clock that starts in the past and runs faster."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from pathlib import Path

from contextfeed.domain.instants import as_utc, iso
from contextfeed.sources import parse_document
from contextfeed.sources.model import ParseResult

log = logging.getLogger(__name__)
DEFAULT_SPEED = 60.0
# 100,000x replays a week in six seconds: faster cannot be watched, and the feeder ticks five times a second.
MAX_SPEED = 100_000.0


class ReplayClock:
    """A clock at `start` that runs `speed` times faster than real time; it can pause, jump and change speed."""

    def __init__(
        self,
        start: datetime,
        *,
        speed: float = 60.0,
        paused: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._anchor = as_utc(start)
        self._anchor_real = monotonic()
        self._speed = speed
        self._paused = paused

    def now(self) -> datetime:
        """The replayed instant."""
        with self._lock:
            return self._now()

    def _now(self) -> datetime:
        if self._paused:
            return self._anchor
        return self._anchor + timedelta(seconds=(self._monotonic() - self._anchor_real) * self._speed)

    def _rebase(self, instant: datetime) -> None:
        self._anchor = instant
        self._anchor_real = self._monotonic()

    def pause(self) -> None:
        """Stop the replayed time where it is."""
        with self._lock:
            self._rebase(self._now())
            self._paused = True

    def resume(self) -> None:
        """Let the replayed time run again from where it stopped."""
        with self._lock:
            self._rebase(self._now())
            self._paused = False

    def jump(self, instant: datetime) -> None:
        """Move the replayed time to `instant` (forwards or back); a paused clock stays paused."""
        with self._lock:
            self._rebase(as_utc(instant))

    def set_speed(self, speed: float) -> None:
        """Run `speed` times faster than real time from now on."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        with self._lock:
            self._rebase(self._now())
            self._speed = speed

    def state(self) -> dict:
        """The instant, speed and whether paused, read together."""
        with self._lock:
            return {"instant": self._now(), "speed": self._speed, "paused": self._paused}


@dataclass(frozen=True)
class RecordedDocument:
    """The events of one scenario document that appear at one instant, as a crawler polling it would see them."""

    at: datetime
    path: Path
    kind: str
    source: str
    result: ParseResult


@dataclass(frozen=True)
class Scenario:
    """A scenario folder: accounts and its documents' events in the order they appear."""

    name: str
    accounts: Path
    documents: tuple[RecordedDocument, ...]

    @property
    def first_instant(self) -> datetime:
        """When the first document appears."""
        return self.documents[0].at

    @property
    def last_instant(self) -> datetime:
        """When the last document appears."""
        return self.documents[-1].at


def load_scenario(folder: Path) -> Scenario:
    """Read a scenario folder (expected.json format); raises ValueError when it cannot be replayed."""
    folder = folder.resolve()
    try:
        spec = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        entries = [(folder / entry["file"], entry["kind"], entry["source"]) for entry in spec["documents"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{folder}: not a scenario folder (expected.json: {error})") from None
    if not (folder / "accounts.csv").is_file():
        raise ValueError(f"{folder}: no accounts.csv")
    documents = []
    for path, kind, source in entries:
        try:
            parsed = parse_document(kind, path.read_bytes(), source=source)
        except OSError as error:
            raise ValueError(f"{path}: {error.strerror}") from None
        if not parsed.events:
            raise ValueError(f"{path}: no events ({'; '.join(parsed.errors) or 'empty'})")
        # A feed holds items published over days (news, FEMA declarations): each appears at its own `sent`,
        # as a crawler polling the feed would have seen it, not all at the first one's.
        by_time = sorted(parsed.events, key=lambda event: event.sent)
        for position, (at, events) in enumerate(groupby(by_time, key=lambda event: event.sent)):
            errors = parsed.errors if position == 0 else ()
            documents.append(RecordedDocument(at, path, kind, source, ParseResult(events=tuple(events), errors=errors)))
    if not documents:
        raise ValueError(f"{folder}: the scenario lists no documents")
    documents.sort(key=lambda document: document.at)
    return Scenario(folder.name, folder / "accounts.csv", tuple(documents))


class ReplayFeeder:
    """Ingests each recorded document once the replay clock reaches its time; a jump back re-ingests nothing."""

    def __init__(self, scenario: Scenario, clock: ReplayClock, ingest: Callable[[RecordedDocument], object]) -> None:
        self.scenario = scenario
        self.clock = clock
        self.ingest = ingest
        self.replayed = 0
        # The feeder thread and a request that jumps both tick: each document must be ingested once.
        self._lock = threading.Lock()

    def tick(self) -> int:
        """Ingest the documents now due; returns how many."""
        with self._lock:
            now = self.clock.now()
            documents = self.scenario.documents
            first = self.replayed
            while self.replayed < len(documents) and documents[self.replayed].at <= now:
                document = documents[self.replayed]
                try:
                    self.ingest(document)
                except Exception:  # a broken recording must not stop the replay
                    log.exception("replaying %s (%s) failed", document.path, iso(document.at))
                self.replayed += 1
            return self.replayed - first


class Replay:
    """A scenario being replayed: a background thread feeds due documents and runs `housekeeping` after each tick."""

    def __init__(
        self,
        scenario: Scenario,
        clock: ReplayClock,
        *,
        ingest: Callable[[RecordedDocument], object],
        housekeeping: Callable[[], object] = lambda: None,
        interval_seconds: float = 0.2,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.feeder = ReplayFeeder(scenario, clock, ingest)
        self.housekeeping = housekeeping
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, *, paused: bool = False) -> None:
        """Ingest what is due now, then start the feeder thread, and the clock unless `paused`.

        What is due at the start instant is in before the first request is answered: a page opened the
        moment the replay says it is ready shows the flags of that instant, not an empty briefing.
        """
        self.step()
        if not paused:
            self.clock.resume()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="replay-feeder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the feeder thread (the clock keeps its state)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        while True:
            self.step()
            if self._stop.wait(self.interval_seconds):
                return

    def step(self) -> int:
        """Ingest what is due, then run the housekeeping (expiry sweep, webhooks); returns documents ingested."""
        count = self.feeder.tick()
        try:
            self.housekeeping()
        except Exception:  # like a scheduler job: log, and try again next tick
            log.exception("replay housekeeping failed")
        return count

    def jump(self, instant: datetime) -> None:
        """Move the replayed time, and ingest at once what that makes due, so the next request sees it."""
        self.clock.jump(instant)
        self.step()

    def state(self) -> dict:
        """Where the replay is: scenario, instant, speed, paused, documents replayed and pending."""
        clock = self.clock.state()
        documents = self.scenario.documents
        replayed = self.feeder.replayed
        return {
            "scenario": self.scenario.name,
            "instant": iso(clock["instant"]),
            "speed": clock["speed"],
            "paused": clock["paused"],
            "documents_replayed": replayed,
            "documents_pending": len(documents) - replayed,
            "next_document_at": iso(documents[replayed].at) if replayed < len(documents) else None,
            "first_document_at": iso(self.scenario.first_instant),
            "last_document_at": iso(self.scenario.last_instant),
        }
