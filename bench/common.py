"""What every benchmark shares: its arguments, the CLI as a subprocess, a served API, and the rows it reports.

Not a benchmark itself; each `bench/bench_*.py` builds on it and `python -m bench` runs them all.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
CONFIG = REPO / "config" / "contextfeed.toml"
FULL_ACCOUNTS = 1_000_000
# The targets are set at ten times the default world (`--scale 10`).
TARGET_ACCOUNTS = 10_000_000
COLUMNS = ("what", "measured", "probe", "ratio", "target", "result")
SERVER_START_TIMEOUT_S = 120
# Building the suppression index of ten million accounts on a loaded machine.
INDEX_BUILD_TIMEOUT_S = 900
POSTGRES_LABEL = "PostgreSQL: "


@dataclass(frozen=True)
class Row:
    """One line of the results table: a measured value against its target, and the probe of the same work.

    The probe is the bare work measured in the same run (same data, same JSON library, same server
    stack): on a shared machine an absolute figure moves with the neighbours, its ratio to the probe
    much less. `ratio` is how many times the probe's cost the row took (time over the probe's time,
    or the probe's rate over the row's rate), so 1.0 is as fast as the bare work and more is overhead.
    Quality rows (scores, shares) have no probe.
    """

    what: str
    value: float
    unit: str
    target: float
    at_most: bool
    note: str = ""
    probe: float | None = None
    probe_what: str = ""
    ratio_target: float | None = None

    @property
    def ratio(self) -> float | None:
        """The row's cost in probes (None without a probe)."""
        if not self.probe or not self.value:
            return None
        return self.value / self.probe if self.at_most else self.probe / self.value

    @property
    def passed(self) -> bool:
        """True when the value is on the right side of the target, and the ratio within its target if it has one."""
        within = self.value <= self.target if self.at_most else self.value >= self.target
        ratio = self.ratio
        return within and (self.ratio_target is None or (ratio is not None and ratio <= self.ratio_target))

    def cells(self) -> list[str]:
        """The row as table cells: what, measured, probe, ratio, target, pass/miss."""
        measured = amount(self.value, self.unit) + (f" ({cell_text(self.note)})" if self.note else "")
        probe = "–" if self.probe is None else amount(self.probe, self.unit) + f" ({self.probe_what})"
        ratio = "–" if self.ratio is None else f"{self.ratio:.2f}x"
        target = ("<= " if self.at_most else ">= ") + amount(self.target, self.unit)
        if self.ratio_target is not None:
            target += f", <= {self.ratio_target:g}x probe"
        return [self.what, measured, probe, ratio, target, "pass" if self.passed else "MISS"]


def cell_text(text: str) -> str:
    """Text fit for one Markdown table cell: on one line (a writer's traceback is not), its bars escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def amount(value: float, unit: str) -> str:
    """A value with its unit, to a sensible precision."""
    if unit in ("s", "ms"):
        return f"{value:.2f} {unit}" if value < 10 else f"{value:.1f} {unit}"
    if unit == "GB":
        return f"{value:.2f} GB"
    if unit == "%":
        return f"{value:.2f}%"
    if unit == "score":
        return f"{value:.3f}"
    return f"{value:,.0f} {unit}"


def table(rows: Sequence[Row]) -> str:
    """A Markdown table of the rows."""
    lines = [f"| {' | '.join(COLUMNS)} |", "| " + " | ".join("---" for _ in COLUMNS) + " |"]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def report(rows: Sequence[Row], args: argparse.Namespace) -> int:
    """Print the rows as a table and append them to `--rows` (JSON lines) when given; 0 always.

    Rows measured on PostgreSQL (`--database-url`) say so, so they never pass for the SQLite figures.
    """
    if args.database_url:
        rows = [replace(row, what=f"{POSTGRES_LABEL}{row.what}") for row in rows]
    print(table(rows), flush=True)
    if args.rows:
        with args.rows.open("a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(asdict(row)) + "\n")
    return 0


def read_rows(path: Path) -> list[Row]:
    """Rows appended by `report`."""
    if not path.exists():
        return []
    return [Row(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def postgres_url(value: str) -> str:
    """`--database-url`'s value, refused unless it is a PostgreSQL URL."""
    if make_url(value).get_backend_name() != "postgresql":
        raise argparse.ArgumentTypeError(f"not a PostgreSQL URL: {value}")
    return value


