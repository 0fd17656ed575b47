"""SQLAlchemy 2.0 typed models: the stored shape of sources, events, accounts and flags."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend: SQLite keeps no zone, so store naive UTC and re-attach it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base whose datetimes are always aware UTC."""

    type_annotation_map = {datetime: UTCDateTime()}


# Cursors and ids that grow for the life of the service: 64-bit on PostgreSQL,
# INTEGER (the rowid alias) on SQLite so AUTOINCREMENT applies.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Source(Base):
    """A feed we crawl or ingest from, with its fetch state and health."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    trust: Mapped[str] = mapped_column(String(16))
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    entries_seen: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]


class Event(Base):
    """One alert or news item, with its validity interval: active from valid_from until valid_until."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("sender", "external_id", name="uq_events_identity"),
        Index("ix_events_validity", "valid_from", "valid_until"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    trust: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(255))
    external_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    msg_type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(255))
    # Comma-separated SAME / VTEC event codes as the issuer gave them (sources/eventcodes.py).
    event_codes: Mapped[str] = mapped_column(String(255), default="")
    severity: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    response_types: Mapped[str] = mapped_column(String(255), default="")
    headline: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    sender_name: Mapped[str] = mapped_column(String(255), default="")
    link: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16), default="")
    crisis_category: Mapped[str | None] = mapped_column(String(64))
    crisis_matched: Mapped[str | None] = mapped_column(Text)
    magnitude: Mapped[float | None] = mapped_column(Float)
    depth_km: Mapped[float | None] = mapped_column(Float)
    sent: Mapped[datetime]
    effective: Mapped[datetime | None]
    onset: Mapped[datetime | None]
    expires: Mapped[datetime | None]
    ends: Mapped[datetime | None]
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    cut_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    source: Mapped[Source] = relationship(lazy="joined")
    references: Mapped[list[EventReference]] = relationship(
        back_populates="event", cascade="all, delete-orphan", lazy="selectin"
    )
    areas: Mapped[list[EventArea]] = relationship(
        back_populates="event", cascade="all, delete-orphan", lazy="selectin", order_by="EventArea.position"
    )
    aliases: Mapped[list[EventAlias]] = relationship(
        back_populates="event", cascade="all, delete-orphan", lazy="selectin"
    )


