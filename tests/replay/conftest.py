"""Fixtures of the replay tests: the bundled Boston scenario, in-process or as a real `contextfeed replay` process."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import contextfeed
from contextfeed.api.app import create_api
from contextfeed.bootstrap import shared_gazetteer
from contextfeed.config import load_settings
from contextfeed.training.replay import load_scenario
from contextfeed.training.service import ReplayService, prepare_replay

BUNDLED_BOSTON = Path(contextfeed.__file__).resolve().parent / "training" / "scenarios" / "boston-2013"
CLI = Path(sys.executable).parent / "contextfeed"


@pytest.fixture
def replay_service(environment, data_dir) -> Iterator[ReplayService]:
    """The bundled Boston scenario ready to replay in this process; its clock paused at the first document."""
    service = prepare_replay(load_settings(), load_scenario(BUNDLED_BOSTON), start=None, speed=60)
    yield service
    service.app.close()
    service.app.database.dispose()


@pytest.fixture
def client(replay_service) -> TestClient:
    """An HTTP client of the replay's API."""
    return TestClient(create_api(replay_service.app, replay=replay_service.replay))


def bearer(service: ReplayService, scope: str) -> dict[str, str]:
    """The Authorization header of the replay's key for `scope`."""
    return {"Authorization": f"Bearer {service.keys[scope]}"}


@dataclass(frozen=True)
class RunningReplay:
    """A `contextfeed replay` process: its base URL and the keys it printed."""

    url: str
    keys: dict[str, str]

    def headers(self, scope: str) -> dict[str, str]:
        """The Authorization header for the key of `scope`."""
        return {"Authorization": f"Bearer {self.keys[scope]}"}


@pytest.fixture
def replay_process(environment, data_dir):
    """Start `contextfeed replay BUNDLED_BOSTON ARGS...` on a free loopback port (see `running_replay`)."""
    shared_gazetteer(data_dir)  # built here, once, rather than inside the process's start-up time

    return running_replay


@contextmanager
def running_replay(*arguments: str) -> Iterator[RunningReplay]:
    """The replay command as a subprocess, once it printed its URL and keys; terminated whatever happens."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(
            [str(CLI), "replay", str(BUNDLED_BOSTON), "--host", "127.0.0.1", "--port", "0", *arguments],
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        # A process that hangs before printing would block readline forever: kill it after a minute.
        watchdog = threading.Timer(60, process.kill)
        watchdog.start()
        try:
            url, keys = None, {}
            for line in process.stdout:
                if line.startswith("Agent page:"):
                    url = line.split()[-1].rstrip("/")
                elif line.split(":")[0].endswith(" key"):
                    keys[line.split()[0]] = line.split()[2]
                if len(keys) == 3:
                    break
            watchdog.cancel()
            errors.seek(0)
            assert url and len(keys) == 3, f"replay did not start: {errors.read()[-3000:]}"
            yield RunningReplay(url, keys)
        finally:
            watchdog.cancel()
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()
