"""Reading account CSV files row by row (pure over the text): a bad row is reported with its line number, skipped."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

COLUMNS = ("account_id", "name", "phone", "address", "city", "region", "postal_code", "country", "lat", "lon")
MAX_FIELD = {"account_id": 128, "phone": 32, "city": 255, "region": 255, "postal_code": 32, "country": 64}


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


@dataclass(frozen=True)
class RowProblem:
    """Why a row was rejected, or (rejected=False) a warning about a field that was dropped."""

    line: int
    account_id: str
    message: str
    rejected: bool = True


class AccountFileError(Exception):
    """The file as a whole cannot be read (not CSV, no account_id column)."""


def read_account_file(path: Path) -> tuple[list[AccountRecord], list[RowProblem]]:
    """The good rows and the problems of an accounts CSV file; AccountFileError, naming the file, if unusable."""
    try:
        items = list(read_accounts(decode(path.read_bytes())))
    except OSError as error:
        raise AccountFileError(f"cannot read {path}: {error.strerror}") from None
    except AccountFileError as error:
        raise AccountFileError(f"{path}: {error}") from None
    return ([item for item in items if isinstance(item, AccountRecord)],
            [item for item in items if not isinstance(item, AccountRecord)])


def decode(data: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else Windows-1252 as spreadsheets export it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_accounts(text: str) -> Iterator[AccountRecord | RowProblem]:
    """Yield a record for each good row and a problem for each bad one (warnings come before their record)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "account_id" not in header:
        raise AccountFileError(f"no account_id column; expected columns: {','.join(COLUMNS)}")
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise AccountFileError(f"unknown column(s) {', '.join(unknown)}; expected: {','.join(COLUMNS)}")
    reader.fieldnames = header
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            yield RowProblem(line, (row.get("account_id") or "").strip(), "more fields than columns")
            continue
        values = {key: (value or "").strip() for key, value in row.items() if key}
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
            return RowProblem(line, account_id, f"{key} longer than {limit} characters")
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
            line, record.account_id, f"phone {values['phone']!r} is not a valid number; stored without phone",
            rejected=False,
        )
