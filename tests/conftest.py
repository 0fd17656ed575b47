"""Shared fixtures: an isolated configuration per test, one gazetteer build per run."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from contextfeed.cli import main
from contextfeed.db.migrate import upgrade

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def pytest_collection_modifyitems(config, items) -> None:
    """Without Chromium (and outside CI) the browser tests are left out, and said so once (see below)."""
    from tests.web.browser import chromium_available, under_ci

    browser_tests = [item for item in items if item.get_closest_marker("browser")]
    if browser_tests and not chromium_available() and not under_ci():
        items[:] = [item for item in items if not item.get_closest_marker("browser")]
        config.hook.pytest_deselected(items=browser_tests)
        config.stash[BROWSER_TESTS_LEFT_OUT] = len(browser_tests)


def pytest_terminal_summary(terminalreporter, config) -> None:
    """One line for the browser tests left out, or where their screenshots are."""
    from tests.web.browser import ARTIFACTS, INSTALL

    left_out = config.stash.get(BROWSER_TESTS_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} browser tests not run: Chromium is missing ({INSTALL}; with CI set they run and fail)"
        )
    elif ARTIFACTS.is_dir() and any(ARTIFACTS.glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {ARTIFACTS}")


BROWSER_TESTS_LEFT_OUT = pytest.StashKey[int]()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One data directory for the whole run, so the gazetteer index is built once."""
    return tmp_path_factory.mktemp("data")


# Set by .ci/run for the suite's second pass: every test then gets its own
# PostgreSQL database on that server instead of a SQLite file.
POSTGRES = os.environ.get("CONTEXTFEED_TEST_POSTGRES_URL")


@pytest.fixture
def database_url(tmp_path) -> Iterator[str]:
    """A fresh, empty database for this test (SQLite file, or a new PostgreSQL database), not yet migrated."""
    if not POSTGRES:
        yield f"sqlite:///{tmp_path / 'contextfeed.db'}"
        return
    name = f"cf_test_{uuid.uuid4().hex[:12]}"
    server = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def template_url(directory: Path) -> str:
    """A database to seed once and clone per test: a SQLite file, or a PostgreSQL database."""
    if not POSTGRES:
        return f"sqlite:///{directory / 'template.db'}"
    name = f"cf_template_{uuid.uuid4().hex[:12]}"
    server = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


def clone_database(template: str, target: str) -> None:
    """Replace the (empty) database at `target` by a copy of `template`: SQLite's backup API or CREATE ... TEMPLATE."""
    if not POSTGRES:
        with (
            sqlite3.connect(make_url(template).database) as original,
            sqlite3.connect(make_url(target).database) as copy,
        ):
            original.backup(copy)
        return
    server = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(target).database}" WITH (FORCE)'))
        connection.execute(
            text(f'CREATE DATABASE "{make_url(target).database}" TEMPLATE "{make_url(template).database}"')
        )
    server.dispose()


def sqlite_only(reason: str):
    """Skip a test that is about the embedded SQLite backend when the suite runs on PostgreSQL."""
    return pytest.mark.skipif(bool(POSTGRES), reason=f"SQLite-specific: {reason}")


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
