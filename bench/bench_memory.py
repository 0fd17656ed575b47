"""Benchmark: `contextfeed serve` with the gazetteer loaded and the accounts indexed: its memory and its start.

    python -m bench.bench_memory [--scale 1.0] [--cache bench/results/cache] [--seed 7] [--database-url URL]

Serves the flagged database on 127.0.0.1 and times its start: from starting
the process to the first single check answered (the index of every account
is built before the first request is taken). Then it answers a 100,000-id
bulk check, a thousand single checks and ten pages of the change feed,
takes an account through `PUT /v1/accounts/{id}` (placing it loads the
gazetteer, as any service that takes account updates does) and checks it,
and reads VmRSS (and the peak, VmHWM) from /proc: against 2.0 GB, the
issue's figure at 10,000,000 accounts. The probe of both is the same server
doing the same on a new, empty database: what the stack and the gazetteer
take without any account.

The demo's row is `contextfeed replay` of the bundled Boston scenario (15
accounts, placed at start, so the gazetteer is loaded) after the same update
and check, against 400 MB; it has no probe.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import httpx
import orjson

from bench.common import (
    REPO,
    SERVER_START_TIMEOUT_S,
    Row,
    contextfeed,
    contextfeed_command,
    memory_gb,
    post_check,
    report,
    say,
    scaled,
    served_client,
    stop,
)
from bench.world import World

BULK_IDS = 100_000
SINGLE_CHECKS = 1000
FEED_PAGES = 10
TARGET_GB = 2.0
TARGET_DEMO_GB = 0.4
TARGET_START_S = 60.0
DEMO = REPO / "contextfeed" / "training" / "scenarios" / "boston-2013"
# The account taken through the API: placed by ZIP, city and state, so the gazetteer is opened.
UPDATED_ID = "BENCH-UPDATED-1"
UPDATE = {"name": "Bench Update", "city": "Boston", "region": "MA", "postal_code": "02116", "country": "US"}


def update_and_check(url: str, *, admin_key: str, dialer_key: str) -> None:
    """PUT an account (placing it loads the gazetteer) and check it (the index takes it in); raises unless both work."""
    with httpx.Client(base_url=url, timeout=SERVER_START_TIMEOUT_S) as client:
        client.put(
            f"/v1/accounts/{UPDATED_ID}", json=UPDATE, headers={"Authorization": f"Bearer {admin_key}"}
        ).raise_for_status()
        client.post(
            "/v1/suppression/check",
            json={"account_ids": [UPDATED_ID]},
            headers={"Authorization": f"Bearer {dialer_key}"},
        ).raise_for_status()


def served_memory(env: dict[str, str], ids: list[str], *, single_checks: int) -> tuple[float, float, float, float]:
    """Serve, time the start, do the work, update an account: seconds to checks from memory, RSS after start, now, peak."""
    admin_key = contextfeed("apikey", "create", "--name", "bench-admin", "--scope", "admin", env=env).stdout.strip()
    with served_client(env) as (service, client):
        post_check(client, orjson.dumps({"account_ids": ids[:1]}))
        answering = service.in_memory_after
        indexed, _ = memory_gb(service.pid)
        if len(ids) > 1:
            work(client, ids, single_checks=single_checks)
        update_and_check(service.url, admin_key=admin_key, dialer_key=service.key)
        resident, peak = memory_gb(service.pid)
    return answering, indexed, resident, peak


def work(client: httpx.Client, ids: list[str], *, single_checks: int) -> None:
    """A bulk check of every id, single checks of the first ones, and pages of the change feed."""
    post_check(client, orjson.dumps({"account_ids": ids}))
    for account_id in ids[:single_checks]:
        post_check(client, orjson.dumps({"account_ids": [account_id]}))
    after = 0
    for _ in range(FEED_PAGES):
        response = client.get("/v1/flags/changes", params={"after": after, "limit": 1000})
        after = response.raise_for_status().json()["next_cursor"]


def demo_memory(world: World) -> float:
    """The RSS of the demo (`contextfeed replay` of the Boston scenario) after an update and a check, in GB."""
    data_dir = world.cache / "work" / "demo-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    _ = world.gazetteer  # built, then shared: the demo's own data folder holds only its replay database
    for built in world.data_dir.glob("gazetteer-*"):
        link = data_dir / built.name
        if not link.exists():
            link.symlink_to(built.resolve(), target_is_directory=True)
    env = world.env(data_dir / "unused.db") | {"CONTEXTFEED_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(
        [*contextfeed_command(), "replay", str(DEMO), "--host", "127.0.0.1", "--port", "0", "--paused"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # A replay that hangs before printing its keys would block the read forever.
    watchdog = threading.Timer(SERVER_START_TIMEOUT_S, process.kill)
    watchdog.start()
    try:
        url, keys = replay_address(process)
        watchdog.cancel()
        update_and_check(url, admin_key=keys["admin"], dialer_key=keys["dialer"])
        return memory_gb(process.pid)[0]
    finally:
        watchdog.cancel()
        stop(process)
        if process.stdout:
            process.stdout.close()


def replay_address(process: subprocess.Popen) -> tuple[str, dict[str, str]]:
    """The agent page's address and the keys by scope, as `contextfeed replay` prints them."""
    url, keys = None, {}
    for line in process.stdout or ():
        if line.startswith("Agent page:"):
            url = line.split()[-1].rstrip("/")
        elif line.split(":")[0].endswith(" key"):
            keys[line.split()[0]] = line.split()[2]
        if url and len(keys) == 3:
            return url, keys
    raise RuntimeError(f"contextfeed replay exited {process.wait()}:\n{(process.stderr or ()).read()[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    """Serve the world and an empty database alike; report the start, the memory and the demo's memory."""
    args, world = World.parse(__doc__, argv, postgres=True)
    ids = world.sample_ids(BULK_IDS)
    single = scaled(args, SINGLE_CHECKS, least=10)
    answering, indexed, resident, peak = served_memory(world.served_env("memory"), ids, single_checks=single)
    say("probe: the same server on an empty database")
    empty_answering, _, empty_resident, _ = served_memory(world.empty_env("memory-empty"), ids[:1], single_checks=0)
    say("the demo: contextfeed replay of the Boston scenario")
    demo = demo_memory(world)
    probe_what = "same server, empty database"
    return report(
        [
            Row(
                f"serve start to answering checks from memory, {world.accounts:,} accounts",
                answering,
                "s",
                TARGET_START_S,
                at_most=True,
                probe=empty_answering,
                probe_what=probe_what,
            ),
            Row(
                f"service memory with {world.accounts:,} accounts indexed and the gazetteer loaded (RSS after "
                "checks, feed reads and an account update)",
                resident,
                "GB",
                TARGET_GB,
                at_most=True,
                note=f"{indexed:.2f} GB once indexed, before the gazetteer; peak {peak:.2f} GB",
                probe=empty_resident,
                probe_what=probe_what,
            ),
            Row(
                "demo memory: contextfeed replay, 15 accounts, gazetteer loaded (RSS after an account update)",
                demo,
                "GB",
                TARGET_DEMO_GB,
                at_most=True,
            ),
        ],
        args,
    )


if __name__ == "__main__":
    sys.exit(main())
