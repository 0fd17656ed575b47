"""The engine through the CLI: idempotent, every change logged with a growing cursor, manual decisions win."""

import json

from sqlalchemy import select

from contextfeed.db.engine import Database
from contextfeed.db.models import Flag, FlagChange
from contextfeed.flags.engine import consecutive_runs
from tests.conftest import DATA

BOSTON = DATA / "scenarios" / "boston-2013"
SIP = BOSTON / "feeds" / "mema_shelter_in_place.xml"
CANCEL = BOSTON / "feeds" / "mema_shelter_in_place_cancel.xml"
AT = "2013-04-19T11:00:00Z"


def changes(url: str) -> list[tuple[int, str, str, str | None]]:
    with Database.from_url(url).read() as session:
        return [
            (c.cursor, c.account_id, c.action, c.level)
            for c in session.scalars(select(FlagChange).order_by(FlagChange.cursor))
        ]


def flags(cli, *extra: str) -> list[dict]:
    status, out, err = cli("flags", "--as-of", AT, "--json", *extra)
    assert status == 0, err
    return json.loads(out)


def test_ingesting_the_same_document_twice_changes_nothing(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    cli("ingest", SIP, "--kind", "cap", "--source", "mema")
    before = changes(migrated)
    status, out, _ = cli("ingest", SIP, "--kind", "cap", "--source", "mema")
    assert "1 unchanged" in out and "flag changes: none" in out
    assert changes(migrated) == before


def test_every_raise_and_clear_is_logged_with_a_growing_cursor(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    cli("ingest", SIP, "--kind", "cap", "--source", "mema")
    cli("ingest", CANCEL, "--kind", "cap", "--source", "mema")
    log = changes(migrated)
    cursors = [cursor for cursor, *_ in log]
    assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
    raised = {account for _, account, action, _ in log if action == "raise"}
    cleared = {account for _, account, action, _ in log if action == "clear"}
    assert {"A001", "A002", "A003", "A011", "A013", "A014"} == raised == cleared


def test_a_flag_json_carries_what_a_dialer_and_a_supervisor_need(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    cli("ingest", SIP, "--kind", "cap", "--source", "mema")
    (flag,) = flags(cli, "--account", "A002")
    assert flag["level"] == "do_not_chase" and flag["source"] == "automatic"
    assert flag["rule"] == "official-shelter-or-evacuate"
    assert flag["reason"].startswith("Shelter in Place Warning — Watertown")
    assert "Massachusetts Emergency Management Agency, 06:30 EDT" in flag["reason"]
    assert flag["starts_at"] == "2013-04-19T10:30:00Z" and flag["expires_at"] == "2013-04-20T00:00:00Z"
    assert flag["event_ids"] and "inside the alert area" in flag["match"]


def test_a_supervisor_release_wins_over_the_automatic_flag_and_is_logged(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    cli("ingest", SIP, "--kind", "cap", "--source", "mema")
    (flag,) = flags(cli, "--account", "A003")
    status, out, _ = cli(
        "flags",
        "release",
        flag["flag_id"],
        "--reason",
        "customer is not in the area",
        "--actor",
        "sup1",
        "--from",
        "2013-04-19T10:00:00Z",
    )
    assert status == 0 and "released" in out
    assert flags(cli, "--account", "A003") == []
    assert len(flags(cli, "--account", "A002")) == 1, "only the released account's flag is affected"
    # Ingesting again must not bring the released flag back.
    cli("ingest", CANCEL, "--kind", "cap", "--source", "mema")
    assert ("A003", "release") in {(account, action) for _, account, action, _ in changes(migrated)}


def test_a_manual_flag_is_active_until_it_expires(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    status, out, _ = cli(
        "flags",
        "raise",
        "A006",
        "--level",
        "caution",
        "--reason",
        "bereavement in the family",
        "--actor",
        "sup1",
        "--until",
        "2099-01-01T00:00:00Z",
    )
    assert status == 0
    status, out, _ = cli("flags", "--account", "A006", "--json")
    (flag,) = json.loads(out)
    assert (flag["level"], flag["source"], flag["actor"]) == ("caution", "manual", "sup1")
    assert cli("flags", "raise", "NOPE", "--level", "info", "--reason", "x", "--actor", "y")[0] == 1


def test_each_raise_is_logged_with_the_flag_it_raised_in_the_order_of_their_ids(cli, migrated):
    cli("accounts", "import", BOSTON / "accounts.csv")
    cli("ingest", SIP, "--kind", "cap", "--source", "mema")
    with Database.from_url(migrated).read() as session:
        raises = [
            (
                change.action,
                change.flag_id,
                change.account_id,
                change.event_id,
                change.origin,
                change.level,
                change.previous_level,
                change.rule,
                change.reason,
                change.actor,
                change.starts_at,
                change.expires_at,
            )
            for change in session.scalars(select(FlagChange).order_by(FlagChange.cursor))
        ]
        flags = [
            (
                "raise",
                flag.id,
                flag.account_id,
                flag.event_id,
                flag.origin,
                flag.level,
                None,
                flag.rule,
                flag.reason,
                flag.actor,
                flag.starts_at,
                flag.expires_at,
            )
            for flag in session.scalars(select(Flag).order_by(Flag.id))
        ]
    assert raises == flags and len(flags) == 6


def test_new_flag_ids_are_split_into_runs_of_consecutive_ids():
    assert list(consecutive_runs([1, 2, 3, 7])) == [(1, 3), (7, 7)]
    assert list(consecutive_runs([4])) == [(4, 4)]
    assert list(consecutive_runs([1, 3, 4, 6])) == [(1, 1), (3, 4), (6, 6)]
