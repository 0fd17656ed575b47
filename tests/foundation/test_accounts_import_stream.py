"""Large account books: streamed through a reader process, located in a locator process, with progress on stderr."""

import csv
import sqlite3

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url

from contextfeed.accounts.store import drop_scattered_indexes
from contextfeed.bootstrap import build_app
from contextfeed.db.engine import Database
from contextfeed.db.migrate import upgrade
from contextfeed.db.models import Account
from contextfeed.services.accounts import AccountImportError, import_accounts_file
from tests.conftest import DATA, sqlite_only

BOOKS = [DATA / "accounts" / "messy.csv", DATA / "accounts" / "boston_accounts.csv"]
# Every stored column but the instants of writing.
COLUMNS = [column for column in Account.__table__.c if column.name not in ("created_at", "updated_at")]


def stored(url: str) -> list[tuple]:
    with Database.from_url(url).read() as session:
        return [tuple(row) for row in session.execute(select(*COLUMNS).order_by(Account.account_id))]


def import_both_ways(tmp_path, monkeypatch, book) -> tuple[tuple[dict, list], tuple[dict, list]]:
    """(report, stored rows) of importing `book` in this process, then through the reader and locator processes."""
    results = []
    for name, processes_above in (("in_process", 1 << 40), ("processes", 0)):
        url = f"sqlite:///{tmp_path / name}.db"
        upgrade(url)
        monkeypatch.setenv("CONTEXTFEED_DATABASE_URL", url)
        report = import_accounts_file(build_app(), book, processes_above=processes_above)
        results.append((report, stored(url)))
    return results[0], results[1]


@pytest.mark.parametrize("book", BOOKS, ids=lambda path: path.name)
def test_a_book_read_and_located_in_processes_loads_exactly_what_reading_it_here_loads(
    environment, tmp_path, monkeypatch, book
):
    here, apart = import_both_ways(tmp_path, monkeypatch, book)
    assert apart == here
    assert here[0]["created"] == len(here[1]) > 0


def test_a_reimport_through_the_processes_updates_only_the_moved_account(environment, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'book.db'}"
    upgrade(url)
    monkeypatch.setenv("CONTEXTFEED_DATABASE_URL", url)
    book = tmp_path / "book.csv"
    rows = list(csv.reader((DATA / "accounts" / "boston_accounts.csv").open(newline="")))
    book.write_text("\n".join(",".join(row) for row in rows) + "\n")
    import_accounts_file(build_app(), book, processes_above=0)
    header, first = rows[0], dict(zip(rows[0], rows[1]))
    moved = {**first, "city": "Springfield", "region": "IL", "postal_code": "62701", "lat": "", "lon": ""}
    rows[1] = [moved[name] for name in header]
    book.write_text("\n".join(",".join(row) for row in rows) + "\n")
    report = import_accounts_file(build_app(), book, processes_above=0)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, len(rows) - 2)
    with Database.from_url(url).read() as session:
        assert session.get(Account, first["account_id"]).loc_admin1 == "US-IL"


