"""Shared fixtures: an isolated configuration per test, one gazetteer build per run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contextfeed.cli import main
from contextfeed.db.migrate import upgrade

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One data directory for the whole run, so the gazetteer index is built once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def database_url(tmp_path) -> str:
    """A fresh SQLite file for this test, not yet migrated."""
    return f"sqlite:///{tmp_path / 'contextfeed.db'}"


@pytest.fixture
def environment(monkeypatch, data_dir, database_url) -> dict[str, str]:
    """Environment of a user running the CLI against this test's database and the repository config."""
    for name in list(os.environ):
        if name.startswith("CONTEXTFEED_"):
            monkeypatch.delenv(name)
    values = {
        "CONTEXTFEED_CONFIG": str(REPO / "config" / "contextfeed.toml"),
        "CONTEXTFEED_DATA_DIR": str(data_dir),
        "CONTEXTFEED_DATABASE_URL": database_url,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def migrated(environment, database_url) -> str:
    """The test's database brought to head; returns its URL."""
    upgrade(database_url)
    return database_url


@pytest.fixture
def cli(capsys, environment):
    """Run `contextfeed ARGS...` in-process; returns (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        status = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run
