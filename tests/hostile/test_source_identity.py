"""A source may only update, cancel or replace its own alerts (or those of sources it is configured to amend)."""

from pathlib import Path

from tests.conftest import DATA, REPO
from tests.hostile.documents import flagged, write

BOSTON = DATA / "scenarios" / "boston-2013"
SIP = BOSTON / "feeds" / "mema_shelter_in_place.xml"
SIP_ID, MEMA = "MEMA-2013-04-19-0630-SIP", "alerts@mema.example.gov"
AT = "2013-04-19T11:00:00Z"
CANCEL = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{{identifier}}</identifier><sender>{MEMA}</sender><sent>2013-04-19T06:45:00-04:00</sent>
  <status>Actual</status><msgType>Cancel</msgType><scope>Public</scope>
  <references>{MEMA},{SIP_ID},2013-04-19T06:30:00-04:00</references>
  <info><category>Security</category><event>Shelter in Place Warning</event><urgency>Past</urgency>
    <severity>Minor</severity><certainty>Observed</certainty><headline>All clear</headline>
    <area><areaDesc>Boston</areaDesc></area></info>
</alert>
"""


def shelter_in_place(cli) -> set[str]:
    """Boston's accounts after MEMA's shelter-in-place order came from the `mema` source: the flagged ones."""
    assert cli("accounts", "import", BOSTON / "accounts.csv")[0] == 0
    assert cli("ingest", SIP, "--kind", "cap", "--source", "mema")[0] == 0
    flagged_ids = {account for account, level in flagged(cli, at=AT).items() if level == "do_not_chase"}
    assert len(flagged_ids) == 6
    return flagged_ids


def test_a_cancel_from_another_source_with_mema_s_sender_leaves_mema_s_flags_and_says_why(cli, migrated, tmp_path):
    before = shelter_in_place(cli)
    cancel = write(tmp_path / "cancel.xml", CANCEL.format(identifier="EVIL-CANCEL-1"))
    status, out, _ = cli("ingest", cancel, "--kind", "cap", "--source", "evil-source")
    assert "may not amend" in out
    assert {a for a, level in flagged(cli, at=AT).items() if level == "do_not_chase"} == before


def test_an_exercise_copy_from_another_source_does_not_rewrite_mema_s_alert(cli, migrated, tmp_path):
    before = shelter_in_place(cli)
    copy = write(tmp_path / "copy.xml", SIP.read_text().replace("<status>Actual</status>", "<status>Exercise</status>"))
    status, out, _ = cli("ingest", copy, "--kind", "cap", "--source", "evil-source")
    assert "may not amend" in out
    assert {a for a, level in flagged(cli, at=AT).items() if level == "do_not_chase"} == before
    events = cli("explain", "A001", "--as-of", AT, "--json")[1]
    assert "Exercise" not in events


def test_the_same_alert_relayed_unchanged_by_another_source_is_no_error(cli, migrated):
    shelter_in_place(cli)
    status, out, _ = cli("ingest", SIP, "--kind", "cap", "--source", "relay")
    assert status == 0 and "1 unchanged" in out and "error" not in out


def test_a_source_configured_to_amend_mema_may_cancel_its_alert(cli, migrated, tmp_path, monkeypatch):
    config = Path(tmp_path / "contextfeed.toml")
    config.write_text(
        (REPO / "config" / "contextfeed.toml").read_text()
        + """
[[sources]]
name = "ipaws"
kind = "cap"
url = "http://127.0.0.1:9/ipaws"
may_amend = ["mema"]
"""
    )
    monkeypatch.setenv("CONTEXTFEED_CONFIG", str(config))
    shelter_in_place(cli)
    cancel = write(tmp_path / "cancel.xml", CANCEL.format(identifier="IPAWS-CANCEL-1"))
    status, out, _ = cli("ingest", cancel, "--kind", "cap", "--source", "ipaws")
    assert status == 0 and "1 cancelled" in out
    assert not {a for a, level in flagged(cli, at=AT).items() if level == "do_not_chase"}


def test_an_update_that_names_itself_is_reported_and_the_alert_stays_in_force(cli, migrated, tmp_path):
    assert cli("accounts", "import", BOSTON / "accounts.csv")[0] == 0
    selfish = SIP.read_text().replace(
        "<msgType>Alert</msgType>",
        f"<msgType>Update</msgType><references>{MEMA},{SIP_ID},2013-04-19T06:30:00-04:00</references>",
    )
    status, out, _ = cli("ingest", write(tmp_path / "self.xml", selfish), "--kind", "cap", "--source", "mema")
    assert "refers to itself" in out
    assert len([a for a, level in flagged(cli, at=AT).items() if level == "do_not_chase"]) == 6
