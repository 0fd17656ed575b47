"""The Boston 2013 scenario, loaded through the CLI, answers its checks over HTTP as it does through the CLI."""

import json

import pytest
from fastapi.testclient import TestClient

from contextfeed.api.app import create_api
from contextfeed.bootstrap import build_app
from contextfeed.db.api_keys import create_key
from tests.conftest import DATA
from tests.scenarios.test_scenarios import HOLDS, LEVELS

SCENARIO = DATA / "scenarios" / "boston-2013"
pytest.importorskip("contextfeed.geo.locate", reason="needs the geo stage (contextfeed.geo.locate) to place accounts")


# Slow only the first time in a run: it builds the offline gazetteer, which the scenario tests share.
@pytest.mark.slow
def test_the_suppression_check_with_at_agrees_with_the_scenario(cli, migrated):
    spec = json.loads((SCENARIO / "expected.json").read_text())
    assert cli("accounts", "import", SCENARIO / "accounts.csv")[0] == 0
    for document in spec["documents"]:
        assert (
            cli("ingest", SCENARIO / document["file"], "--kind", document["kind"], "--source", document["source"])[0]
            == 0
        )
    app = build_app()
    with app.database.write() as session:
        key = create_key(session, name="dialer", scope="dialer", now=app.clock.now()).key
    client = TestClient(create_api(app))
    failures = []
    for check in spec["checks"]:
        response = client.post(
            "/v1/suppression/check",
            headers={"Authorization": f"Bearer {key}"},
            json={"account_ids": [check["account"]], "at": check["at"]},
        )
        [result] = response.json()["results"]
        assert result["status"] == "ok"
        if not HOLDS[check["expect"]](LEVELS.get(result["level"], 0)):
            failures.append(f"{check['at']} {check['account']}: expected {check['expect']}, got {result['level']}")
    assert failures == []