def parser(doc: str, *, postgres: bool = False) -> argparse.ArgumentParser:
    """Every benchmark's arguments (size, cached data, seed, rows file), and `--database-url` for those that take it."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if postgres:
        parser.add_argument(
            "--database-url",
            type=postgres_url,
            help="run on this PostgreSQL server instead of SQLite: the SQLAlchemy URL of any database "
            "there (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres); the benchmark "
            "databases are created on it and kept between runs",
        )
    else:
        parser.set_defaults(database_url=None)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="the world's size as a multiple of 1,000,000 accounts (10: the issue's 10M targets; small values "
        "for a smoke run); the work asked of it (100,000 ids, 10,000 news entries...) shrinks with it, never grows",
    )
    parser.add_argument("--accounts", type=int, help="the world's number of accounts (sets --scale to it / 1,000,000)")
    parser.add_argument(
        "--cache",
        type=Path,
        default=RESULTS / "cache",
        help="where generated data, databases and the gazetteer index are kept between runs",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rows", type=Path, help="also append the result rows to this file (JSON lines)")
    return parser


def scaled(args: argparse.Namespace, full: int, *, least: int = 1) -> int:
    """`full` times the scale (never more than `full`: a bigger world is asked the same work), at least `least`."""
    return max(least, round(full * min(1.0, args.scale)))


def world_size(args: argparse.Namespace) -> int:
    """The number of accounts of the world at this scale (it grows past 1,000,000; at least 500)."""
    return max(500, round(FULL_ACCOUNTS * args.scale))


def parse_scale(arguments: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """`arguments` parsed, `--accounts N` turned into its scale."""
    args = arguments.parse_args(argv)
    if args.accounts is not None:
        if args.accounts < 1:
            arguments.error("--accounts must be at least 1")
        args.scale = args.accounts / FULL_ACCOUNTS
    if args.scale <= 0:
        arguments.error("--scale must be above 0")
    return args


def say(message: str) -> None:
    """A progress line on stderr, so stdout keeps only results."""
    print(message, file=sys.stderr, flush=True)


def median_seconds(run: Callable[[], object], times: int) -> float:
    """The median wall time of `times` runs of `run`."""
    timings = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def contextfeed_command() -> list[str]:
    """The console script next to this interpreter (what users run), else `python -m contextfeed`."""
    script = Path(sys.executable).parent / "contextfeed"
    return [str(script)] if script.exists() else [sys.executable, "-m", "contextfeed"]


def sqlite_url(database: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{database}"


def environment(database_url: str, data_dir: Path) -> dict[str, str]:
    """This process's environment with contextfeed on `database_url`, `data_dir` and the repository config."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CONTEXTFEED_")}
    env.update(
        CONTEXTFEED_CONFIG=str(CONFIG), CONTEXTFEED_DATA_DIR=str(data_dir), CONTEXTFEED_DATABASE_URL=database_url
    )
    return env


