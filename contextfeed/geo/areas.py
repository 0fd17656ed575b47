"""Turn an event's areas into what accounts are matched against: shapes first, then admin codes.

Geocodes (CAP 1.2 §3.2.4 `geocode`, NWS `geocode` objects):

* SAME and FIPS6 `PSSCCC` -> county FIPS `SSCCC` (P, the part of the county, is
  dropped: accounts are located to counties, not ninths of them); county 000
  means the whole state -> admin1.
* UGC `SSC###` -> county FIPS through the state's FIPS code. UGC forecast zones
  `SSZ###` have no offline geometry or county mapping: they stay in
  `unresolved`, and their state goes to `unresolved_within`.
* ISO 3166-2 -> admin1; `country_codes` (ISO2/ISO3) -> countries.
* EMMA_ID and NUTS codes (MeteoAlarm) -> `unresolved`, their country (the first
  two letters) -> `unresolved_within`. They are not turned into the whole
  country: a warning for one French département must not suppress every
  account in France. `unresolved_within` says where unresolved codes lie, for
  display and context, never for suppression.
* The area description is geoparsed only when nothing else resolved.
* An area with a polygon or circle is that shape: its geocodes do not widen it.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable
from dataclasses import replace

from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.model import PlaceMention, Precision, ResolvedArea
from contextfeed.sources.model import Area

log = logging.getLogger(__name__)

_CODE_SEPARATORS = re.compile(r"[\s,;]+")
_SAME = re.compile(r"^\d(\d{2})(\d{3})$")
_UGC = re.compile(r"^([A-Z]{2})([CZ])(\d{3})$")
# NWS writes UGC ranges as "ILC001>005" and runs as "ILC001-003-005".
_UGC_RANGE = re.compile(r"^([A-Z]{2}[CZ])(\d{3})>(\d{3})$")
_EUROPEAN_PREFIX = re.compile(r"^([A-Z]{2})[A-Z0-9]+$")
# NUTS and EMMA_ID use EU prefixes where ISO 3166-1 differs.
_EU_TO_ISO = {"UK": "GB", "EL": "GR"}
_EUROPEAN_SCHEMES = ("EMMA_ID", "NUTS", "NUTS1", "NUTS2", "NUTS3", "WARNCELLID")


def resolve_area(area: Area, gazetteer: Gazetteer) -> ResolvedArea:
    """The shapes and admin codes of an event area, with what could not be mapped offline kept visible."""
    found = _Codes()
    for geocode in area.geocodes:
        scheme = geocode.name.strip().upper().replace(" ", "")
        for value in _values(geocode.value, scheme):
            found.add(scheme, value, gazetteer)
    for code in area.country_codes:
        country = gazetteer.country(code)
        if country:
            found.countries.add(country.code)
        else:
            found.unresolved.append(f"country:{code}")
    polygons = tuple(tuple(ring) for ring in area.polygons if len(ring) >= 3)
    circles = tuple((c.lat, c.lon, c.radius_km) for c in area.circles)
    # A polygon (or circle) is the area when there is one (IPAWS and NWS storm-based warning practice):
    # its geocodes name the counties it touches, and matching them too would widen a warning for a few
    # streets to whole counties. Geocodes define the area only when there is no shape. Errs towards
    # calling: an account located only to its county is not reached by a shape inside that county.
    shaped = bool(polygons or circles)
    counties = set() if shaped else found.counties
    admin1 = set() if shaped else found.admin1
    resolved = ResolvedArea(
        precision=_finest(
            [Precision.POINT] * shaped
            + [Precision.COUNTY] * bool(counties)
            + [Precision.ADMIN1] * bool(admin1)
            + [Precision.COUNTRY] * bool(found.countries)
        ),
        description=area.description,
        polygons=polygons,
        circles=circles,
        countries=frozenset(found.countries),
        admin1=frozenset(admin1),
        county_fips=frozenset(counties),
        unresolved=tuple(found.unresolved),
        unresolved_within=frozenset(found.within),
    )
    if resolved.precision is Precision.UNKNOWN and area.description.strip():
        # Imported here: only an area given by its description alone needs the geoparser.
        from contextfeed.geo.geoparse import Geoparser

        mentions = [m for m in Geoparser(gazetteer).parse(area.description) if _names_whole_area(m, area.description)]
        from_text = area_from_mentions(mentions, description=area.description)
        if from_text.precision is not Precision.UNKNOWN:
            log.info("area %r resolved from its description only", area.description)
            return replace(from_text, unresolved=resolved.unresolved, unresolved_within=resolved.unresolved_within)
    return resolved


def area_from_mentions(mentions: Iterable[PlaceMention], *, description: str = "") -> ResolvedArea:
    """The area a news story (or an area description) names: its focus places as circles and admin codes."""
    from contextfeed.geo.geoparse import focus_mentions

    circles, counties, admin1, countries, precisions = [], set(), set(), set(), []
    for mention in focus_mentions(list(mentions)):
        precisions.append(mention.precision)
        if mention.precision is Precision.CITY and mention.lat is not None and mention.lon is not None:
            circles.append((mention.lat, mention.lon, city_radius_km(mention.population)))
        elif mention.precision is Precision.COUNTY and mention.county_fips:
            counties.add(mention.county_fips)
        elif mention.precision is Precision.ADMIN1 and mention.admin1:
            admin1.add(mention.admin1)
        elif mention.precision is Precision.COUNTRY and mention.country:
            countries.add(mention.country)
    return ResolvedArea(
        precision=_finest(precisions),
        description=description,
        circles=tuple(dict.fromkeys(circles)),
        countries=frozenset(countries),
        admin1=frozenset(admin1),
        county_fips=frozenset(counties),
    )


def _names_whole_area(mention: PlaceMention, description: str) -> bool:
    """A region or country read from a description only when it is the whole description.

    "Northern Ireland" is that region, but "East of England" or "SW Scotland,
    Lothian Borders" are parts of one: widening them to all of England or
    Scotland would flag millions of accounts on a guess.
    """
    if mention.precision not in (Precision.ADMIN1, Precision.COUNTRY):
        return True
    return len(mention.text) >= 0.8 * len(description.strip())


def city_radius_km(population: int) -> float:
    """How far a city named in the news reaches: 3 km plus sqrt(population)/60, at most 30 km.

    A rule of thumb for built-up extent: about 6 km for a town of 30,000,
    16 km for Boston's 650,000, capped at 30 km for the largest cities.
    """
    return min(30.0, 3.0 + math.sqrt(max(population, 0)) / 60.0)


class _Codes:
    """Codes gathered from an area's geocodes."""

    def __init__(self) -> None:
        self.counties: set[str] = set()
        self.admin1: set[str] = set()
        self.countries: set[str] = set()
        self.within: set[str] = set()
        self.unresolved: list[str] = []

    def add(self, scheme: str, value: str, gazetteer: Gazetteer) -> None:
        if scheme in ("SAME", "FIPS6", "FIPS"):
            self._same(scheme, value, gazetteer)
        elif scheme == "UGC":
            self._ugc(value, gazetteer)
        elif scheme.startswith("ISO3166-2") or scheme == "ISO3166_2":
            unit = gazetteer.admin1(value.upper())
            if unit:
                self.admin1.add(unit.code)
            else:
                self._unresolved(scheme, value, value[:2].upper())
        elif scheme in _EUROPEAN_SCHEMES:
            prefix = _EUROPEAN_PREFIX.match(value.upper())
            country = _EU_TO_ISO.get(prefix.group(1), prefix.group(1)) if prefix else None
            self._unresolved(scheme, value, country if country and gazetteer.country(country) else None)
        else:
            self._unresolved(scheme, value, None)

    def _same(self, scheme: str, value: str, gazetteer: Gazetteer) -> None:
        match = _SAME.match(value.zfill(6))
        state = gazetteer.state_by_fips(match.group(1)) if match else None
        if state is None:
            self._unresolved(scheme, value, None)
        elif match.group(2) == "000":
            self.admin1.add(state.code)
        elif gazetteer.county(match.group(1) + match.group(2)):
            self.counties.add(match.group(1) + match.group(2))
        else:
            self._unresolved(scheme, value, state.code)

    def _ugc(self, value: str, gazetteer: Gazetteer) -> None:
        match = _UGC.match(value.upper())
        state = gazetteer.find_admin1(match.group(1), country="US") if match else None
        if state is None or state.fips is None:
            self._unresolved("UGC", value, state.code if state else None)
        elif match.group(2) == "Z":
            self._unresolved("UGC", value, state.code)
        elif gazetteer.county(state.fips + match.group(3)):
            self.counties.add(state.fips + match.group(3))
        else:
            self._unresolved("UGC", value, state.code)

    def _unresolved(self, scheme: str, value: str, within: str | None) -> None:
        self.unresolved.append(f"{scheme}:{value}")
        if within:
            self.within.add(within)


def _values(raw: str, scheme: str) -> list[str]:
    """The codes in one geocode value: legacy NWS feeds list several, and UGC may use ranges."""
    values = []
    for token in _CODE_SEPARATORS.split(raw.strip()):
        if not token:
            continue
        if scheme == "UGC":
            values.extend(_expand_ugc(token.upper()))
        else:
            values.append(token)
    return values


def _expand_ugc(token: str) -> list[str]:
    ranged = _UGC_RANGE.match(token)
    if ranged:
        prefix, low, high = ranged.group(1), int(ranged.group(2)), int(ranged.group(3))
        return [f"{prefix}{number:03d}" for number in range(low, high + 1)]
    head, *rest = token.split("-")
    if rest and _UGC.match(head) and all(part.isdigit() and len(part) == 3 for part in rest):
        return [head, *(head[:3] + part for part in rest)]
    return [token]


def _finest(precisions: Iterable[Precision]) -> Precision:
    return min(precisions, key=lambda p: p.rank, default=Precision.UNKNOWN)