def test_a_file_without_an_account_id_column_is_refused_by_the_reader_process(environment, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("id,name\n1,x\n")
    with pytest.raises(AccountImportError, match="no account_id column"):
        import_accounts_file(build_app(), path, processes_above=0)


def test_a_windows_1252_book_loads_through_the_reader_process(environment, migrated, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("account_id,name,city,country\nW1,Zoë Müller,Zürich,CH\n".encode("cp1252"))
    report = import_accounts_file(build_app(), path, processes_above=0)
    assert report["created"] == 1
    with Database.from_url(migrated).read() as session:
        account = session.get(Account, "W1")
        assert (account.name, account.loc_city) == ("Zoë Müller", "Zürich")


def test_the_import_shows_rows_read_placed_and_written_with_rate_and_eta_on_stderr(cli, migrated):
    status, out, err = cli("accounts", "import", DATA / "accounts" / "messy.csv")
    assert status == 0
    last = err.strip().splitlines()[-1]
    assert last.startswith("importing accounts: 9 read, 3 placed, 3 written, ")
    assert "rows/s" in last and last.endswith("100% done, ETA 0m00s")
    assert out.startswith(f"{DATA / 'accounts' / 'messy.csv'}: 3 created")


def test_a_locator_process_that_stops_ends_the_import_with_advice_not_a_traceback(
    environment, migrated, tmp_path, monkeypatch
):
    broken = tmp_path / "not-a-directory"
    broken.write_text("the data directory must be a directory")
    monkeypatch.setenv("CONTEXTFEED_DATA_DIR", str(broken))
    with pytest.raises(AccountImportError, match=r"import stopped after 0 rows written: the locator process stopped"):
        import_accounts_file(build_app(), DATA / "accounts" / "boston_accounts.csv", processes_above=0)


def account_indexes(url: str) -> set[str]:
    """The names of the accounts table's indexes as the database has them."""
    database = Database.from_url(url)
    try:
        with database.read() as session:
            return {index["name"] for index in inspect(session.connection()).get_indexes("accounts")}
    finally:
        database.dispose()


ALL_INDEXES = {str(index.name) for index in Account.__table__.indexes}
SCATTERED = {"ix_accounts_point", "ix_accounts_phone", "ix_accounts_loc_postal_code"}


def test_a_first_load_builds_phone_point_and_postal_indexes_after_its_rows_and_stores_the_same_accounts(
    environment, tmp_path, monkeypatch
):
    book = DATA / "accounts" / "boston_accounts.csv"
    rows_kept = import_both_ways(tmp_path, monkeypatch, book)[0][1]
    url = f"sqlite:///{tmp_path / 'first.db'}"
    upgrade(url)
    monkeypatch.setenv("CONTEXTFEED_DATABASE_URL", url)
    seen = []
    report = import_accounts_file(
        build_app(),
        book,
        processes_above=0,
        first_load_above=0,
        on_progress=lambda state: seen.append((state.indexing, account_indexes(url))),
    )
    assert report["created"] == len(rows_kept)
    assert stored(url) == rows_kept
    *loading, (indexing, _) = seen
    assert loading and all(not flag and indexes == ALL_INDEXES - SCATTERED for flag, indexes in loading)
    assert indexing
    assert account_indexes(url) == ALL_INDEXES


def test_a_file_smaller_than_the_accounts_stored_is_imported_with_every_index_in_place(environment, migrated):
    book = DATA / "accounts" / "boston_accounts.csv"
    import_accounts_file(build_app(), book, processes_above=0)
    seen = []
    import_accounts_file(
        build_app(), book, processes_above=0, first_load_above=0, on_progress=lambda state: seen.append(state.indexing)
    )
    assert seen and not any(seen)
    assert account_indexes(migrated) == ALL_INDEXES


def test_a_first_load_that_stops_midway_still_leaves_every_index_built(environment, migrated, tmp_path, monkeypatch):
    broken = tmp_path / "not-a-directory"
    broken.write_text("the data directory must be a directory")
    monkeypatch.setenv("CONTEXTFEED_DATA_DIR", str(broken))
    with pytest.raises(AccountImportError, match="the locator process stopped"):
        import_accounts_file(
            build_app(), DATA / "accounts" / "boston_accounts.csv", processes_above=0, first_load_above=0
        )
    assert account_indexes(migrated) == ALL_INDEXES


def test_db_upgrade_and_the_next_import_build_the_indexes_a_killed_first_load_left_out(cli, migrated):
    def killed_midway() -> None:
        database = Database.from_url(migrated)
        with database.write() as session:
            drop_scattered_indexes(session.connection())
        database.dispose()

    killed_midway()
    status, out, _ = cli("db", "upgrade")
    assert status == 0
    assert "built the account indexes an interrupted import left out: " in out
    assert all(name in out for name in SCATTERED)
    assert account_indexes(migrated) == ALL_INDEXES
    assert "built the account indexes" not in cli("db", "upgrade")[1]

    killed_midway()
    assert cli("accounts", "import", DATA / "accounts" / "messy.csv")[0] == 0
    assert account_indexes(migrated) == ALL_INDEXES


@sqlite_only("the write lock is SQLite's")
@pytest.mark.parametrize("processes_above", [0, 1 << 40], ids=["processes", "in_process"])
def test_a_reimport_of_an_unchanged_book_finishes_while_another_process_holds_the_write_lock(
    environment, migrated, processes_above
):
    book = DATA / "accounts" / "boston_accounts.csv"
    first = import_accounts_file(build_app(), book, processes_above=processes_above)
    holder = sqlite3.connect(make_url(migrated).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an ingest's transaction, held past any busy timeout
    try:
        again = import_accounts_file(build_app(), book, processes_above=processes_above)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, first["created"])