def contextfeed(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `contextfeed ARGS...`; raises with its stderr when it fails."""
    result = subprocess.run(
        [*contextfeed_command(), *map(str, args)], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise RuntimeError(f"contextfeed {' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr}")
    return result


def timed_contextfeed(*args: str | Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    """`contextfeed` and its wall time in seconds, process start included."""
    started = time.perf_counter()
    result = contextfeed(*args, env=env)
    return result, time.perf_counter() - started


@dataclass(frozen=True)
class Service:
    """A running `contextfeed serve`: its address, a dialer key, its process id (for /proc), when it was started."""

    url: str
    key: str
    pid: int
    # time.perf_counter() when the process was started, seconds until /healthz answered, and until
    # checks were answered from memory (the database answers them while the index builds).
    started: float = 0.0
    up_after: float = 0.0
    in_memory_after: float = 0.0

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header of the dialer key."""
        return {"Authorization": f"Bearer {self.key}"}


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_flags() -> list[str]:
    """`--no-scheduler` when this version of `serve` has it: a benchmark measures the API, not the crawler."""
    help_text = subprocess.run([*contextfeed_command(), "serve", "--help"], capture_output=True, text=True).stdout
    return ["--no-scheduler"] if "--no-scheduler" in help_text else []


@contextmanager
def served(env: dict[str, str]) -> Iterator[Service]:
    """`contextfeed serve` on a free 127.0.0.1 port with a new dialer key; always stopped on the way out."""
    key = contextfeed("apikey", "create", "--name", "bench", "--scope", "dialer", env=env).stdout.strip()
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [*contextfeed_command(), "serve", "--host", "127.0.0.1", "--port", str(port), *serve_flags()],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, url)
        up_after = time.perf_counter() - started
        # Every benchmark times checks answered from memory, not the database's answers meanwhile.
        wait_until_in_memory(process, url, key)
        yield Service(
            url=url,
            key=key,
            pid=process.pid,
            started=started,
            up_after=up_after,
            in_memory_after=time.perf_counter() - started,
        )
    finally:
        stop(process)


def wait_until(process: subprocess.Popen, ready: Callable[[], bool], *, timeout_s: float, every_s: float) -> bool:
    """Poll `ready()` until it holds (True) or `timeout_s` passes (False); raises with its stderr if the server exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"contextfeed serve exited {process.returncode}:\n{process.stderr.read()}")
        if ready():
            return True
        time.sleep(every_s)
    return False


def wait_until_up(process: subprocess.Popen, url: str) -> None:
    """Poll /healthz until the service answers; raises with its stderr if it exits or takes too long."""

    def healthy() -> bool:
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    if not wait_until(process, healthy, timeout_s=SERVER_START_TIMEOUT_S, every_s=0.1):
        raise RuntimeError(f"contextfeed serve did not answer on {url} within {SERVER_START_TIMEOUT_S} s")


def wait_until_in_memory(process: subprocess.Popen, url: str, key: str) -> None:
    """Poll GET /v1/suppression/index until the service answers checks from memory."""

    def in_memory() -> bool:
        state = httpx.get(f"{url}/v1/suppression/index", headers={"Authorization": f"Bearer {key}"}, timeout=5)
        state.raise_for_status()
        return state.json()["in_memory"]

    if not wait_until(process, in_memory, timeout_s=INDEX_BUILD_TIMEOUT_S, every_s=0.2):
        raise RuntimeError(f"the suppression index of {url} was not built within {INDEX_BUILD_TIMEOUT_S} s")


def stop(process: subprocess.Popen) -> None:
    """Stop the server as Ctrl-C would, and kill it if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()


@contextmanager
def served_client(env: dict[str, str]) -> Iterator[tuple[Service, httpx.Client]]:
    """`served`, with an httpx client on it that sends the dialer key."""
    with served(env) as service, httpx.Client(base_url=service.url, headers=service.headers, timeout=120) as client:
        yield service, client


def post_check(client: httpx.Client, body: bytes) -> bytes:
    """POST a JSON suppression check; the answer (raises unless 200)."""
    response = client.post("/v1/suppression/check", content=body, headers={"Content-Type": "application/json"})
    response.raise_for_status()
    return response.content


def memory_gb(pid: int) -> tuple[float, float]:
    """Resident set size now and at its peak (VmRSS, VmHWM) of a process, in GB (10^9 bytes)."""
    status = Path(f"/proc/{pid}/status").read_text()
    kilobytes = {
        line.split(":")[0]: int(line.split()[1])
        for line in status.splitlines()
        if line.startswith(("VmRSS:", "VmHWM:"))
    }
    return kilobytes["VmRSS"] * 1024 / 1e9, kilobytes["VmHWM"] * 1024 / 1e9
