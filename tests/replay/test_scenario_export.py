"""`scenario export`: a database's events written back as a scenario that replays to the same flags."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from contextfeed.bootstrap import build_app
from contextfeed.config import load_settings
from contextfeed.db.models import Event
from contextfeed.training.scenario_export import export_scenario
from tests.conftest import DATA
from tests.replay.conftest import BUNDLED_BOSTON
from tests.scenarios.test_scenarios import SCENARIOS
from tests.scenarios.test_scenarios import replay as check_scenario

KINDS = (
    "cap:cap/usgs_earthquake.xml",
    "cap:meteoalarm/ireland_cap.xml",
    "nws:nws/alerts_active_two_updates.json",
    "usgs:usgs/synthetic_with_null_mag.geojson",
    "gdacs:gdacs/gdacs_rss_1.xml",
    "fema:fema/declarations.json",
    "rss:rss/news_georss_line_box.xml",
)


def flags_at(cli, instants: list[str]) -> dict[str, list[tuple]]:
    """Every flag in force at each instant, without the ids the database gave."""
    seen = {}
    for at in instants:
        status, out, err = cli("flags", "--as-of", at, "--json")
        assert status == 0, err
        seen[at] = sorted(
            (flag["account_id"], flag["level"], flag["rule"], flag["reason"], flag["starts_at"], flag["expires_at"])
            for flag in json.loads(out)
        )
    return seen


def events(cli) -> dict[tuple[str, str], dict]:
    """The stored events, as the pipeline read them, by identity: everything but row ids and arrival times."""
    skipped = {"id", "source_id", "first_seen_at", "last_seen_at", "content_hash", "language"}
    with build_app(load_settings()).database.read() as session:
        return {
            (event.sender, event.external_id): {
                **{
                    column.name: getattr(event, column.name)
                    for column in Event.__table__.columns
                    if column.name not in skipped
                },
                "areas": sorted(
                    (
                        area.description,
                        area.polygons,
                        area.circles,
                        area.unresolved,
                        sorted((code.code_type, code.code) for code in area.codes),
                    )
                    for area in event.areas
                ),
                "references": sorted((ref.ref_sender, ref.ref_identifier, ref.ref_sent) for ref in event.references),
                "aliases": sorted(alias.alias for alias in event.aliases),
            }
            for event in session.scalars(select(Event))
        }


def use_new_database(monkeypatch, tmp_path: Path, name: str) -> None:
    """Point the CLI at another, empty database."""
    monkeypatch.setenv("CONTEXTFEED_DATABASE_URL", f"sqlite:///{tmp_path / name}.db")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.name)
def test_an_exported_scenario_replays_to_the_same_flags(cli, migrated, monkeypatch, tmp_path, scenario):
    assert check_scenario(cli, scenario, seed=None) == []
    folder = tmp_path / "drill"
    status, out, err = cli(
        "scenario",
        "export",
        "--from",
        "2000-01-01T00:00:00Z",
        "--to",
        "2030-01-01T00:00:00Z",
        "--accounts",
        scenario / "accounts.csv",
        folder,
    )
    assert status == 0, err
    assert f"replay it with: contextfeed replay {folder}" in out
    exported = json.loads((folder / "expected.json").read_text())
    assert exported["checks"] and all(entry["file"].startswith("feeds/") for entry in exported["documents"])
    instants = sorted(
        {check["at"] for check in exported["checks"] + json.loads((scenario / "expected.json").read_text())["checks"]}
    )
    before, stored = flags_at(cli, instants), events(cli)

    use_new_database(monkeypatch, tmp_path, "replayed")
    assert check_scenario(cli, folder, seed=2) == []  # its own snapshot checks, and the original's:
    assert check_scenario(cli, scenario, seed=None) == []
    assert flags_at(cli, instants) == before
    assert events(cli) == stored


def test_every_kind_of_event_is_written_back_in_its_own_format(cli, migrated, monkeypatch, tmp_path):
    for item in KINDS:
        kind, path = item.split(":")
        status, _, err = cli("ingest", DATA / path, "--kind", kind, "--source", f"{kind}-feed")
        assert status == 0, err
    stored = events(cli)
    assert {event["kind"] for event in stored.values()} == {"cap", "nws", "usgs", "gdacs", "fema", "rss"}
    status, out, err = cli(
        "scenario",
        "export",
        "--from",
        "1990-01-01T00:00:00Z",
        "--to",
        "2030-01-01T00:00:00Z",
        "--accounts",
        BUNDLED_BOSTON / "accounts.csv",
        tmp_path / "all-kinds",
    )
    assert status == 0, err
    assert "18 documents (2 cap, 3 fema, 4 gdacs, 2 nws, 4 rss, 3 usgs)" in out

    use_new_database(monkeypatch, tmp_path, "replayed")
    assert check_scenario(cli, tmp_path / "all-kinds", seed=None) == []
    assert events(cli) == stored


def test_export_refuses_a_folder_that_is_not_empty_and_an_unreadable_accounts_file(cli, migrated, tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    status, _, err = cli(
        "scenario",
        "export",
        "--from",
        "2013-04-15T00:00:00Z",
        "--to",
        "2013-04-21T00:00:00Z",
        "--accounts",
        BUNDLED_BOSTON / "accounts.csv",
        tmp_path / "taken",
    )
    assert status == 1 and "is not empty" in err
    status, _, err = cli(
        "scenario",
        "export",
        "--from",
        "2013-04-15T00:00:00Z",
        "--to",
        "2013-04-21T00:00:00Z",
        "--accounts",
        tmp_path / "missing.csv",
        tmp_path / "new",
    )
    assert status == 1 and "cannot read" in err
    status, _, err = cli(
        "scenario",
        "export",
        "--from",
        "2013-04-21T00:00:00Z",
        "--to",
        "2013-04-15T00:00:00Z",
        "--accounts",
        BUNDLED_BOSTON / "accounts.csv",
        tmp_path / "new",
    )
    assert status == 1 and "--to must be after --from" in err


def test_the_snapshot_checks_pin_each_flagged_accounts_level_at_a_few_instants(cli, migrated, tmp_path):
    boston = DATA / "scenarios" / "boston-2013"
    assert check_scenario(cli, boston, seed=None) == []
    app = build_app(load_settings())
    report = export_scenario(
        app,
        start=datetime(2013, 4, 15, tzinfo=UTC),
        end=datetime(2013, 4, 21, tzinfo=UTC),
        accounts=boston / "accounts.csv",
        folder=tmp_path / "drill",
    )
    checks = json.loads((tmp_path / "drill" / "expected.json").read_text())["checks"]
    assert report.instants <= 12 and report.checks == len(checks)
    watertown = [(check["at"], check["expect"]) for check in checks if check["account"] == "A002"]
    assert ("2013-04-15T00:00:00Z", "none") in watertown
    assert any(expect == "do_not_chase" and "2013-04-19T10:30" < at < "2013-04-19T22:05" for at, expect in watertown)
    assert not any(check["account"] == "A009" for check in checks)  # Manila is never flagged
