"""Turn an event's areas into what accounts are matched against: shapes first, then admin codes.

Geocodes (CAP 1.2 §3.2.4 `geocode`, NWS `geocode` objects):

* SAME and FIPS6 `PSSCCC` -> county FIPS `SSCCC` (P, the part of the county, is
  dropped: accounts are located to counties, not ninths of them); county 000
  means the whole state -> admin1.
* UGC `SSC###` -> county FIPS through the state's FIPS code. UGC forecast zones
  `SSZ###` have no offline geometry or county mapping: they stay in
  `unresolved`, and their state goes to `unresolved_within`.
* ISO 3166-2 -> admin1; `country_codes` (ISO2/ISO3) -> countries.
* EMMA_ID (MeteoAlarm) -> the warning area's polygon from MeteoAlarm's
  geocodes file (35 member countries; the UK's Met Office regions are not in
  it), used only when the area has no polygon of its own.
* NUTS codes and EMMA_IDs without an outline -> `unresolved`, their country
  (the first two letters) -> `unresolved_within`. They are not turned into
  the whole country: a warning for one French département must not suppress
  every account in France. `unresolved_within` says where unresolved codes
  lie, for display and context, never for suppression.
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
# NWS marine zones (NWSI 10-302): Atlantic, Gulf, Great Lakes, St. Lawrence, Pacific and territories' waters.
_MARINE_UGC_PREFIXES = frozenset(
    {"AM", "AN", "GM", "LC", "LE", "LH", "LM", "LO", "LS", "SL", "PH", "PK", "PM", "PS", "PZ"}
)
_GLOSS = re.compile(r"\s*\(.*?\)")
_UGC_ZONE = re.compile(r"^UGC:[A-Z]{2}Z\d{3}$")
# Statistics Canada SGC province and territory codes.
_SGC_PROVINCES = {
    "10": "NL",
    "11": "PE",
    "12": "NS",
    "13": "NB",
    "24": "QC",
    "35": "ON",
    "46": "MB",
    "47": "SK",
    "48": "AB",
    "59": "BC",
    "60": "YT",
    "61": "NT",
    "62": "NU",
}
_AMOC = re.compile(r"^(NSW|VIC|QLD|WA|SA|TAS|NT|ACT)_[A-Z]{2}\d{3}$")
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
    found.zones_by_name(area.description, gazetteer)
    for code in area.country_codes:
        country = gazetteer.country(code)
        if country:
            found.countries.add(country.code)
        else:
            found.unresolved.append(f"country:{code}")
    # Shapes named by codes (EMMA_ID) define the area only when the area carries no polygon of its own.
    polygons = tuple(tuple(ring) for ring in area.polygons if len(ring) >= 3) or tuple(found.shapes)
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
        self.shapes: list[tuple[tuple[float, float], ...]] = []

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
        elif scheme == "EMMA_ID" and gazetteer.emma_area(value):
            # MeteoAlarm's own outline of the warning area (geocodes file, simplified to ~1 km).
            self.shapes.extend(gazetteer.emma_area(value).rings)
        elif scheme in _EUROPEAN_SCHEMES:
            prefix = _EUROPEAN_PREFIX.match(value.upper())
            country = _EU_TO_ISO.get(prefix.group(1), prefix.group(1)) if prefix else None
            self._unresolved(scheme, value, country if country and gazetteer.country(country) else None)
        elif scheme.startswith("PROFILE:CAP-CP:LOCATION") and value[:2] in _SGC_PROVINCES:
            # CAP-CP locations are Statistics Canada SGC codes; their first two digits name the province.
            self._unresolved(scheme, value, f"CA-{_SGC_PROVINCES[value[:2]]}")
        elif amoc := _AMOC.match(value.upper()):
            # Bureau of Meteorology AMOC area codes ("NSW_FL049") lead with their state.
            self._unresolved(scheme, value, f"AU-{amoc.group(1)}")
        else:
            self._unresolved(scheme, value, None)

    def zones_by_name(self, description: str, gazetteer: Gazetteer) -> None:
        """UGC zones named after whole counties ("Butler; Crenshaw" for ALZ057, ALZ058) -> those counties.

        No zone-to-county table ships offline, but NWS names most zones east of
        the Rockies after the county they are. Only a name that is exactly a
        county of a zone's state counts: a part-county zone ("Southern
        Fairfield", "Coastal Lee") stays unresolved rather than widening to the
        whole county, so this errs towards flagging too few, never a county
        the warning left out.
        """
        zones = [code for code in self.unresolved if _UGC_ZONE.match(code)]
        states = {gazetteer.find_admin1(code[4:6], country="US") for code in zones} - {None}
        if not zones or not states:
            return
        # "Kings (Brooklyn)": NWS glosses some zone names in brackets.
        names = [_GLOSS.sub("", name).strip() for name in description.split(";") if name.strip()]
        counties = set()
        for name in names if len(names) <= len(zones) else ():
            found = {county.fips for state in states if (county := gazetteer.find_county(name, admin1=state.code))}
            if len(found) == 1:
                counties |= found
        self.counties |= counties
        if len(counties) == len(zones):
            self.unresolved = [code for code in self.unresolved if code not in zones]

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
        if match and match.group(1) in _MARINE_UGC_PREFIXES:
            # Coastal waters, lakes and offshore zones: no land account is in them, whatever state they border.
            self.unresolved.append(f"UGC:{value}")
            return
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
