"""The dialer's CSV export never hands a spreadsheet a formula to run (OWASP CSV injection)."""

import csv
import io

from contextfeed.accounts.csvfile import AccountRecord
from tests.api.conftest import seeded_template, world  # noqa: F401  (fixtures)
from tests.api.world import add_accounts

HOSTILE_IDS = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0", "+1+1", "\tTAB"]


def test_ids_that_would_start_a_formula_are_exported_as_text_and_phones_as_they_are(world):
    add_accounts(
        world.app,
        [
            AccountRecord(account_id, "Hostile", f"+1617555{number:04d}", "1 Main St", "Boston", "MA", "02116", "US")
            for number, account_id in enumerate(HOSTILE_IDS)
        ],
    )
    response = world.client.get("/v1/suppression/export", headers=world.keys.dialer)
    assert response.status_code == 200
    rows = {row["phone"]: row["account_id"] for row in csv.DictReader(io.StringIO(response.text))}
    exported = [rows[f"+1617555{number:04d}"] for number in range(len(HOSTILE_IDS))]
    assert exported == ["'" + account_id for account_id in HOSTILE_IDS]
    assert rows["+16175550101"] == "A001"
