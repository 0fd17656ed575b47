"""Replay scenarios: recorded documents through the CLI contract, flags checked at instants, in any order."""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO

SCENARIOS = sorted(path for path in (DATA / "scenarios").iterdir() if (path / "expected.json").is_file())
LEVELS = {"do_not_chase": 3, "caution": 2, "info": 1}
HOLDS = {
    "do_not_chase": lambda level: level == 3,
    "at_least_caution": lambda level: level >= 2,
    "not_do_not_chase": lambda level: level < 3,
    "at_most_info": lambda level: level <= 1,
    "none": lambda level: level == 0,
}


def replay(cli, scenario: Path, *, seed: int | None) -> list[str]:
    """Ingest the scenario's documents (shuffled when seeded) and return the failed checks."""
    spec = json.loads((scenario / "expected.json").read_text())
    assert cli("db", "upgrade")[0] == 0
    status, _, err = cli("accounts", "import", scenario / "accounts.csv")
    assert status == 0, err
    documents = list(spec["documents"])
    if seed is not None:
        random.Random(seed).shuffle(documents)
    for document in documents:
        status, _, err = cli(
            "ingest", scenario / document["file"], "--kind", document["kind"], "--source", document["source"]
        )
        assert status == 0, err
    failures, flags_at = [], {}
    for check in spec["checks"]:
        if check["at"] not in flags_at:
            status, out, _ = cli("flags", "--as-of", check["at"], "--json")
            flags_at[check["at"]] = json.loads(out)
        level = max(
            (LEVELS.get(flag["level"], 0) for flag in flags_at[check["at"]] if flag["account_id"] == check["account"]),
            default=0,
        )
        if not HOLDS[check["expect"]](level):
            got = {v: k for k, v in LEVELS.items()}.get(level, "none")
            failures.append(f"{check['at']} {check['account']}: expected {check['expect']}, got {got} — {check['why']}")
    return failures


@pytest.mark.parametrize("seed", [None, 1, 2, 3])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.name)
def test_scenario_checks_hold_whatever_the_ingest_order(cli, migrated, scenario, seed):
    assert replay(cli, scenario, seed=seed) == []


@pytest.mark.slow
def test_shared_runner_passes_the_boston_scenario_through_the_installed_cli(environment):
    cli_path = Path(sys.executable).parent / "contextfeed"
    result = subprocess.run(
        [
            sys.executable,
            DATA / "scenarios" / "run_scenario.py",
            DATA / "scenarios" / "boston-2013",
            "--cli",
            cli_path,
            "--shuffle",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1] == "22 passed, 0 failed"
