"""Request and response models: what the API accepts (validated, with limits) and what it answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from contextfeed.accounts.csvfile import MAX_FIELD, AccountRecord, normalise_phone
from contextfeed.dialer.suppression import MAX_LOOKUPS, Purpose
from contextfeed.domain.instants import as_utc
from contextfeed.domain.terms import Level, Scope

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
MAX_ID = 2**63 - 1
MAX_BATCH = 10_000


def utc_instant(value: datetime) -> datetime:
    """Aware UTC (a naive time is taken as UTC) within 1970..2200, where every time zone is defined."""
    try:
        instant = as_utc(value)
    except OverflowError:
        raise ValueError("is out of range") from None
    if not EARLIEST <= instant < LATEST:
        raise ValueError("must be between 1970 and 2200")
    return instant


def iso_instant(value: Any) -> Any:
    """Only ISO 8601 text (or a datetime) is an instant: pydantic would take 0.5 or "0.5" as a Unix time."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value.strip()):
        raise ValueError("must be an ISO 8601 instant such as 2013-04-19T11:00:00Z")
    return value


def not_boolean(value: Any) -> Any:
    """A coordinate is a number: JSON false would otherwise be read as 0.0, a point off West Africa."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    return value


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
Instant = Annotated[datetime, BeforeValidator(iso_instant), AfterValidator(utc_instant)]
# Text without control characters: PostgreSQL refuses NUL, and ids are shown and typed by people.
AccountId = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_FIELD["account_id"], pattern=r"^[^\x00-\x1f\x7f]+$")
]
Phone = Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^\x00]*$")]
ReasonText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"^[^\x00]+$")
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Latitude = Annotated[float, BeforeValidator(not_boolean), Field(ge=-90, le=90)]
Longitude = Annotated[float, BeforeValidator(not_boolean), Field(ge=-180, le=180)]


class Strict(BaseModel):
    """Request bodies: unknown fields are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


class AccountFields(Strict):
    """An account's details; every field optional, as in the CSV import."""

    name: Text = Field("", max_length=1000)
    address: Text = Field("", max_length=1000)
    city: Text = Field("", max_length=MAX_FIELD["city"])
    region: Text = Field("", max_length=MAX_FIELD["region"])
    postal_code: Text = Field("", max_length=MAX_FIELD["postal_code"])
    country: Text = Field("", max_length=MAX_FIELD["country"])
    # After country: a national number is read with the country as its hint.
    phone: Text = Field("", max_length=MAX_FIELD["phone"], description="E.164, or national with `country` set")
    lat: Latitude | None = None
    lon: Longitude | None = Field(None, validate_default=True)

    @field_validator("phone")
    @classmethod
    def _readable_phone(cls, phone: str, info: ValidationInfo) -> str:
        normalised = normalise_phone(phone, country=info.data.get("country", ""))
        if phone and not normalised:
            raise ValueError("is not a phone number we can read; give it in E.164 (+16175550101)")
        return normalised

    @field_validator("lon")
    @classmethod
    def _lat_and_lon_together(cls, lon: float | None, info: ValidationInfo) -> float | None:
        if "lat" in info.data and (lon is None) != (info.data["lat"] is None):
            raise ValueError("lat and lon must be given together")
        return lon

    def record(self, account_id: str) -> AccountRecord:
        """The record the account store upserts."""
        return AccountRecord(account_id=account_id, **self.model_dump(include=set(AccountFields.model_fields)))


class AccountUpsert(AccountFields):
    """One account of a batch upsert."""

    account_id: AccountId


class AccountBatch(Strict):
    """Many accounts upserted in one transaction: all of them, or none when one is invalid."""

    accounts: Annotated[list[AccountUpsert], Field(min_length=1, max_length=MAX_BATCH)]

    @field_validator("accounts")
    @classmethod
    def _unique_ids(cls, accounts: list[AccountUpsert]) -> list[AccountUpsert]:
        seen: dict[str, int] = {}
        for index, account in enumerate(accounts):
            if account.account_id in seen:
                raise ValueError(
                    f"accounts[{index}].account_id {account.account_id!r} repeats accounts[{seen[account.account_id]}]"
                )
            seen[account.account_id] = index
        return accounts


class LocationOut(BaseModel):
    """Where an account was placed."""

    label: str
    precision: str
    precision_text: str
    source: str
    lat: float | None
    lon: float | None
    city: str | None
    admin1: str | None
    county_fips: str | None
    postal_code: str | None
    country: str | None
    timezone: str | None
    note: str


