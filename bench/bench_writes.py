"""Benchmark: single-account checks over 64 connections while a 50,000-item ingest and a 1M-account import write.

    python -m bench.bench_writes [--scale 1.0] [--seconds 90] [--rate 500] [--cache bench/results/cache]

A real `contextfeed serve` on 127.0.0.1 answers one `POST /v1/suppression/check`
per request at a constant rate (latency counted from when a request was due,
as in bench_load) while two CLI processes write the same SQLite database: an
ingest of a news wire of 50,000 items (geoparsed) and a re-import of the
world's 1,000,000 accounts. Every answer is checked: an error is any answer
other than 200 or a dropped connection; a wrong answer is one whose
(suppress, level, status) the account never had: neither its state before
the writes, nor any state the change log took it through after them (an
account the wire flags twice shows the first flag's level in between, which
is right). The p99 counts only the checks sent while a writer was running; its
probe is the p99 of the same load on the same server for a ninth of that
time (at most PROBE_SECONDS) before the writers start, after a warm-up. The run
is bounded: the load stops after --seconds, and the writers are waited for
(at most WRITER_TIMEOUT_S), then stopped.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import numpy as np
import orjson
from sqlalchemy import bindparam, text

from bench.bench_load import CONNECTIONS, WARM_UP_SECONDS, Connection
from bench.common import Row, Service, contextfeed_command, report, say, scaled, served
from bench.world import World, news_feed, query
from contextfeed.clock import SystemClock
from contextfeed.dialer.suppression import THRESHOLDS
from contextfeed.flags.policy import rank

FULL_SECONDS = 90.0
RATE = 500
FULL_WIRE = 50_000
TARGET_P99_MS = 50.0
WRITER_TIMEOUT_S = 1_800
SAMPLE = 10_000
PROBE_SECONDS = 10.0
# The change log's actions after which a flag is no longer in force; every other action sets its level.
ENDING_ACTIONS = frozenset({"clear", "expire", "release"})
WRONG_SHOWN = 5


@dataclass
class Answers:
    """What the load saw: latencies (ms) of checks sent while writers ran, errors, and every answer by id."""

    during_writes: list[float] = field(default_factory=list)
    all_latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seen: list[tuple[str, tuple]] = field(default_factory=list)


class CheckingConnection(Connection):
    """A keep-alive connection that returns each check's status and answer instead of raising."""

    async def answer(self, body: bytes) -> tuple[int, bytes]:
        """Send one check; its status and body."""
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        length = next(int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))
        return int(head[9:12]), await self.reader.readexactly(length)


def checked(service: Service, ids: list[str]) -> dict[str, dict]:
    """The check answer of each account now, by one batch check per 10,000 ids."""
    found = {}
    for start in range(0, len(ids), SAMPLE):
        response = httpx.post(
            f"{service.url}/v1/suppression/check",
            headers=service.headers,
            json={"account_ids": ids[start : start + SAMPLE]},
            timeout=120,
        )
        response.raise_for_status()
        found.update((result["account_id"], result) for result in response.json()["results"])
    return found


def state(result: dict) -> tuple:
    """What a check answer says about one account, as compared before, during and after the writes."""
    return result.get("suppress"), result.get("level"), result.get("status")


def last_cursor(database_url: str) -> int:
    """The change log's last cursor."""
    return query(database_url, text("SELECT coalesce(max(cursor), 0) FROM flag_changes"))[0][0]


def passed_through(database_url: str, before: dict[str, dict], after_cursor: int) -> dict[str, set[tuple]]:
    """Every state each account had from `before` on: then, and after each change the log holds for it since."""
    in_force = {
        account_id: {reason["flag_id"]: reason["level"] for reason in result["reasons"] if reason["flag_id"]}
        for account_id, result in before.items()
    }
    states = {account_id: {state(result)} for account_id, result in before.items()}
    changes = text(
        "SELECT account_id, flag_id, action, level FROM flag_changes "
        "WHERE cursor > :after AND account_id IN :ids ORDER BY cursor"
    ).bindparams(bindparam("ids", expanding=True))
    for account_id, flag_id, action, level in query(database_url, changes, after=after_cursor, ids=list(before)):
        flags = in_force[account_id]
        if action in ENDING_ACTIONS:
            flags.pop(flag_id, None)
        else:
            flags[flag_id] = level or flags.get(flag_id)
        states[account_id].add(flagged_state(flags.values(), before[account_id]))
    return states