class EventAlias(Base):
    """Another id the same event is known by (USGS network ids), so it is stored once."""

    __tablename__ = "event_aliases"
    __table_args__ = (UniqueConstraint("sender", "alias", name="uq_event_aliases"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(255))
    alias: Mapped[str] = mapped_column(String(255))

    event: Mapped[Event] = relationship(back_populates="aliases")


class EventReference(Base):
    """A CAP reference from one event to an earlier message it updates or cancels."""

    __tablename__ = "event_references"
    __table_args__ = (Index("ix_event_references_target", "ref_sender", "ref_identifier"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    ref_sender: Mapped[str] = mapped_column(String(255))
    ref_identifier: Mapped[str] = mapped_column(String(255))
    ref_sent: Mapped[datetime | None]

    event: Mapped[Event] = relationship(back_populates="references")


class EventArea(Base):
    """One resolved area of an event: its shapes (JSON, lat-first), bounding box and precision."""

    __tablename__ = "event_areas"
    __table_args__ = (Index("ix_event_areas_bbox", "min_lat", "max_lat", "min_lon", "max_lon"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(Text, default="")
    precision: Mapped[str] = mapped_column(String(16))
    polygons: Mapped[str] = mapped_column(Text, default="[]")
    circles: Mapped[str] = mapped_column(Text, default="[]")
    unresolved: Mapped[str] = mapped_column(Text, default="")
    min_lat: Mapped[float | None] = mapped_column(Float)
    min_lon: Mapped[float | None] = mapped_column(Float)
    max_lat: Mapped[float | None] = mapped_column(Float)
    max_lon: Mapped[float | None] = mapped_column(Float)

    event: Mapped[Event] = relationship(back_populates="areas")
    codes: Mapped[list[EventAreaCode]] = relationship(
        back_populates="area", cascade="all, delete-orphan", lazy="selectin"
    )


class EventAreaCode(Base):
    """An admin code an area covers (country, admin1, county, postal), indexed for account lookups."""

    __tablename__ = "event_area_codes"
    __table_args__ = (Index("ix_event_area_codes_lookup", "code_type", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("event_areas.id", ondelete="CASCADE"), index=True)
    code_type: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32))

    area: Mapped[EventArea] = relationship(back_populates="codes")


class Account(Base):
    """A customer account: what it told us about its whereabouts, and where we placed it."""

    __tablename__ = "accounts"
    __table_args__ = (
        # Covering: an alert's bounding box reads every column the matcher needs from the index alone,
        # without a lookup of each of its fifty thousand rows.
        Index(
            "ix_accounts_point",
            "loc_lat",
            "loc_lon",
            "loc_precision",
            "account_id",
            "timezone",
            "loc_city",
            "loc_postal_code",
        ),
        # The suppression index reads the accounts edited since it last looked.
        Index("ix_accounts_updated_at", "updated_at"),
    )

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(32), default="", index=True)
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(255), default="")
    region: Mapped[str] = mapped_column(String(255), default="")
    postal_code: Mapped[str] = mapped_column(String(32), default="")
    country: Mapped[str] = mapped_column(String(64), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    loc_precision: Mapped[str] = mapped_column(String(16), default="unknown")
    loc_source: Mapped[str] = mapped_column(String(32), default="none")
    loc_lat: Mapped[float | None] = mapped_column(Float)
    loc_lon: Mapped[float | None] = mapped_column(Float)
    loc_country: Mapped[str | None] = mapped_column(String(2), index=True)
    loc_admin1: Mapped[str | None] = mapped_column(String(16), index=True)
    loc_county_fips: Mapped[str | None] = mapped_column(String(5), index=True)
    loc_city: Mapped[str | None] = mapped_column(String(255))
    loc_city_geonameid: Mapped[int | None] = mapped_column(Integer)
    loc_postal_code: Mapped[str | None] = mapped_column(String(32), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    loc_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Flag(Base):
    """A fact with a validity interval: this account carries this level, for this reason, from/until."""

    __tablename__ = "flags"
    __table_args__ = (
        Index("ix_flags_account_interval", "account_id", "starts_at", "expires_at"),
        Index("ix_flags_event", "event_id", "account_id"),
        Index("ix_flags_expires", "expires_at"),
        {"sqlite_autoincrement": True},  # ids are never reused (see migration 0005)
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    match: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str | None] = mapped_column(String(128))
    starts_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    expiry_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ManualRelease(Base):
    """A supervisor's release of an automatic flag: it wins over the event until it expires."""

    __tablename__ = "manual_releases"
    __table_args__ = (Index("ix_manual_releases_target", "account_id", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.account_id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    starts_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class FlagChange(Base):
    """The append-only change log; `cursor` only grows, so a dialer can sync from the last one it saw."""

    __tablename__ = "flag_changes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    cursor: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    flag_id: Mapped[int | None] = mapped_column(BigInteger)
    account_id: Mapped[str] = mapped_column(String(128), index=True)
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16))
    previous_level: Mapped[str | None] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str | None] = mapped_column(String(128))
    starts_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]


class ApiKey(Base):
    """An API key: only its hash is stored; the key itself is shown once at creation."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(String(16))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class GeocodeCacheEntry(Base):
    """An online geocoder's answer, kept so the provider is asked once per query."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    query: Mapped[str] = mapped_column(String(512))
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("provider", "query", name="uq_geocode_cache_query"),)


class Webhook(Base):
    """A receiver of the change feed: flag changes are POSTed to its URL, signed with its secret."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(Text)
    # Kept as given, unlike API keys: signing with HMAC needs the secret itself.
    secret: Mapped[str] = mapped_column(Text)
    cursor: Mapped[int] = mapped_column(BigInteger, default=0)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class WebhookDelivery(Base):
    """One attempt to POST a batch of changes to a webhook: the trail of its retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_webhook", "webhook_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    first_cursor: Mapped[int] = mapped_column(BigInteger)
    last_cursor: Mapped[int] = mapped_column(BigInteger)
    attempt: Mapped[int]
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    attempted_at: Mapped[datetime]