class AccountOut(BaseModel):
    """An account as given, and as located."""

    account_id: str
    name: str
    phone: str
    address: str
    city: str
    region: str
    postal_code: str
    country: str
    lat: float | None
    lon: float | None
    location: LocationOut
    created_at: str
    updated_at: str


class AccountWritten(AccountOut):
    """An account after an upsert, with the flag changes its (re)location caused."""

    flag_changes: dict[str, int]


class AccountList(BaseModel):
    """Accounts found by phone."""

    accounts: list[AccountOut]


class BatchReport(BaseModel):
    """What a batch upsert did."""

    created: int
    updated: int
    unchanged: int
    flag_changes: dict[str, int]


class SuppressionCheck(Strict):
    """Account ids and/or E.164 phones to check (100,000 in all at most)."""

    account_ids: list[AccountId] = Field([], max_length=MAX_LOOKUPS)
    phones: list[Phone] = Field([], validate_default=True)
    at: Instant | None = Field(None, description="the instant to decide for (default: now)")
    purpose: Purpose = Field(
        "agent",
        description="agent: a person calls, only do_not_chase suppresses; "
        "automated: no person on the line, caution suppresses too",
    )

    @field_validator("phones")
    @classmethod
    def _within_limit(cls, phones: list[str], info: ValidationInfo) -> list[str]:
        total = len(phones) + len(info.data.get("account_ids", []))
        if total > MAX_LOOKUPS:
            raise ValueError(f"at most {MAX_LOOKUPS} account_ids and phones in all per request, got {total}")
        if total == 0 and "account_ids" in info.data:
            raise ValueError("give at least one account id or phone")
        return phones


class Reason(BaseModel):
    """A short reason: the rule, the level, the flag and events behind it."""

    rule: str
    level: str | None
    flag_id: int | None
    event_ids: list[int]
    text: str
    until: str | None


class CheckResult(BaseModel):
    """The answer for one account."""

    account_id: str | None
    phone: str | None
    status: Literal["ok", "unknown_account"]
    suppress: bool
    level: str | None
    reasons: list[Reason]
    until: str | None = Field(description="when suppression ends (UTC); null when not suppressed or no set end")
    outside_calling_hours: bool | None
    local_time: str | None


class CheckResponse(BaseModel):
    """One result per asked id (in order), then per account behind each asked phone."""

    results: list[CheckResult]


class Change(BaseModel):
    """One entry of the change log."""

    cursor: int
    account_id: str
    phone: str | None
    flag_id: int | None
    event_id: int | None
    action: str
    origin: str
    level: str | None
    previous_level: str | None
    rule: str
    reason: str
    actor: str | None
    starts_at: str | None
    expires_at: str | None
    recorded_at: str


class ChangePage(BaseModel):
    """A page of the change feed; ask again with `after=next_cursor`."""

    changes: list[Change]
    next_cursor: int
    has_more: bool


class ExportRow(BaseModel):
    """One do-not-contact entry."""

    phone: str
    account_id: str
    level: str
    expires: str = Field(description="yyyy-MM-ddTHH:mmZ (UTC), rounded up; empty when the flag has no set end")
    reason_code: str


class ExportList(BaseModel):
    """The suppression list as JSON."""

    at: str
    level: str
    entries: list[ExportRow]


class Stamp(BaseModel):
    """An instant in UTC and on the customer's clock."""

    utc: str
    local: str | None


class ClockOut(BaseModel):
    """The instant asked about, on the customer's clock."""

    utc: str
    local: str | None
    timezone: str | None
    abbreviation: str | None
    utc_offset: str | None


class CallingHours(BaseModel):
    """The calling window, local time, and whether the customer is inside it (null: zone unknown)."""

    start: str
    end: str
    inside: bool | None


class BriefingFlag(BaseModel):
    """A flag in force, for the agent."""

    flag_id: int
    level: str
    reason: str
    rule: str
    match: str
    origin: str
    actor: str | None
    event_ids: list[int]
    starts_at: Stamp
    expires_at: Stamp | None
    guidance: str


class AreaCode(BaseModel):
    """An admin code an area covers."""

    type: str
    code: str


class Area(BaseModel):
    """An event area: shapes are latitude first, as CAP writes them."""

    description: str
    precision: str
    polygons: list[list[list[float]]]
    circles: list[list[float]]
    bbox: list[float] | None
    codes: list[AreaCode]
    unresolved: list[str]


class EventBase(BaseModel):
    """What an event is and who said it."""

    event_id: int
    source: str
    kind: str
    trust: str
    sender: str
    sender_name: str
    status: str
    msg_type: str
    category: str
    event_type: str
    severity: str
    urgency: str
    certainty: str
    headline: str
    link: str
    crisis_category: str | None


