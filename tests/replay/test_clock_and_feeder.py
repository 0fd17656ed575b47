"""The replay clock and feeder (with a fake monotonic clock: no waiting, no database) and the bundled scenario."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from contextfeed.training.replay import ReplayClock, ReplayFeeder, load_scenario
from tests.conftest import DATA
from tests.replay.conftest import BUNDLED_BOSTON

START = datetime(2013, 4, 19, 9, 0, tzinfo=UTC)


class FakeMonotonic:
    """Real seconds that pass only when told to."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def real() -> FakeMonotonic:
    return FakeMonotonic()


def test_a_running_clock_moves_speed_times_faster_than_real_time(real):
    clock = ReplayClock(START, speed=3600, monotonic=real)
    real.seconds += 1.5
    assert clock.now() == START + timedelta(hours=1.5)
    assert clock.now().tzinfo is not None


def test_a_paused_clock_stands_still_and_resumes_where_it_stopped(real):
    clock = ReplayClock(START, speed=60, monotonic=real)
    real.seconds += 60
    clock.pause()
    real.seconds += 600
    assert clock.now() == START + timedelta(hours=1)
    assert clock.state() == {"instant": START + timedelta(hours=1), "speed": 60, "paused": True}
    clock.resume()
    real.seconds += 1
    assert clock.now() == START + timedelta(hours=1, minutes=1)


def test_a_clock_can_start_paused_and_a_jump_keeps_it_paused(real):
    clock = ReplayClock(START, speed=60, paused=True, monotonic=real)
    real.seconds += 100
    assert clock.now() == START
    clock.jump(datetime(2013, 4, 19, 11, 0))  # naive instants are UTC
    real.seconds += 100
    assert clock.now() == datetime(2013, 4, 19, 11, 0, tzinfo=UTC)


def test_a_jump_back_runs_on_from_the_new_instant(real):
    clock = ReplayClock(START, speed=2, monotonic=real)
    clock.jump(START - timedelta(days=1))
    real.seconds += 30
    assert clock.now() == START - timedelta(days=1) + timedelta(minutes=1)


def test_a_new_speed_counts_from_the_moment_it_is_set(real):
    clock = ReplayClock(START, speed=60, monotonic=real)
    real.seconds += 60
    clock.set_speed(3600)
    real.seconds += 2
    assert clock.now() == START + timedelta(hours=3)
    with pytest.raises(ValueError):
        clock.set_speed(0)
    with pytest.raises(ValueError):
        ReplayClock(START, speed=-1)


def test_each_item_of_a_feed_appears_at_its_own_time_not_all_at_the_first():
    scenario = load_scenario(BUNDLED_BOSTON)
    news = [document for document in scenario.documents if document.path.name == "news.rss"]
    assert len(news) == 7 and all(len(document.result.events) == 1 for document in news)
    assert [document.at for document in scenario.documents] == sorted(document.at for document in scenario.documents)
    assert scenario.first_instant == datetime(2013, 4, 15, 19, 5, tzinfo=UTC)
    assert scenario.name == "boston-2013" and scenario.accounts.name == "accounts.csv"


def test_the_feeder_ingests_what_is_due_once_and_a_jump_back_undoes_nothing(real):
    scenario = load_scenario(BUNDLED_BOSTON)
    clock = ReplayClock(datetime(2013, 4, 19, 10, 0, tzinfo=UTC), speed=3600, monotonic=real)
    ingested = []
    feeder = ReplayFeeder(scenario, clock, ingested.append)
    assert feeder.tick() == 6  # four days of news, the flood warning and the 09:00 test message
    assert feeder.tick() == 0
    real.seconds += 0.5  # 10:30, the shelter-in-place
    assert feeder.tick() == 1 and ingested[-1].path.name == "mema_shelter_in_place.xml"
    clock.jump(datetime(2013, 4, 15, tzinfo=UTC))
    assert feeder.tick() == 0 and feeder.replayed == 7 == len(ingested)


def test_a_broken_recording_is_logged_and_the_replay_goes_on(real, caplog):
    scenario = load_scenario(BUNDLED_BOSTON)
    clock = ReplayClock(datetime(2013, 4, 21, tzinfo=UTC), monotonic=real)

    def ingest(document):
        if document.path.name == "mema_test_message.xml":
            raise RuntimeError("disk full")

    feeder = ReplayFeeder(scenario, clock, ingest)
    assert feeder.tick() == len(scenario.documents)
    assert "mema_test_message.xml" in caplog.text and "disk full" in caplog.text


def test_a_folder_without_expected_json_or_with_an_empty_document_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not a scenario folder"):
        load_scenario(tmp_path)
    (tmp_path / "accounts.csv").write_text("account_id\nA1\n")
    (tmp_path / "empty.rss").write_text("<rss version='2.0'><channel></channel></rss>")
    (tmp_path / "expected.json").write_text(
        json.dumps({"documents": [{"file": "empty.rss", "kind": "rss", "source": "wire"}], "checks": []})
    )
    with pytest.raises(ValueError, match="empty.rss: no events"):
        load_scenario(tmp_path)


def test_the_bundled_boston_scenario_is_the_one_the_suite_checks():
    tested = DATA / "scenarios" / "boston-2013"
    files = sorted(path.relative_to(tested) for path in tested.rglob("*") if path.is_file())
    assert files == sorted(path.relative_to(BUNDLED_BOSTON) for path in BUNDLED_BOSTON.rglob("*") if path.is_file())
    assert all((BUNDLED_BOSTON / name).read_bytes() == (tested / name).read_bytes() for name in files)
