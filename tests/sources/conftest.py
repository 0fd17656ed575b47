"""Shared helpers for the source tests: real documents from tests/data, and UTC instants."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def document() -> Callable[[str], bytes]:
    """Bytes of a recorded document, by its path under tests/data ("cap/taiwan.xml")."""
    return lambda name: (DATA / name).read_bytes()


def utc(*parts: int) -> datetime:
    """A UTC instant, for expected values."""
    return datetime(*parts, tzinfo=UTC)


@pytest.fixture
def at() -> Callable[..., datetime]:
    """utc() as a fixture, so test modules need not import conftest."""
    return utc
