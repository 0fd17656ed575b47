"""OpenFEMA DisasterDeclarationsSummaries v2 (fema.gov/api/open/v2/DisasterDeclarationsSummaries).

The dataset has one row per designated area (county, tribal area or
"Statewide") of each declaration; we give one event per disaster number,
its rows' areas united. Counties become CAP-style FIPS6 geocodes
("0" + state FIPS + county FIPS, "012086" for Miami-Dade, the form NWS CAP
uses) so one matcher rule serves both; a statewide row (county "000") becomes
ISO 3166-2 "US-FL". Tribal rows also carry county "000" but are not the
whole state: they keep only their name.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from contextfeed.domain.instants import optional_instant, parse_instant
from contextfeed.sources.documents import DocumentError, load_json
from contextfeed.sources.model import Area, Geocode, ParsedEvent, ParseResult
from contextfeed.sources.results import EntryError, Reading, read_noting, result, unique_areas

log = logging.getLogger(__name__)

KIND = "fema"
SENDER = "fema"
SENDER_NAME = "Federal Emergency Management Agency"
_RECORDS = "DisasterDeclarationsSummaries"
_STATEWIDE_COUNTY = "000"

DECLARATION_TYPES: Mapping[str, tuple[str, str]] = {
    "DR": ("Major Disaster Declaration", "Extreme"),
    "EM": ("Emergency Declaration", "Severe"),
    "FM": ("Fire Management Assistance Declaration", "Severe"),
}
"""`declarationType` -> (name, CAP severity).

A major disaster (Stafford Act §401) is declared when the damage is beyond
the state's means: Extreme. An emergency (§501) is declared to save lives
before or during an event, and fire management assistance for a fire
threatening to become a major disaster: both Severe. Certainty is always
"Observed"; urgency is "Immediate" while the incident was still going on
when declared (no `incidentEndDate`, or one after `declarationDate`), else
"Past".
"""

INCIDENT_CATEGORIES: Mapping[str, str] = {
    "Fire": "Fire",
    "Earthquake": "Geo",
    "Volcanic Eruption": "Geo",
    "Tsunami": "Geo",
    "Mud/Landslide": "Geo",
    "Biological": "Health",
    "Chemical": "CBRNE",
    "Toxic Substances": "CBRNE",
    "Terrorist": "Security",
    "Dam/Levee Break": "Infra",
    "Fishing Losses": "Env",
}
"""`incidentType` -> CAP category; weather incidents (Hurricane, Flood, Severe Storm, Winter Storm ...) are "Met"."""


def parse_fema(body: bytes, *, source: str) -> ParseResult:
    """One event per disaster number in an OpenFEMA DisasterDeclarationsSummaries response."""
    document = load_json(body)
    rows = document.get(_RECORDS) if isinstance(document, Mapping) else None
    if not isinstance(rows, list):
        raise DocumentError(f"not an OpenFEMA declarations response: no `{_RECORDS}` list")
    declarations: dict[str, list[Mapping[str, Any]]] = {}
    errors: list[str] = []
    for position, row in enumerate(rows, start=1):
        if isinstance(row, Mapping) and row.get("femaDeclarationString"):
            declarations.setdefault(str(row["femaDeclarationString"]), []).append(row)
        else:
            errors.append(f"row #{position}: no femaDeclarationString")
    events, failures = read_noting(
        declarations.values(), lambda group: read_declaration(group, source=source), label=_label
    )
    return result(events, errors + failures)


def _label(position: int, rows: Sequence[Mapping[str, Any]]) -> str:
    """How an error names a declaration."""
    return f"declaration {rows[0].get('femaDeclarationString') or f'#{position}'}"


def read_declaration(rows: Sequence[Mapping[str, Any]], *, source: str) -> Reading:
    """One declaration (all rows of one disaster number) as an event, and the rows it could not use."""
    first = rows[0]
    identifier = str(first["femaDeclarationString"])
    declaration_type = str(first.get("declarationType") or "")
    if declaration_type not in DECLARATION_TYPES:
        raise EntryError(f"unknown declarationType {declaration_type!r}")
    name, severity = DECLARATION_TYPES[declaration_type]
    if not first.get("declarationDate"):
        raise EntryError("no declarationDate")
    declared = parse_instant(str(first["declarationDate"]))
    incident_end = optional_instant(first.get("incidentEndDate"))
    areas, problems = [], []
    for row in rows:
        try:
            areas.append(_area(row))
        except EntryError as exc:
            problems.append(f"area {row.get('designatedArea')!r} ignored: {exc}")
    title = str(first.get("declarationTitle") or "").title()
    incident_type = str(first.get("incidentType") or "")
    event = ParsedEvent(
        source=source,
        kind=KIND,
        external_id=identifier,
        sender=SENDER,
        sender_name=SENDER_NAME,
        sent=declared,
        category=INCIDENT_CATEGORIES.get(incident_type, "Met" if incident_type else "Other"),
        event_type=incident_type,
        severity=severity,
        urgency="Immediate" if incident_end is None or incident_end > declared else "Past",
        certainty="Observed",
        headline=f"{name} {identifier}: {title}",
        summary=f"{name} for {title} in {first.get('state')}, covering "
        + ", ".join(area.description for area in areas),
        link=f"https://www.fema.gov/disaster/{first.get('disasterNumber')}",
        language="en-US",
        effective=declared,
        # The incident period is not the declaration's life: a declaration
        # stands until closed out, and the policy decides how long it flags.
        onset=optional_instant(first.get("incidentBeginDate")),
        areas=unique_areas(areas),
    )
    return event, problems


def _area(row: Mapping[str, Any]) -> Area:
    """A designated area: a county (FIPS6), the whole state (ISO 3166-2), or a tribal area by name."""
    state = str(row.get("state") or "")
    state_fips, county = str(row.get("fipsStateCode") or ""), str(row.get("fipsCountyCode") or "")
    description = str(row.get("designatedArea") or "")
    if county == _STATEWIDE_COUNTY:
        if row.get("tribalRequest"):
            return Area(description=description)
        if len(state) != 2:
            raise EntryError(f"statewide row without a state code: {state!r}")
        return Area(description=description, geocodes=(Geocode(name="ISO3166-2", value=f"US-{state.upper()}"),))
    if not (len(state_fips) == 2 and state_fips.isdigit() and len(county) == 3 and county.isdigit()):
        raise EntryError(f"unreadable FIPS codes state {state_fips!r} county {county!r}")
    return Area(description=description, geocodes=(Geocode(name="FIPS6", value=f"0{state_fips}{county}"),))
