"""`contextfeed policy simulate`: what the policy would do with recorded documents, the operator's flags untouched."""

import json
from pathlib import Path

import pytest

from bench.us_book import write_us_book
from contextfeed.geo.gazetteer import Gazetteer
from tests.conftest import DATA

BOSTON = DATA / "scenarios" / "boston-2013"
NIGHT = DATA / "calibration" / "nws_national_index_2018-08-15.atom"
NEVER_SUPPRESSING = ("watch", "red flag", "fire weather")


def simulated(cli, *args) -> dict:
    status, out, err = cli("policy", "simulate", *args, "--json")
    assert status == 0, err
    return json.loads(out)


def test_simulating_the_boston_feeds_over_the_database_accounts_leaves_the_database_without_flags(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    result = simulated(cli, BOSTON / "feeds", "--at", "2013-04-19T11:00:00Z")
    # The six accounts inside the shelter-in-place polygon, and Springfield, IL under its flood warning.
    assert result["levels"]["do_not_chase"]["accounts"] == 7
    assert [(event["event_type"], event["accounts"]) for event in result["top_events"]] == [
        ("Shelter in Place Warning", 6),
        ("Flood Warning", 1),
    ]
    status, out, _ = cli("flags", "--as-of", "2013-04-19T11:00:00Z")
    assert status == 0 and out.startswith("no flags in force")


def test_a_window_counts_every_account_flagged_during_it_and_charts_the_suppressed_over_time(cli, migrated, tmp_path):
    cli("accounts", "import", BOSTON / "accounts.csv")
    svg = tmp_path / "chart.svg"
    status, out, err = cli(
        "policy",
        "simulate",
        BOSTON / "feeds",
        "--from",
        "2013-04-15T18:00:00Z",
        "--to",
        "2013-04-20T06:00:00Z",
        "--svg",
        svg,
    )
    assert status == 0, err
    assert "accounts by level:" in out and "accounts with do_not_chase over time:" in out
    assert "Flood Warning" in out and "Shelter in Place Warning" in out
    assert svg.read_text().startswith("<svg") and svg.read_text().count("<rect") == 24


def test_files_that_are_not_alerts_are_named_in_one_line_each_and_the_rest_is_simulated(cli, migrated, tmp_path):
    cli("accounts", "import", BOSTON / "accounts.csv")
    folder = tmp_path / "night"
    folder.mkdir()
    (folder / "notes.txt").write_text("what we saw tonight\n")
    (folder / "sip.xml").write_bytes((BOSTON / "feeds" / "mema_shelter_in_place.xml").read_bytes())
    status, out, err = cli("policy", "simulate", folder, "--at", "2013-04-19T11:00:00Z")
    assert status == 0
    assert err.count("\n") == 1 and "notes.txt: not an alert document" in err and "Traceback" not in err
    assert "do_not_chase" in out


def test_simulate_over_a_database_without_accounts_says_so_in_one_line(cli, migrated):
    status, _, err = cli("policy", "simulate", BOSTON / "feeds" / "mema_shelter_in_place.xml")
    assert status == 1 and err.strip() == (
        "contextfeed: the database has no accounts: import some, or give --accounts FILE"
    )


def test_simulate_without_any_alert_document_says_so(cli, migrated, tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here\n")
    status, _, err = cli("policy", "simulate", tmp_path / "notes.txt")
    assert status == 1 and "no alert documents to simulate" in err


@pytest.fixture(scope="module")
def night(tmp_path_factory, data_dir) -> Path:
    """A 20,000-account US book weighted by county population (bench/us_book.py, fixed seed)."""
    return write_us_book(tmp_path_factory.mktemp("book") / "us.csv", Gazetteer.load(data_dir), accounts=20_000)


def test_a_routine_national_night_suppresses_at_most_3_percent_and_never_for_a_watch_or_fire_weather(cli, night):
    result = simulated(cli, NIGHT, "--accounts", night)
    assert result["accounts"] == 20_000
    assert 0 < result["levels"]["do_not_chase"]["share"] <= 0.03
    suppressing = {row["event_type"] for row in result["by_event_type"] if row["level"] == "do_not_chase"}
    suppressing |= {event["event_type"] for event in result["top_events"]}
    assert "Flash Flood Warning" in suppressing
    assert not [kind for kind in suppressing if any(word in kind.lower() for word in NEVER_SUPPRESSING)]
    fire = [row for row in result["by_event_type"] if row["event_type"] in ("Red Flag Warning", "Fire Weather Watch")]
    assert fire and {row["level"] for row in fire} == {"caution"}
