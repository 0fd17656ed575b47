"""Events are intervals computed from every message held: the ingest order never changes them."""

import json
import random

import pytest
from sqlalchemy import select

from contextfeed.db.engine import Database
from contextfeed.db.migrate import upgrade
from contextfeed.db.models import Event, Flag
from tests.conftest import DATA

SCENARIOS = [DATA / "scenarios" / "boston-2013", DATA / "scenarios" / "louisiana-hurricane-2021"]


def replay_state(cli, monkeypatch, tmp_path, scenario, seed: int):
    """Ingest a scenario's documents in a seeded order into a fresh database; return its events and flags."""
    url = f"sqlite:///{tmp_path / f'order-{seed}.db'}"
    monkeypatch.setenv("CONTEXTFEED_DATABASE_URL", url)
    upgrade(url)
    cli("accounts", "import", scenario / "accounts.csv")
    documents = json.loads((scenario / "expected.json").read_text())["documents"]
    random.Random(seed).shuffle(documents)
    for document in documents:
        assert (
            cli("ingest", scenario / document["file"], "--kind", document["kind"], "--source", document["source"])[0]
            == 0
        )
    with Database.from_url(url).read() as session:
        events = {
            (e.sender, e.external_id): (e.valid_from, e.valid_until, e.ended_by) for e in session.scalars(select(Event))
        }
        flags = {(f.account_id, f.level, f.rule, f.starts_at, f.expires_at) for f in session.scalars(select(Flag))}
    return events, flags


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.name)
def test_shuffled_ingest_orders_give_identical_events_intervals_and_flags(
    cli, environment, monkeypatch, tmp_path, scenario
):
    reference = replay_state(cli, monkeypatch, tmp_path, scenario, seed=0)
    assert reference[0] and reference[1]
    for seed in (1, 2, 3):
        assert replay_state(cli, monkeypatch, tmp_path, scenario, seed=seed) == reference


def test_a_cancel_that_arrives_first_still_ends_the_alert_at_its_sent_time(cli, migrated):
    feeds = DATA / "scenarios" / "boston-2013" / "feeds"
    cli("ingest", feeds / "mema_shelter_in_place_cancel.xml", "--kind", "cap", "--source", "mema")
    cli("ingest", feeds / "mema_shelter_in_place.xml", "--kind", "cap", "--source", "mema")
    with Database.from_url(migrated).read() as session:
        alert = session.scalars(select(Event).where(Event.external_id == "MEMA-2013-04-19-0630-SIP")).one()
        assert alert.valid_until.isoformat() == "2013-04-19T22:05:00+00:00"
        assert alert.ended_by.startswith("cancelled by MEMA-2013-04-19-1805-SIP-CANCEL")
