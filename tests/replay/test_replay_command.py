"""`contextfeed replay` as a user runs it: a real process, polled over HTTP while the replayed day goes by."""

from __future__ import annotations

import time
from itertools import groupby

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_watertown_goes_from_allowed_to_suppressed_to_allowed_as_the_replayed_day_passes(replay_process):
    # 3600x: a replayed hour a second. The shelter-in-place runs 10:30Z-22:05Z (cancelled), so the
    # whole day takes about 13 s; `at` is left out, so each check asks about the replay clock's now.
    with (
        replay_process("--speed", "3600", "--start", "2013-04-19T09:00:00Z") as replay,
        httpx.Client(base_url=replay.url, headers=replay.headers("dialer"), timeout=10) as client,
    ):
        seen = []
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and [suppress for suppress, _ in groupby(seen)] != [False, True, False]:
            response = client.post("/v1/suppression/check", json={"account_ids": ["A002"]})
            assert response.status_code == 200, response.text
            result = response.json()["results"][0]
            seen.append(result["suppress"])
            if result["suppress"]:
                assert "Shelter in Place Warning — Watertown" in result["reasons"][0]["text"]
            time.sleep(0.1)
        state = client.get("/v1/replay").json()
    assert [suppress for suppress, _ in groupby(seen)] == [False, True, False]
    assert state["instant"] > "2013-04-19T22:05:00Z" and state["speed"] == 3600 and not state["paused"]
