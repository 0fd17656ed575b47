"""`contextfeed flags` as text: the same instants as its JSON (UTC, Z), and flags without an end read plainly."""

from __future__ import annotations

import json

from tests.conftest import DATA


def test_text_and_json_give_the_same_instants_and_an_open_flag_reads_until_released(cli, migrated):
    assert cli("accounts", "import", DATA / "scenarios" / "boston-2013" / "accounts.csv")[0] == 0
    assert (
        cli("flags", "raise", "A001", "--level", "do_not_chase", "--reason", "bereavement", "--actor", "j.smith")[0]
        == 0
    )
    cli(
        "ingest",
        DATA / "scenarios" / "boston-2013" / "feeds" / "mema_shelter_in_place.xml",
        "--kind",
        "cap",
        "--source",
        "mema",
    )
    status, text, _ = cli("flags", "--as-of", "2013-04-19T11:00:00Z", "--account", "A001", "--account", "A002")
    assert status == 0
    # The manual flag starts now (the real clock), without an end.
    now_text = cli("flags", "--account", "A001")[1]
    assert now_text.startswith("A001") and now_text.rstrip().endswith("[manual; until released]"), now_text
    flags = json.loads(cli("flags", "--as-of", "2013-04-19T11:00:00Z", "--account", "A002", "--json")[1])
    watertown = [line for line in text.splitlines() if line.startswith("A002")]
    assert watertown[0].endswith(f"until {flags[0]['expires_at']}]") and flags[0]["expires_at"].endswith("Z")
    assert "+00:00" not in text
    assert (
        cli("flags", "--as-of", "2013-04-19T11:00:00Z", "--account", "NOPE")[1]
        == "no flags in force at 2013-04-19T11:00:00Z\n"
    )
