"""Benchmark: single-account suppression checks at 500 requests/s over 64 connections, against p99 <= 20 ms.

    python -m bench.bench_load [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

64 keep-alive connections to a real `contextfeed serve` on 127.0.0.1 send
one `POST /v1/suppression/check` per request at a constant rate, as wrk2
does: latency counts from when a request was due, so a stalled server
cannot hide its queue. Then the same connections send as fast as they can,
for the service's capacity. Each phase is bounded in time.

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

RATE = 500
CONNECTIONS = 64
FULL_SECONDS = 20.0
WARM_UP_SECONDS = 2.0
CAPACITY_SECONDS = 5.0
TARGET_P99_MS = 20.0


class Connection:
    """One keep-alive HTTP/1.1 connection that posts suppression checks."""

    def __init__(self, service: Service) -> None:
        address = urlsplit(service.url)
        self.host, self.port = address.hostname, address.port
        self.head = (
            f"POST /v1/suppression/check HTTP/1.1\r\nHost: {address.netloc}\r\n"
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
    service: Service, bodies: list[bytes], *, seconds: float, rate: float | None
) -> tuple[np.ndarray, float]:
    """Send checks for `seconds` at `rate` a second (None: as fast as they go); latencies (ms) and the rate held."""
    loop = asyncio.get_running_loop()
    total = int(seconds * rate) if rate else None
    counter = itertools.count()
    latencies: list[float] = []
    start = loop.time() + 0.05
    deadline = start + seconds

    async def connection() -> None:
        async with Connection(service) as client:
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


def main(argv: list[str] | None = None) -> int:
    """Warm up, hold the rate, then find the capacity; report p99 latency against the target."""
    args, world = World.parse(__doc__, argv, postgres=True)
    seconds = max(0.5, FULL_SECONDS * args.scale)
    ids = world.sample_ids(10_000)
    bodies = [orjson.dumps({"account_ids": [account_id]}) for account_id in ids]
    with served(world.served_env("load")) as service:
        asyncio.run(load(service, bodies, seconds=min(seconds, WARM_UP_SECONDS), rate=RATE))
        latencies, achieved = asyncio.run(load(service, bodies, seconds=seconds, rate=RATE))
        _, capacity = asyncio.run(load(service, bodies, seconds=min(seconds, CAPACITY_SECONDS), rate=None))
    p50, p99 = np.percentile(latencies, [50, 99])
    note = (
        f"{achieved:,.0f} requests/s held for {seconds:.0f} s, p50 {p50:.1f} ms; "
        f"capacity {capacity:,.0f} requests/s at {CONNECTIONS} connections"
    )
    return report(
        [
            Row(
                f"single-account check at {RATE} requests/s, {CONNECTIONS} connections: p99",
                p99,
                "ms",
                TARGET_P99_MS,
                at_most=True,
                note=note,
            )
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
