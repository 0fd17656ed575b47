"""Hostile account CSV files: every bad row is reported with its line number, and the good rows still load."""

import json

from tests.hostile.documents import ACCOUNTS_HEADER, write


def imported(cli, tmp_path, text: str) -> dict:
    """The JSON report of `contextfeed accounts import` of `text`."""
    status, out, err = cli("accounts", "import", write(tmp_path / "accounts.csv", text), "--json")
    assert status == 0 and "Traceback" not in err, err
    return json.loads(out)


def known(cli, account_id: str) -> bool:
    """Whether `contextfeed flags --account ID --json` knows the account (an unknown one is an error)."""
    status, out, err = cli("explain", account_id, "--json")
    return status == 0


def rejected_lines(report: dict) -> dict[int, str]:
    """Line -> message of the rejected rows."""
    return {problem["line"]: problem["message"] for problem in report["problems"] if problem["rejected"]}


def test_a_million_character_field_rejects_its_row_only(cli, migrated, tmp_path):
    text = (
        ACCOUNTS_HEADER
        + "A1,Alice,,,Boston,MA,,US,,\n"
        + f"A2,{'x' * 1_000_000},,,Boston,MA,,US,,\n"
        + "A3,Carol,,,Boston,MA,,US,,\n"
    )
    report = imported(cli, tmp_path, text)
    assert report["created"] == 2
    assert rejected_lines(report) == {3: "name longer than 1,000 characters"}


def test_an_unterminated_quote_rejects_its_line_and_the_rows_after_it_still_load(cli, migrated, tmp_path):
    text = (
        ACCOUNTS_HEADER
        + 'A1,"Alice,,,Boston,MA,,US,,\n'
        + "A2,Bob,,,Boston,MA,,US,,\n"
        + "A3,Carol,,,Boston,MA,,US,,\n"
        + 'A4,"Dan, Jr",,,Boston,MA,,US,,\n'
    )
    report = imported(cli, tmp_path, text)
    assert report["created"] == 3
    assert list(rejected_lines(report)) == [2]
    assert "quote" in rejected_lines(report)[2]
    assert all(known(cli, account) for account in ("A2", "A3", "A4"))


def test_a_quote_left_open_on_the_last_line_is_reported(cli, migrated, tmp_path):
    text = ACCOUNTS_HEADER + "A1,Alice,,,Boston,MA,,US,,\n" + 'A2,"Bob,,,Boston,MA,,US,,\n'
    report = imported(cli, tmp_path, text)
    assert report["created"] == 1 and list(rejected_lines(report)) == [3]


def test_a_multi_line_quoted_address_still_loads(cli, migrated, tmp_path):
    text = ACCOUNTS_HEADER + 'A1,Alice,,"12 Main St\nApt 4",Boston,MA,,US,,\n' + "A2,Bob,,,Boston,MA,,US,,\n"
    report = imported(cli, tmp_path, text)
    assert report["created"] == 2 and rejected_lines(report) == {}


def test_semicolon_rows_under_a_comma_header_are_rejected_not_loaded_as_junk_ids(cli, migrated, tmp_path):
    text = ACCOUNTS_HEADER + "A1;Alice;;;Boston;MA;;US;;\n" + "A2,Bob,,,Boston,MA,,US,,\n"
    report = imported(cli, tmp_path, text)
    assert report["created"] == 1
    assert "';'" in rejected_lines(report)[2]
    assert not known(cli, "A1;Alice;;;Boston;MA;;US;;")


def test_a_nul_in_an_id_rejects_the_row(cli, migrated, tmp_path):
    text = ACCOUNTS_HEADER + "A1\x00,Alice,,,Boston,MA,,US,,\n" + "A2,Bob,,,Boston,MA,,US,,\n"
    report = imported(cli, tmp_path, text)
    assert report["created"] == 1
    assert rejected_lines(report) == {2: "account_id contains a control character"}
