"""Reading account CSV files row by row (pure over the text): a bad row is reported with its line number, skipped."""

from __future__ import annotations

import csv
import io
import math
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from operator import attrgetter

import phonenumbers

COLUMNS = ("account_id", "name", "phone", "address", "city", "region", "postal_code", "country", "lat", "lon")
MAX_FIELD = {
    "account_id": 128,
    "name": 1_000,
    "phone": 32,
    "address": 1_000,
    "city": 255,
    "region": 255,
    "postal_code": 32,
    "country": 64,
    "lat": 64,
    "lon": 64,
}
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# csv's field limit is a C long; 2**31 - 1 fits it on every platform.
FIELD_SIZE_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class AccountRecord:
    """One valid account row, normalised (trimmed text, E.164 phone, floats)."""

    account_id: str
    name: str = ""
    phone: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    lat: float | None = None
    lon: float | None = None


#: A record's fields as a tuple, in the order of the fields above: how rows travel in bulk.
as_row = attrgetter(*(field.name for field in dataclass_fields(AccountRecord)))


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected, or (rejected=False) a warning about a field that was dropped."""

    line: int
    account_id: str
    message: str
    rejected: bool = True


class AccountFileError(Exception):
    """The file as a whole cannot be read (not CSV, no account_id column)."""


#: A cell a spreadsheet would run as a formula (OWASP "CSV Injection"): = + - @, tab and carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_safe(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one that would start a formula gets a leading quote (OWASP).

    Plain numbers are left alone, so an E.164 phone (+16175550101) still loads into a dialer as it is.
    """
    if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else Windows-1252 as spreadsheets export it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class LineFeed:
    """The physical lines of a CSV, fed to csv.reader, that can give back all but the first line of a record.

    A quote opened and never closed makes csv.reader swallow every line up to the next quote
    (or the end of the file) into one field: the rows in between vanish while the import reports
    success (issue 20). A record that spans lines which are rows in their own right is therefore
    taken to be such a quote: its first line is rejected and reading resumes on the line after it.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self.source = iter(lines)
        self.pending: deque[str] = deque()
        self.taken: list[str] = []
        self.line = 0

    def __iter__(self) -> LineFeed:
        return self

    def __next__(self) -> str:
        line = self.pending.popleft() if self.pending else next(self.source)
        self.taken.append(line)
        self.line += 1
        return line

    def start_record(self) -> int:
        """Begin a record; returns the line number it starts on."""
        self.taken = []
        return self.line + 1

    def give_back(self) -> None:
        """Put back every line of the current record but its first, to be read again."""
        back = self.taken[1:]
        self.line -= len(back)
        self.pending.extendleft(reversed(back))
        self.taken = []


def text_lines(text: str | Iterable[str]) -> Iterable[str]:
    """The physical lines of a CSV given whole or as lines (a file opened with newline="")."""
    return io.StringIO(text, newline="") if isinstance(text, str) else text


def csv_rows(text: str | Iterable[str]) -> Iterator[tuple[int, list[str] | str]]:
    """(line, fields) for each record of a CSV, or (line, why) for a record that cannot be read."""
    feed = LineFeed(text_lines(text))
    # Fields are bounded per column below; csv's own limit (128 KiB) would end the whole file instead.
    # The file may be streamed, so the bound is the largest csv takes rather than the text's length.
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(feed, strict=True)
    width = 0
    while True:
        line = feed.start_record()
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            why = f"unreadable CSV ({error}), most likely a quote never closed; reading resumes on the next line"
        else:
            width = width or len(fields)
            if not any(field_count(extra) >= width > 1 for extra in feed.taken[1:]):
                yield line, fields
                continue
            why = "a quote never closed swallowed the rows after it; reading resumes on the next line"
        feed.give_back()
        reader = csv.reader(feed, strict=True)
        yield line, why


def field_count(line: str) -> int:
    """How many fields one physical line holds when read as a CSV row of its own."""
    try:
        return len(next(csv.reader([line]), []))
    except csv.Error:
        return 0


def read_accounts(text: str | Iterable[str]) -> Iterator[AccountRecord | RowProblem]:
    """Yield a record for each good row and a problem for each bad one (warnings come before their record).

    `text` is the whole file or its physical lines (a file opened with newline=""), so that a book
    of ten million rows is read without holding it in memory.
    """
    rows = csv_rows(text)
    first = next(rows, None)
    header = [name.strip().lower() for name in first[1]] if first and isinstance(first[1], list) else []
    if "account_id" not in header:
        raise AccountFileError(f"no account_id column; expected columns: {','.join(COLUMNS)}")
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise AccountFileError(f"unknown column(s) {', '.join(unknown)}; expected: {','.join(COLUMNS)}")
    seen: dict[str, int] = {}
    for line, fields in rows:
        if isinstance(fields, str):
            yield RowProblem(line, "", fields)
            continue
        if not any(field.strip() for field in fields):
            continue  # a blank line, as csv.DictReader skips it
        if len(fields) > len(header):
            yield RowProblem(line, fields[0].strip(), "more fields than columns")
            continue
        if len(fields) < len(header) and any(mark in "".join(fields) for mark in ";\t|"):
            # A comma header over semicolon (or tab) rows would load each whole line as an account id.
            yield RowProblem(
                line,
                "",
                f"{len(fields)} field(s) for {len(header)} columns: is this row separated "
                f"by ';' or tabs? The file's header uses ','",
            )
            continue
        values = {key: value.strip() for key, value in zip(header, fields) if key}
        account_id = values.get("account_id", "")
        if account_id in seen:
            yield RowProblem(line, account_id, f"account_id repeats line {seen[account_id]}; first row kept")
            continue
        outcome = parse_row(values, line=line)
        if isinstance(outcome, AccountRecord):
            seen[account_id] = line
            yield from phone_warning(values, outcome, line=line)
        yield outcome


def parse_row(values: dict[str, str], *, line: int) -> AccountRecord | RowProblem:
    """Validate and normalise one row's fields."""
    account_id = values.get("account_id", "")
    if not account_id:
        return RowProblem(line, "", "account_id is empty")
    for key, limit in MAX_FIELD.items():
        if len(values.get(key, "")) > limit:
            return RowProblem(line, account_id[: MAX_FIELD["account_id"]], f"{key} longer than {limit:,} characters")
    # An id with a NUL or another control character cannot be typed, looked up or exported as it
    # was given: it loaded, and the account was invisible to the check and the export.
    if CONTROL.search(account_id):
        return RowProblem(line, CONTROL.sub("?", account_id), "account_id contains a control character")
    for key, value in values.items():
        if "\x00" in value:
            return RowProblem(line, account_id, f"{key} contains a NUL character")
    try:
        lat, lon = parse_point(values.get("lat", ""), values.get("lon", ""))
    except ValueError as error:
        return RowProblem(line, account_id, str(error))
    return AccountRecord(
        account_id=account_id,
        name=values.get("name", ""),
        phone=normalise_phone(values.get("phone", ""), country=values.get("country", "")),
        address=values.get("address", ""),
        city=values.get("city", ""),
        region=values.get("region", ""),
        postal_code=values.get("postal_code", ""),
        country=values.get("country", ""),
        lat=lat,
        lon=lon,
    )


def parse_point(lat_text: str, lon_text: str) -> tuple[float | None, float | None]:
    """Latitude and longitude, both or neither, in range; raises ValueError naming the field."""
    if not lat_text and not lon_text:
        return None, None
    if not lat_text or not lon_text:
        raise ValueError("lat and lon must be given together")
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise ValueError(f"lat/lon must be numbers, got {lat_text!r}, {lon_text!r}") from None
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise ValueError(f"lat {lat_text} is outside -90..90")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise ValueError(f"lon {lon_text} is outside -180..180")
    return lat, lon


def normalise_phone(raw: str, *, country: str = "") -> str:
    """The number in E.164, or "" when it cannot be read as a valid number."""
    if not raw:
        return ""
    region = country.upper() if len(country) == 2 else None
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_warning(values: dict[str, str], record: AccountRecord, *, line: int) -> Iterator[RowProblem]:
    """A warning when a phone was given but could not be understood (the account still loads)."""
    if values.get("phone") and not record.phone:
        yield RowProblem(
            line,
            record.account_id,
            f"phone {values['phone']!r} is not a valid number; stored without phone",
            rejected=False,
        )
