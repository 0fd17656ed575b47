"""The locating benchmark runs end to end on a small book and reports its throughput."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from contextfeed.geo.gazetteer import Gazetteer

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_locate.py"


def test_the_benchmark_prints_accounts_per_second_against_the_target(
    gazetteer: Gazetteer, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("bench_locate", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--count", "3000", "--data-dir", str(gazetteer.directory.parent)]) == 0
    output = capsys.readouterr().out
    assert "accounts/s (target 10,000/s" in output
    assert "by precision: point" in output
