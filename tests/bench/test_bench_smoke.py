"""Every benchmark runs end to end on a small world and prints its rows; timings are never asserted.

The full-size figures come from `make bench` (and `make bench-postgres`); these
runs only keep the scripts from rotting as the code they drive changes. The
PostgreSQL run needs the server the suite's PostgreSQL pass uses.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# Set by .ci/run for the suite's PostgreSQL pass (see tests/conftest.py).
POSTGRES = os.environ.get("CONTEXTFEED_TEST_POSTGRES_URL")
# 500 accounts, 50 ids, 20 news entries, a second of load.
SMALL = ("--scale", "0.0005")
ROWS = {
    "locate": ["| locate 500 accounts offline (in process) |"],
    "import": ["| import + locate 500 accounts from CSV |"],
    "cold_start": ["| cold start: contextfeed flags --help", "| cold start: contextfeed flags --account C"],
    "cap": ["| CAP polygon over a metro area, 500 accounts: ingest to flags written |"],
    "fema": ["| FEMA declaration of 40 counties, 500 accounts: ingest to flags written |"],
    "news": ["| ingest 20 news entries with geoparsing, 500 accounts |"],
    "check": ["| POST /v1/suppression/check with 50 ids (median of 5) |"],
    "load": [
        "| single-account check at 2,000 requests/s, 64 connections: p99 |",
        "| single-account check, capacity at 64 connections |",
    ],
    "feed": ["| change feed: read "],
    "memory": [
        "| serve start to answering checks from memory, 500 accounts |",
        "| service memory with 500 accounts indexed and the gazetteer loaded (RSS after checks, feed reads and an "
        "account update) |",
        "| demo memory: contextfeed replay, 15 accounts, gazetteer loaded (RSS after an account update) |",
    ],
    "writes": [
        "| single checks at 500/s, 64 connections, during a 500-item ingest and a 500-account import: p99 |",
        "|   errors (non-200 or dropped connections) during those writes | 0 answers",
        "|   wrong answers (a state the account never had, before, during or after the writes) | 0 answers",
        "|   writers that failed (exit status other than 0, or stopped) | 0 writers",
    ],
}


# Rows that count answers or score quality: they have no probe, and say so.
UNPROBED = (
    "|   errors",
    "|   wrong answers",
    "|   writers",
    "| demo memory",
    "| geoparsing",
    "| crisis detection",
    "| do_not_chase",
)
HEADER = "| what | measured | probe | ratio | target | result |"


def cells(output: str, row: str) -> list[str]:
    """The cells of the printed table row that starts with `row`."""
    line = next(line for line in output.splitlines() if line.startswith(row))
    return [cell.strip() for cell in line.strip().strip("|").split(" | ")]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A benchmark cache for this module, sharing the run's data directory (its gazetteer index is built once)."""
    cache = tmp_path_factory.mktemp("bench")
    (cache / "data").symlink_to(data_dir, target_is_directory=True)
    return cache


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run a benchmark module's main() with ARGS, as `python -m` from the repository root would; returns stdout."""
    monkeypatch.syspath_prepend(str(REPO))

    def run_main(module: str, *args: str) -> str:
        assert importlib.import_module(module).main(list(args)) == 0
        return capsys.readouterr().out

    return run_main


@pytest.mark.parametrize("name", ROWS)
def test_each_benchmark_runs_and_prints_its_rows_with_probes_ratios_and_targets(name: str, cache: Path, run) -> None:
    output = run(f"bench.bench_{name}", *SMALL, "--cache", str(cache))
    assert HEADER in output
    for row in ROWS[name]:
        assert row in output
        what, measured, probe, ratio, target, result = cells(output, row)
        assert target.startswith(("<= ", ">= ")) and result in ("pass", "MISS")
        if row.startswith(UNPROBED):
            assert (probe, ratio) == ("–", "–")
        else:
            # A probe of the same work, in the row's unit, and how many probes the row's work cost.
            assert probe.split(" (")[0].split()[-1] == measured.split(" (")[0].split()[-1], (probe, measured)
            assert ratio.endswith("x") and float(ratio[:-1]) > 0


def test_the_corpus_scores_are_rows_with_their_targets_or_one_line_saying_why_not(cache: Path, run) -> None:
    output = run("bench.bench_corpora", *SMALL, "--cache", str(cache))
    if (REPO.parent / "shared" / "tools" / "news_eval.py").exists():
        for row in (
            "| geoparsing on GeoWebNews: precision |",
            "| geoparsing on GeoWebNews: recall |",
            "| crisis detection on CrisisLexT26 dev crises: precision |",
            "| crisis detection on CrisisLexT26 dev crises: recall |",
        ):
            assert row in output
            assert cells(output, row)[2:4] == ["–", "–"]
        assert ">= 0.900" in output and ">= 0.850" in output
    else:
        assert output.strip().startswith("bench_corpora: skipped, the shared corpora are not here")


def test_make_bench_gathers_every_row_into_one_table(cache: Path, run) -> None:
    output = run("bench.__main__", *SMALL, "--cache", str(cache), "--only", "locate,fema")
    table = output[output.rindex(HEADER) :]
    assert ROWS["locate"][0] in table and ROWS["fema"][0] in table
    assert table.count("\n|") == 3


@pytest.fixture
def postgres_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The suite's PostgreSQL server; the databases the benchmarks create on it are dropped afterwards."""
    if not POSTGRES:
        pytest.skip("needs a PostgreSQL server in CONTEXTFEED_TEST_POSTGRES_URL")
    # bench/ is importable once the repository root is on the path, as `run` does for the benchmarks.
    monkeypatch.syspath_prepend(str(REPO))
    from bench.postgres import PostgresServer

    server = PostgresServer(POSTGRES)
    before = server.names()
    yield POSTGRES
    for name in server.names() - before:
        server.drop(name)


# It builds a world on the server and runs four benchmarks (three servers and the demo for memory alone):
# past the suite's 300 s per test on a loaded 2-core machine.
@pytest.mark.timeout(900)
def test_the_api_benchmarks_run_on_postgresql_and_say_so(cache: Path, run, postgres_server: str) -> None:
    output = run("bench.__main__", *SMALL, "--cache", str(cache), "--database-url", postgres_server)
    table = output[output.rindex(HEADER) :]
    for name in ("check", "load", "feed", "memory"):
        for row in ROWS[name]:
            assert row.replace("| ", "| PostgreSQL: ", 1) in table
    assert (
        "Not run (SQLite only; `make bench` runs them): locate, import, cold_start, cap, fema, news, corpora, policy, writes."
        in table
    )
