"""Benchmark: single-account suppression checks at 2,000 requests/s over 64 connections, against p99 <= 5 ms.

    python -m bench.bench_load [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

64 keep-alive connections to a real `contextfeed serve` on 127.0.0.1 send
one `POST /v1/suppression/check` per request at a constant rate, as wrk2
does: latency counts from when a request was due, so a stalled server
cannot hide its queue. Then the same connections send as fast as they can,
for the service's capacity (against 5,000 requests/s). Each phase is bounded
in time.

The probe is the same load on `POST /v1/ping` of the same server: the same
body, key, middleware and HTTP stack, a constant JSON answer. Its p99 and
capacity are what this machine, this client and this stack can do at all;
the ratios are what the checks themselves cost on top.

The client is plain asyncio streams, not httpx: on this 2-core machine
httpx's async client tops out near 450 requests/s against an empty FastAPI
endpoint (it would measure itself), where these connections do 1,200.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from urllib.parse import urlsplit

import numpy as np
import orjson

from bench.common import Row, Service, report, served
from bench.world import World

RATE = 2000
CONNECTIONS = 64
FULL_SECONDS = 20.0
WARM_UP_SECONDS = 2.0
CAPACITY_SECONDS = 5.0
TARGET_P99_MS = 5.0
TARGET_CAPACITY = 5000.0
CHECK = "/v1/suppression/check"
# The probe: a constant JSON answer behind the same key on the same server (contextfeed/api/app.py).
PING = "/v1/ping"


class Connection:
    """One keep-alive HTTP/1.1 connection that posts suppression checks."""

    def __init__(self, service: Service, *, path: str = CHECK) -> None:
        address = urlsplit(service.url)
        self.host, self.port = address.hostname, address.port
        self.head = (
            f"POST {path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Authorization: Bearer {service.key}\r\nContent-Type: application/json\r\n"
        ).encode()

    async def __aenter__(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *_exc) -> None:
        self.writer.close()

    async def check(self, body: bytes) -> None:
        """Send one check and read the whole answer; raises unless it is 200."""
        self.writer.write(self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        if head[9:12] != b"200":
            raise RuntimeError(f"check answered {head[:12].decode()}")
        length = next(int(line[15:]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:"))
        await self.reader.readexactly(length)


async def load(
    service: Service, bodies: list[bytes], *, seconds: float, rate: float | None, path: str = CHECK
) -> tuple[np.ndarray, float]:
    """Send checks for `seconds` at `rate` a second (None: as fast as they go); latencies (ms) and the rate held."""
    loop = asyncio.get_running_loop()
    total = int(seconds * rate) if rate else None
    counter = itertools.count()
    latencies: list[float] = []
    start = loop.time() + 0.05
    deadline = start + seconds

    async def connection() -> None:
        async with Connection(service, path=path) as client:
            while (index := next(counter)) < (total or float("inf")) and loop.time() < deadline + 1:
                due = start + index / rate if rate else loop.time()
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                await client.check(bodies[index % len(bodies)])
                latencies.append((loop.time() - due) * 1000)
                if not rate and loop.time() >= deadline:
                    return

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return np.array(latencies), len(latencies) / (loop.time() - start)


def measured(service: Service, bodies: list[bytes], *, seconds: float, path: str) -> tuple[np.ndarray, float, float]:
    """Warm up, hold RATE, then send as fast as the connections go: latencies at the rate, the rate held, capacity."""
    asyncio.run(load(service, bodies, seconds=min(seconds, WARM_UP_SECONDS), rate=RATE, path=path))
    latencies, achieved = asyncio.run(load(service, bodies, seconds=seconds, rate=RATE, path=path))
    _, capacity = asyncio.run(load(service, bodies, seconds=min(seconds, CAPACITY_SECONDS), rate=None, path=path))
    return latencies, achieved, capacity


def main(argv: list[str] | None = None) -> int:
    """Load the checks and the probe alike; report the checks' p99 and capacity against theirs and the targets."""
    args, world = World.parse(__doc__, argv, postgres=True)
    seconds = max(0.5, FULL_SECONDS * min(1.0, args.scale))
    ids = world.sample_ids(10_000)
    bodies = [orjson.dumps({"account_ids": [account_id]}) for account_id in ids]
    with served(world.served_env("load")) as service:
        probe_latencies, _, probe_capacity = measured(service, bodies, seconds=seconds, path=PING)
        latencies, achieved, capacity = measured(service, bodies, seconds=seconds, path=CHECK)
    p50, p99 = np.percentile(latencies, [50, 99])
    note = f"{achieved:,.0f} requests/s held for {seconds:.0f} s, p50 {p50:.1f} ms"
    return report(
        [
            Row(
                f"single-account check at {RATE:,} requests/s, {CONNECTIONS} connections: p99",
                p99,
                "ms",
                TARGET_P99_MS,
                at_most=True,
                note=note,
                probe=float(np.percentile(probe_latencies, 99)),
                probe_what="POST /v1/ping, same server and load",
            ),
            Row(
                f"single-account check, capacity at {CONNECTIONS} connections",
                capacity,
                "requests/s",
                TARGET_CAPACITY,
                at_most=False,
                probe=probe_capacity,
                probe_what="POST /v1/ping, same server and load",
            ),
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
