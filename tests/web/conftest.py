"""Fixtures of the page tests: the seeded world (see tests/api/world.py) and a live server on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from tests.api.world import World, seeded_template, world  # noqa: F401  (fixtures)


@pytest.fixture
def live_server(world: World) -> Iterator[str]:  # noqa: F811  (the fixture, imported above)
    """The seeded service served by uvicorn on a free loopback port; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(world.client.app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