class BriefingEvent(EventBase):
    """An event behind a flag, or nearby."""

    relation: Literal["flag", "nearby"]
    distance_km: float | None
    how: str
    sent: Stamp
    valid_from: Stamp
    valid_until: Stamp | None
    summary: str
    instruction: str
    areas: list[Area]


class Briefing(BaseModel):
    """What is going on around this customer: the agent's answer."""

    account: AccountOut
    at: ClockOut
    calling_hours: CallingHours
    level: str | None
    guidance: str
    flags: list[BriefingFlag]
    events: list[BriefingEvent]


class EventOut(EventBase):
    """An event with its times in UTC."""

    sent: str
    valid_from: str
    valid_until: str | None
    cut_at: str | None
    ended_by: str | None


class EventList(BaseModel):
    """Events matching the filters, newest first."""

    events: list[EventOut]


class Reference(BaseModel):
    """An earlier message this event updates or cancels."""

    sender: str
    identifier: str
    sent: str | None


class EventDetail(EventOut):
    """Everything stored about an event."""

    summary: str
    instruction: str
    response_types: list[str]
    magnitude: float | None
    depth_km: float | None
    language: str
    areas: list[Area]
    references: list[Reference]
    first_seen_at: str
    last_seen_at: str


class SourceOut(BaseModel):
    """A source and its crawl health."""

    name: str
    kind: str
    url: str | None
    trust: str
    configured: bool
    enabled: bool
    status: Literal["ok", "failing", "degraded", "never_fetched"] = Field(
        description="degraded: failing for longer than three of its crawl intervals"
    )
    down_since: str | None = Field(description="while failing: its last answer (or first sighting)")
    last_attempt_at: str | None
    last_success_at: str | None
    last_error: str | None
    consecutive_failures: int
    entries_seen: int


class ServiceHealth(BaseModel):
    """Liveness, and which sources are not answering."""

    status: Literal["ok", "degraded"]
    degraded_sources: list[str] = Field(description="failing for longer than three of their crawl intervals")
    failing_sources: list[str] = Field(description="whose last attempt failed (degraded ones included)")


class SourceList(BaseModel):
    """Every configured or seen source."""

    sources: list[SourceOut]


class ManualFlag(Strict):
    """A supervisor's flag on an account."""

    account_id: AccountId
    level: Level
    reason: ReasonText
    until: Instant | None = Field(None, description="when it ends (default: until released)")
    actor: Name | None = Field(None, description="who decided (default: the API key's name)")


class FlagOut(BaseModel):
    """A flag just raised or released."""

    flag_id: int
    account_id: str
    level: str
    reason: str
    rule: str
    origin: str
    actor: str | None
    starts_at: str
    expires_at: str | None


class Released(BaseModel):
    """The outcome of a release."""

    flag_id: int
    released: bool
    message: str


class KeyRequest(Strict):
    """A new API key."""

    name: Name
    scope: Scope


class KeyOut(BaseModel):
    """An API key without its secret."""

    id: int
    name: str
    scope: str
    prefix: str
    created_at: str
    revoked_at: str | None
    last_used_at: str | None


class KeyCreated(KeyOut):
    """A key just made: `key` is shown this once."""

    key: str


class KeyList(BaseModel):
    """Every API key, revoked ones included."""

    keys: list[KeyOut]


class WebhookRequest(Strict):
    """A receiver for the change feed."""

    name: Name
    url: AnyHttpUrl
    secret: Annotated[str, StringConstraints(min_length=16, max_length=256, pattern=r"^[^\x00]+$")]
    after: Annotated[int, Field(ge=0, le=MAX_ID)] | None = Field(
        None, description="deliver changes after this cursor (default: only changes from now on)"
    )


class WebhookOut(BaseModel):
    """A webhook and its delivery state."""

    id: int
    name: str
    url: str
    cursor: int
    failures: int
    next_attempt_at: str | None
    last_attempt_at: str | None
    last_success_at: str | None
    last_error: str | None
    created_at: str


class Delivery(BaseModel):
    """One delivery attempt."""

    id: int
    first_cursor: int
    last_cursor: int
    attempt: int
    delivered: bool
    status_code: int | None
    error: str | None
    attempted_at: str


class WebhookDetail(WebhookOut):
    """A webhook with its latest delivery attempts."""

    deliveries: list[Delivery]


class WebhookList(BaseModel):
    """Every webhook."""

    webhooks: list[WebhookOut]
