"""`contextfeed accounts import`: upsert by account_id, bad rows reported by line, good rows always load."""

import csv
import json
import time
from datetime import UTC, datetime

from sqlalchemy import func, select

from contextfeed.accounts.csvfile import AccountRecord, read_accounts
from contextfeed.bootstrap import App
from contextfeed.clock import FixedClock
from contextfeed.config import load_settings
from contextfeed.db.engine import Database
from contextfeed.db.models import Account
from contextfeed.geo.model import Location, Precision
from contextfeed.services.accounts import upsert_records
from tests.conftest import DATA

NOW = datetime(2026, 1, 1, tzinfo=UTC)


class FakeLocator:
    """Places every account at its postal code, or nowhere; enough to exercise the store."""

    def locate(self, address):
        """The account's postal code as its location, when it has one."""
        if address.postal_code:
            return Location(
                precision=Precision.POSTAL, source="postal_code", postal_code=address.postal_code, country="US"
            )
        return Location(precision=Precision.UNKNOWN, source="none", note="no postal code")


def import_json(cli, path) -> dict:
    status, out, err = cli("accounts", "import", path, "--json")
    assert status == 0, err
    return json.loads(out)


def test_bad_rows_are_reported_with_line_numbers_and_good_rows_still_load(cli, migrated):
    report = import_json(cli, DATA / "accounts" / "messy.csv")
    assert report["created"] == 3
    assert report["rejected"] == 6
    by_line = {problem["line"]: problem for problem in report["problems"]}
    assert by_line[3]["message"] == "account_id is empty"
    assert "outside -90..90" in by_line[4]["message"]
    assert "together" in by_line[5]["message"]
    assert "numbers" in by_line[6]["message"]
    assert "repeats line 2" in by_line[7]["message"]
    assert not by_line[8]["rejected"] and "not a valid number" in by_line[8]["message"]
    assert "more fields" in by_line[9]["message"]
    with Database.from_url(migrated).read() as session:
        ids = set(session.scalars(select(Account.account_id)))
        assert ids == {"B001", "B007", "B009"}
        assert session.get(Account, "B001").name == "Good Row"
        assert session.get(Account, "B007").phone == ""


def test_reimporting_the_same_file_changes_nothing(cli, migrated):
    first = import_json(cli, DATA / "accounts" / "boston_accounts.csv")
    with Database.from_url(migrated).read() as session:
        stamps = dict(session.execute(select(Account.account_id, Account.updated_at)).all())
    second = import_json(cli, DATA / "accounts" / "boston_accounts.csv")
    assert first["created"] == 15
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 15)
    with Database.from_url(migrated).read() as session:
        assert dict(session.execute(select(Account.account_id, Account.updated_at)).all()) == stamps


def test_a_changed_row_updates_the_account_and_reports_it_moved(migrated, tmp_path):
    database = Database.from_url(migrated)
    app = App(load_settings(), clock=FixedClock(NOW), database=database, locator=FakeLocator())
    record = AccountRecord(account_id="M1", city="Boston", region="MA", postal_code="02116", country="US")
    upsert_records(app, [record])
    moved = AccountRecord(account_id="M1", city="Springfield", region="IL", postal_code="62701", country="US")
    written = upsert_records(app, [moved])
    assert (written.created, written.updated, written.placed) == (0, 1, 1)
    with database.read() as session:
        assert session.get(Account, "M1").loc_postal_code == "62701"


def test_phones_are_stored_in_e164_using_the_country_as_a_hint():
    text = "account_id,phone,country\nP1,(617) 555-0101,US\nP2,020 7946 0018,GB\nP3,+33 1 55 55 01 10,\n"
    records = [item for item in read_accounts(text) if isinstance(item, AccountRecord)]
    assert [record.phone for record in records] == ["+16175550101", "+442079460018", "+33155550110"]


def test_a_file_without_an_account_id_column_is_refused_whole(cli, migrated, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,name\n1,x\n")
    status, _, err = cli("accounts", "import", path)
    assert status == 1 and "no account_id column" in err


def test_a_hundred_thousand_rows_import_in_well_under_a_minute(cli, migrated, tmp_path):
    path = tmp_path / "big.csv"
    cities = [
        ("Boston", "MA", "02116"),
        ("Springfield", "IL", "62701"),
        ("New York", "NY", "10001"),
        ("Seattle", "WA", "98101"),
        ("Austin", "TX", "78701"),
    ]
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["account_id", "name", "phone", "city", "region", "postal_code", "country"])
        for n in range(100_000):
            city, region, postal = cities[n % len(cities)]
            out.writerow([f"C{n:06d}", f"Customer {n}", f"+1617555{n % 10000:04d}", city, region, postal, "US"])
    started = time.perf_counter()
    report = import_json(cli, path)
    elapsed = time.perf_counter() - started
    assert report["created"] == 100_000 and report["rejected"] == 0
    assert elapsed < 40, f"100k rows took {elapsed:.1f}s"
    with Database.from_url(migrated).read() as session:
        assert (
            session.scalar(select(func.count()).select_from(Account).where(Account.loc_precision == "postal"))
            == 100_000
        )