def flagged_state(levels: Iterable[str], before: dict) -> tuple:
    """The (suppress, level, status) an agent's check gives an account whose flags in force have `levels`.

    An account that could not be placed keeps the suppression its location gave it before: no event
    reaches it, so the writers' flags never change it.
    """
    top = max(levels, key=rank, default=None)
    unplaced = any(reason["rule"] == "unknown_location" for reason in before["reasons"])
    suppress = before["suppress"] if unplaced else rank(top) >= rank(THRESHOLDS["agent"])
    return suppress, top, before["status"]


async def load(
    service: Service, ids: list[str], *, seconds: float, rate: float, writing: Callable[[], bool]
) -> Answers:
    """Single checks for `seconds` at `rate` a second over CONNECTIONS connections; every answer kept."""
    loop = asyncio.get_running_loop()
    total = int(seconds * rate)
    counter = itertools.count()
    answers = Answers()
    start = loop.time() + 0.05

    async def connection() -> None:
        client = CheckingConnection(service)
        await client.__aenter__()
        try:
            while (index := next(counter)) < total:
                due = start + index / rate
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                account_id = ids[index % len(ids)]
                during = writing()
                try:
                    status, body = await client.answer(orjson.dumps({"account_ids": [account_id]}))
                except (OSError, asyncio.IncompleteReadError) as error:
                    answers.errors.append(f"connection: {type(error).__name__}")
                    await client.__aexit__()
                    client = CheckingConnection(service)
                    await client.__aenter__()
                    continue
                latency = (loop.time() - due) * 1000
                answers.all_latencies.append(latency)
                if during:
                    answers.during_writes.append(latency)
                if status != 200:
                    answers.errors.append(f"HTTP {status}")
                    continue
                answers.seen.append((account_id, state(orjson.loads(body)["results"][0])))
        finally:
            await client.__aexit__()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return answers


