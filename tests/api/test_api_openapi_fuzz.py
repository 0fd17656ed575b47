"""Property-based run against /openapi.json (schemathesis): generated requests never make the API answer 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error

from contextfeed.api.app import create_api
from contextfeed.bootstrap import App
from contextfeed.config import Settings

# The API's own document, so a new endpoint is fuzzed without touching this file. Building the
# API touches no database (the App opens one lazily); requests go to each test's seeded app.
SCHEMA = schemathesis.openapi.from_dict(create_api(App(Settings())).openapi())
OPERATIONS = sorted((method.upper(), path) for path, item in SCHEMA.raw_schema["paths"].items() for method in item)


@pytest.mark.parametrize("method,path", OPERATIONS)
def test_no_generated_request_makes_the_api_fail(world, method, path):
    # Bounded: a handful of examples per operation, derandomized so CI sends the same requests each run.
    @given(case=SCHEMA[path][method].as_strategy())
    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def fuzz(case) -> None:
        case.call_and_validate(app=world.client.app, headers=world.keys.admin, checks=[not_a_server_error])

    fuzz()
