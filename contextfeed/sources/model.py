"""The data contract between parsers and the rest of the pipeline: frozen, I/O-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True)
class Circle:
    """A circle in CAP order: centre latitude, longitude, radius in kilometres."""

    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Geocode:
    """One CAP-style geocode: the value name (SAME, FIPS6, UGC, EMMA_ID, ISO3166-2, NUTS3 ...) and its value."""

    name: str
    value: str


@dataclass(frozen=True)
class Area:
    """Where an event applies; the union of every shape and code it lists (CAP 1.2 §3.2.4).

    Polygons are rings of (lat, lon) pairs, always in latitude-first order
    whatever the source format used, so GeoJSON's [lon, lat] is swapped by
    its parser, never downstream.
    """

    description: str = ""
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()
    circles: tuple[Circle, ...] = ()
    geocodes: tuple[Geocode, ...] = ()
    country_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reference:
    """A CAP reference triple (CAP 1.2 §3.2.1: sender,identifier,sent)."""

    sender: str
    identifier: str
    sent: datetime | None


@dataclass(frozen=True)
class ParsedEvent:
    """One alert or news item as a source published it, before dedupe and lifecycle.

    Times are timezone-aware UTC. Severity, urgency and certainty use CAP's
    vocabulary for every kind (non-CAP sources are mapped by their parser).
    """

    source: str
    kind: str
    external_id: str
    sender: str
    sent: datetime
    status: str = "Actual"
    msg_type: str = "Alert"
    category: str = "Other"
    event_type: str = ""
    # SAME event codes and NWS VTEC phenomenon.significance the issuer gave ("FFW", "FF.W"): sources/eventcodes.py.
    event_codes: tuple[str, ...] = ()
    severity: str = "Unknown"
    urgency: str = "Unknown"
    certainty: str = "Unknown"
    response_types: tuple[str, ...] = ()
    headline: str = ""
    summary: str = ""
    instruction: str = ""
    sender_name: str = ""
    link: str = ""
    language: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    ends: datetime | None = None
    references: tuple[Reference, ...] = ()
    areas: tuple[Area, ...] = ()
    alternate_ids: tuple[str, ...] = ()
    magnitude: float | None = None
    depth_km: float | None = None
    # False when the source gave no date at all: `sent` is then UNDATED, and the store dates
    # the event by when it was first seen.
    dated: bool = True


#: The `sent` of an item its source did not date (see ParsedEvent.dated).
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ParseResult:
    """What one document gave: its events, the errors met on the way, and linked CAP documents to fetch.

    `linked_documents` maps an index entry's CAP identifier to the URL of the
    full CAP document; a crawler fetches those and prefers them to the
    index's summary of the same alert (feedparser loses repeated geocodes).
    """

    events: tuple[ParsedEvent, ...] = ()
    errors: tuple[str, ...] = ()
    linked_documents: tuple[tuple[str, str], ...] = field(default=())