def start_writers(world: World, env: dict[str, str], *, wire_items: int) -> list[tuple[str, subprocess.Popen]]:
    """The two CLI writers, started at once: the wire's ingest and the accounts' re-import."""
    wire = world.cache / "work" / f"wire-{wire_items}.xml"
    wire.parent.mkdir(parents=True, exist_ok=True)
    wire.write_bytes(
        news_feed(
            world.gazetteer, wire_items, now=SystemClock().now() - timedelta(minutes=5), rng=random.Random(world.seed)
        )
    )
    commands = {
        f"ingest of a {wire_items:,}-item wire": ["ingest", str(wire), "--kind", "rss", "--source", "bench-wire"],
        f"import of {world.accounts:,} accounts": ["accounts", "import", str(world.accounts_csv())],
    }
    return [
        (
            name,
            subprocess.Popen(
                [*contextfeed_command(), *command],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for name, command in commands.items()
    ]


def finish(writers: list[tuple[str, subprocess.Popen]], started: float) -> list[str]:
    """Wait for the writers (bounded); how long each took, or how it failed."""
    notes = []
    for name, process in writers:
        try:
            process.wait(timeout=max(1.0, WRITER_TIMEOUT_S - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            notes.append(f"{name}: stopped after {WRITER_TIMEOUT_S} s")
            continue
        if process.returncode != 0:
            # The writer's name, then its last words (a traceback's last line says what failed).
            notes.append(f"{name}: exit {process.returncode}: {process.stderr.read()[-300:]}")
    return notes


def main(argv: list[str] | None = None) -> int:
    """Serve, write, check; report errors, wrong answers and the p99 while the writers ran."""

    def options(arguments) -> None:
        arguments.add_argument(
            "--seconds",
            type=float,
            help=f"how long the load runs (default {FULL_SECONDS:g} s times the scale, at least 10)",
        )
        arguments.add_argument("--rate", type=float, default=RATE, help="checks a second")

    args, world = World.parse(__doc__, argv, options=options)
    seconds = args.seconds or max(10.0, FULL_SECONDS * args.scale)
    wire_items = scaled(args, FULL_WIRE, least=500)
    ids = world.sample_ids(SAMPLE)
    env = world.served_env("writes")
    world.accounts_csv()  # generated before the clock starts
    with served(env) as service:
        database_url = env["CONTEXTFEED_DATABASE_URL"]
        # The cursor first: a change committed between the two is replayed from the answers, never missed.
        start_cursor = last_cursor(database_url)
        before = checked(service, ids)
        quiet_seconds = min(PROBE_SECONDS, seconds / 9)
        # Connections opened and the server's first answers made, as before the writers the load runs on.
        asyncio.run(load(service, ids, seconds=WARM_UP_SECONDS, rate=args.rate, writing=lambda: False))
        quiet = asyncio.run(load(service, ids, seconds=quiet_seconds, rate=args.rate, writing=lambda: False))
        say(f"load: {seconds:g} s at {args.rate:g} checks/s while the wire's ingest and the accounts' import write")
        started = time.monotonic()
        writers = start_writers(world, env, wire_items=wire_items)
        ended: dict[str, float] = {}

        def writing() -> bool:
            for name, process in writers:
                if process.poll() is not None:
                    ended.setdefault(name, time.monotonic() - started)
            return len(ended) < len(writers)

        answers = asyncio.run(load(service, ids, seconds=seconds, rate=args.rate, writing=writing))
        writing()
        notes = finish(writers, started)
        writing()
        after = {account_id: state(result) for account_id, result in checked(service, ids).items()}
    had = passed_through(database_url, before, start_cursor)
    wrong = [
        (account_id, seen) for account_id, seen in answers.seen if seen not in had[account_id] | {after[account_id]}
    ]
    between = sum(1 for account_id, seen in answers.seen if seen not in (state(before[account_id]), after[account_id]))
    # The log replayed to its end must give the answer served at rest; an account where it does not is
    # reported, as it would make every answer about it suspect.
    unreplayed = [account_id for account_id in ids if after[account_id] not in had[account_id]]
    for account_id, seen in wrong[:WRONG_SHOWN]:
        say(f"  wrong answer for {account_id}: {seen}; it had {sorted(had[account_id], key=repr)}")
    changed = sum(1 for account_id in ids if state(before[account_id]) != after[account_id])
    during = np.array(answers.during_writes or [np.nan])
    p50, p99 = np.percentile(during, [50, 99])
    writes = ", ".join(f"{name} {seconds_taken:.0f} s" for name, seconds_taken in ended.items())
    note = (
        f"{len(answers.during_writes):,} of {len(answers.all_latencies):,} checks sent during the writes "
        f"({writes}), p50 {p50:.1f} ms; {changed:,} of {len(ids):,} sampled accounts changed state"
    )
    answered = (
        f"{between:,} answers showed a state the log took the account through between before and after; "
        f"{len(unreplayed):,} accounts' answer after the writes is not where their log ends"
    )
    rows = [
        Row(
            f"single checks at {args.rate:g}/s, {CONNECTIONS} connections, during a {wire_items:,}-item ingest "
            f"and a {world.accounts:,}-account import: p99",
            p99,
            "ms",
            TARGET_P99_MS,
            at_most=True,
            note=note,
            probe=float(np.percentile(quiet.all_latencies or [np.nan], 99)),
            probe_what=f"same load and server, {quiet_seconds:.0f} s before the writes",
        ),
        Row(
            "  errors (non-200 or dropped connections) during those writes",
            len(answers.errors),
            "answers",
            0,
            at_most=True,
            note="; ".join(sorted(set(answers.errors)))[:200],
        ),
        Row(
            "  wrong answers (a state the account never had, before, during or after the writes)",
            len(wrong),
            "answers",
            0,
            at_most=True,
            note=answered,
        ),
        # A writer that gave up (e.g. "database is locked" past the busy timeout) lost its writes: a miss.
        Row(
            "  writers that failed (exit status other than 0, or stopped)",
            len(notes),
            "writers",
            0,
            at_most=True,
            note="; ".join(notes),
        ),
    ]
    return report(rows, args)


if __name__ == "__main__":
    sys.exit(main())
