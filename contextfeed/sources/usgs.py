"""USGS earthquake GeoJSON summary feeds (earthquake.usgs.gov/earthquakes/feed/v1.0/summary/*.geojson).

Each feature is one earthquake: an epicentre [lon, lat, depth_km], a
magnitude (sometimes null), and when USGS has run PAGER an `alert` level
(green/yellow/orange/red). The same earthquake is known to several networks:
`ids` lists them all (",ak20254969,us2000hf7h,") and the preferred one is `id`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from contextfeed.sources.documents import DocumentError, load_json
from contextfeed.sources.instants import from_epoch_ms
from contextfeed.sources.model import Area, Circle, ParsedEvent, ParseResult
from contextfeed.sources.results import EntryError, read_entries, result
from contextfeed.sources.shapes import checked_point

log = logging.getLogger(__name__)

KIND = "usgs"
SENDER = "usgs"
SENDER_NAME = "U.S. Geological Survey"

#: USGS's own earthquake CAP alerts expire one week after issue (see
#: tests/data/cap/earthquake_iso8859_1.xml); the GeoJSON events do the same.
VALIDITY = timedelta(days=7)

PAGER_TO_SEVERITY: Mapping[str, str] = {
    "red": "Extreme",
    "orange": "Severe",
    "yellow": "Moderate",
    "green": "Minor",
}
"""PAGER alert level -> CAP severity.

PAGER estimates fatalities and losses from the shaking and the people
exposed to it, so when USGS publishes a level it decides the severity
(a M6.5 far out at sea is green, hence Minor). Urgency is always Past:
the shaking is over, as USGS's own CAP alerts say.
"""

MAGNITUDE_TO_SEVERITY: tuple[tuple[float, str], ...] = (
    (7.0, "Extreme"),
    (6.0, "Severe"),
    (5.0, "Moderate"),
    (float("-inf"), "Minor"),
)
"""Without a PAGER level: magnitude at least X -> CAP severity, first match wins.

M7+ "major" and M6+ "strong" quakes damage buildings over wide areas; M5+
"moderate" ones locally; below that damage is rare. A null magnitude
gives "Unknown".
"""

STATUS_TO_CERTAINTY: Mapping[str, str] = {
    "reviewed": "Observed",
    "automatic": "Likely",
    "deleted": "Unlikely",
}
"""USGS `status` -> CAP certainty: reviewed by a seismologist, automatic solution, or withdrawn."""


def felt_radius_km(mag: float, depth_km: float) -> float:
    """Epicentral radius (km) within which shaking reaches MMI IV ("felt indoors by many").

    Uses the Bakun & Wentworth (1997) intensity attenuation
    MMI = 3.67 + 1.17 M - 3.19 log10(R), R the hypocentral distance in km,
    solved for MMI IV, then projected to the surface with the focal depth:
    M5 at 10 km -> ~53 km, M6 -> ~125 km, M7 -> ~290 km. Deep quakes whose
    MMI IV distance is shallower than their focus give 0 (the epicentre only).
    """
    hypocentral_km = 10 ** ((3.67 + 1.17 * mag - 4.0) / 3.19)
    depth = max(depth_km, 0.0)
    return math.sqrt(hypocentral_km**2 - depth**2) if hypocentral_km > depth else 0.0


def severity_for(mag: float | None, pager_alert: str | None) -> str:
    """CAP severity of an earthquake: from its PAGER level when there is one, else from its magnitude."""
    if pager_alert is not None and pager_alert in PAGER_TO_SEVERITY:
        return PAGER_TO_SEVERITY[pager_alert]
    if mag is None:
        return "Unknown"
    return next(severity for floor, severity in MAGNITUDE_TO_SEVERITY if mag >= floor)


def parse_usgs(body: bytes, *, source: str) -> ParseResult:
    """One event per earthquake feature of a USGS GeoJSON feed."""
    document = load_json(body)
    if not isinstance(document, Mapping) or not isinstance(document.get("features"), list):
        raise DocumentError("not a USGS earthquake feed: no GeoJSON `features` list")
    events, errors = read_entries(
        document["features"], lambda feature: read_feature(feature, source=source), label=_label
    )
    return result(events, errors)


def _label(position: int, feature: Any) -> str:
    """How an error names a feature."""
    identifier = feature.get("id") if isinstance(feature, Mapping) else None
    return f"earthquake {identifier or f'#{position}'}"


def read_feature(feature: Mapping[str, Any], *, source: str) -> ParsedEvent:
    """One earthquake feature as an event centred on its epicentre."""
    properties = feature.get("properties") or {}
    identifier = feature.get("id")
    if not identifier or properties.get("time") is None:
        raise EntryError("earthquake without id or time")
    try:
        lon, lat, depth = (float(value) for value in feature["geometry"]["coordinates"][:3])
        lat, lon = checked_point(lat, lon)
    except (KeyError, TypeError, ValueError) as exc:
        raise EntryError(f"no usable epicentre ({exc})") from None
    mag = float(properties["mag"]) if properties.get("mag") is not None else None
    origin = from_epoch_ms(properties["time"])
    pager = properties.get("alert")
    return ParsedEvent(
        source=source,
        kind=KIND,
        external_id=str(identifier),
        sender=SENDER,
        sender_name=SENDER_NAME,
        sent=from_epoch_ms(properties.get("updated") or properties["time"]),
        category="Geo",
        event_type=str(properties.get("type") or "earthquake").title(),
        severity=severity_for(mag, pager),
        urgency="Past",
        certainty=STATUS_TO_CERTAINTY.get(str(properties.get("status")), "Unknown"),
        headline=properties.get("title") or "",
        summary=properties.get("place") or "",
        link=properties.get("url") or "",
        language="en-US",
        effective=origin,
        onset=origin,
        expires=origin + VALIDITY,
        areas=(
            Area(
                description=properties.get("place") or "",
                circles=(Circle(lat=lat, lon=lon, radius_km=felt_radius_km(mag, depth) if mag is not None else 0.0),),
            ),
        ),
        alternate_ids=tuple(
            other for other in str(properties.get("ids") or "").split(",") if other and other != identifier
        ),
        magnitude=mag,
        depth_km=depth,
    )
