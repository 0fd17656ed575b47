"""`contextfeed apikey create|list|revoke`, and the first start of `serve` printing one admin key."""

import json

import pytest

from contextfeed.bootstrap import build_app
from contextfeed.cli.service import announce_first_key


def test_create_prints_the_key_once_and_list_never_shows_it(cli, migrated):
    status, out, err = cli("apikey", "create", "--name", "dialer-eu", "--scope", "dialer")
    assert status == 0 and "only its hash is stored" in err
    key = out.strip()
    assert key.startswith("cf_") and len(key) > 40
    status, out, _ = cli("apikey", "list")
    assert status == 0 and "dialer-eu" in out and "dialer" in out and key not in out
    status, out, _ = cli("apikey", "list", "--json")
    [row] = json.loads(out)
    assert (row["name"], row["scope"], row["revoked_at"], row["prefix"]) == ("dialer-eu", "dialer", None, key[:10])


def test_revoke_by_id_and_unknown_ids(cli, migrated):
    cli("apikey", "create", "--name", "agents", "--scope", "agent")
    status, out, _ = cli("apikey", "revoke", "1")
    assert status == 0 and "revoked" in out
    [row] = json.loads(cli("apikey", "list", "--json")[1])
    assert row["revoked_at"] is not None
    status, _, err = cli("apikey", "revoke", "42")
    assert status == 1 and "no API key 42" in err


def test_scopes_are_checked_by_the_cli(cli, migrated, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli("apikey", "create", "--name", "x", "--scope", "root")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "invalid choice: 'root' (choose from 'agent', 'dialer', 'admin')" in err


def test_an_unknown_document_kind_is_refused_with_the_kinds_to_choose_from(cli, migrated, capsys, tmp_path):
    document = tmp_path / "wire.rss"
    document.write_text("<rss/>")
    with pytest.raises(SystemExit) as exit_:
        cli("ingest", str(document), "--kind", "news")
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "(choose from 'cap', 'nws', 'usgs', 'gdacs', 'fema', 'rss')" in err


def test_the_first_start_prints_an_admin_key_once(migrated, capsys):
    app = build_app()
    announce_first_key(app)
    first = capsys.readouterr().out
    assert "admin API key" in first and "contextfeed apikey create" in first
    announce_first_key(app)
    assert capsys.readouterr().out == ""


def test_a_database_without_schema_gets_advice_not_a_traceback(cli):
    status, _, err = cli("apikey", "list")
    assert status == 1 and "contextfeed db upgrade" in err and "Traceback" not in err
