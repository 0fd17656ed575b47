"""Exactly one scheduler: two worker processes share a database, one crawls; kill it and the other takes over."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from contextfeed.db.migrate import upgrade
from tests.conftest import DATA, REPO
from tests.test_crawl import FeedServer

LEADING = "this process now runs the scheduler"
pytestmark = pytest.mark.slow


class Worker:
    """A `contextfeed worker` (or `serve`) process whose stderr is collected as it comes."""

    def __init__(self, env: dict[str, str], *command: str) -> None:
        cli = Path(sys.executable).parent / "contextfeed"
        # -v: taking the scheduler over is news (INFO), not trouble (WARNING).
        self.process = subprocess.Popen(
            [cli, "-v", *(command or ("worker",))], env=env, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)

    @property
    def leading(self) -> bool:
        return any(LEADING in line for line in self.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def worker_env(tmp_path, environment):
    server = FeedServer(
        {"/mema.xml": (DATA / "scenarios" / "boston-2013" / "feeds" / "mema_shelter_in_place.xml").read_bytes()}
    )
    config = tmp_path / "contextfeed.toml"
    policy = (
        (REPO / "config" / "contextfeed.toml")
        .read_text()
        .split("# ---------------------------------------------------------------- policy")[1]
    )
    config.write_text(
        f'''
[fetch]
allow_networks = ["127.0.0.1/32"]

[schedule]
interval_minutes = 0.02
jitter_seconds = 0
leader_poll_seconds = 0.5

[[sources]]
name = "mema"
kind = "cap"
url = "{server.url}/mema.xml"
'''
        + "# policy"
        + policy
    )
    env = dict(os.environ, CONTEXTFEED_CONFIG=str(config))
    upgrade(env["CONTEXTFEED_DATABASE_URL"])
    yield env, server
    server.close()


def test_only_one_worker_crawls_and_another_takes_over_when_it_dies(worker_env):
    env, server = worker_env
    first = Worker(env)
    second = None
    try:
        assert wait_for(lambda: first.leading, 60), "".join(first.lines)
        second = Worker(env)
        assert wait_for(lambda: len(server.requests) >= 2, 30), "".join(first.lines)
        time.sleep(2)
        assert not second.leading, "a second process must not run the scheduler while the first lives"
        first.process.kill()
        first.process.wait(timeout=10)
        seen = len(server.requests)
        assert wait_for(lambda: second.leading, 30), "".join(second.lines)
        assert wait_for(lambda: len(server.requests) > seen, 30), "the new leader must crawl"
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_serve_runs_the_scheduler_unless_told_not_to(worker_env):
    env, server = worker_env
    quiet = Worker(env, "serve", "--port", "0", "--no-scheduler")
    leader = None
    try:
        time.sleep(3)
        assert not quiet.leading and not server.requests
        leader = Worker(env, "serve", "--port", "0")
        assert wait_for(lambda: leader.leading, 60), "".join(leader.lines)
        assert wait_for(lambda: len(server.requests) >= 1, 30)
    finally:
        quiet.stop()
        if leader is not None:
            leader.stop()
