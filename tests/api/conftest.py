"""Fixtures of the API tests: the seeded world (see tests/api/world.py)."""

from tests.api.world import seeded_template, world  # noqa: F401  (fixtures)
