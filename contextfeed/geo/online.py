"""The opt-in online tier: a geopy geocoder (Nominatim by default) for what the offline tier cannot place.

Only accounts the offline tier leaves UNKNOWN are sent, one request per
second through geopy's RateLimiter with a real User-Agent (Nominatim's usage
policy: at most 1 request/s, identify the application, no bulk geocoding),
and every answer — misses included — goes into a cache so no address is
asked twice. The cache is a Protocol; bootstrap backs it with a table.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Protocol

from contextfeed.geo.locate import Locator
from contextfeed.geo.model import AccountAddress, Location, Precision

log = logging.getLogger(__name__)

# Nominatim's `addresstype` (or `type`) of a result -> how precisely it places the account.
_PRECISION_BY_TYPE = {
    "house": Precision.POINT,
    "building": Precision.POINT,
    "amenity": Precision.POINT,
    "shop": Precision.POINT,
    "office": Precision.POINT,
    "road": Precision.POINT,
    "postcode": Precision.POSTAL,
    "neighbourhood": Precision.CITY,
    "suburb": Precision.CITY,
    "quarter": Precision.CITY,
    "hamlet": Precision.CITY,
    "village": Precision.CITY,
    "town": Precision.CITY,
    "city": Precision.CITY,
    "municipality": Precision.CITY,
    "county": Precision.COUNTY,
    "state_district": Precision.COUNTY,
    "state": Precision.ADMIN1,
    "province": Precision.ADMIN1,
    "region": Precision.ADMIN1,
    "country": Precision.COUNTRY,
}


class GeocodeCache(Protocol):
    """Where online answers are kept: `get` returns None for a query never asked."""

    def get(self, query: str) -> Location | None:
        """The cached location for a query (precision UNKNOWN for a cached miss), or None."""
        ...

    def put(self, query: str, location: Location) -> None:
        """Remember the answer to a query."""
        ...


def nominatim_geocoder(user_agent: str, *, timeout_seconds: float = 10.0, domain: str | None = None) -> Any:
    """A geopy Nominatim geocoder that identifies the application, as Nominatim's policy requires."""
    if not user_agent.strip() or user_agent.startswith("geopy/"):
        raise ValueError("Nominatim needs a User-Agent naming this application and a contact")
    from geopy.geocoders import Nominatim

    options: dict[str, Any] = {"user_agent": user_agent, "timeout": timeout_seconds}
    if domain:
        options["domain"] = domain
    return Nominatim(**options)


def address_query(address: AccountAddress) -> str:
    """The one-line query an account's address fields make ("500 Boylston St, Boston, MA, 02116, US")."""
    parts = (address.address, address.city, address.region, address.postal_code, address.country)
    return ", ".join(" ".join(part.split()) for part in parts if part.strip())


class OnlineLocator:
    """Offline first; the online geocoder (rate-limited, cached) only for what the offline tier leaves UNKNOWN."""

    def __init__(
        self,
        offline: Locator,
        geocoder: Any,
        cache: GeocodeCache,
        *,
        min_delay_seconds: float = 1.0,
        error_wait_seconds: float = 5.0,
    ) -> None:
        from geopy.extra.rate_limiter import RateLimiter

        self.offline = offline
        self.cache = cache
        # Errors are re-raised after the retries so an outage is told apart from "nothing found".
        self._geocode = RateLimiter(
            geocoder.geocode,
            min_delay_seconds=min_delay_seconds,
            max_retries=2,
            error_wait_seconds=error_wait_seconds,
            swallow_exceptions=False,
        )

    def locate(self, address: AccountAddress) -> Location:
        """The offline location, or for an account it cannot place, the online geocoder's."""
        location = self.offline.locate(address)
        query = address_query(address)
        if location.precision is not Precision.UNKNOWN or not query:
            return location
        cached = self.cache.get(query)
        if cached is not None:
            return cached
        from geopy.exc import GeopyError

        try:
            result = self._geocode(query, exactly_one=True, addressdetails=True)
        except GeopyError as error:
            # Not cached: an outage is not an answer, the next run asks again.
            log.warning("online geocoder failed for %r: %s", query, error)
            return replace(location, note=f"{location.note}; online geocoder failed: {error}")
        found = self._location(result)
        self.cache.put(query, found)
        return found

    def _admin1(self, code: str | None) -> str | None:
        """Nominatim's level-4 ISO 3166-2 code, kept only when the gazetteer knows it as a first-level unit."""
        # Accounts are matched on those codes; Nominatim's level 4 is sometimes a second-level unit.
        return code if code and self.offline.gazetteer.admin1(code) else None

    def _location(self, result: Any) -> Location:
        if result is None:
            return Location(Precision.UNKNOWN, "online", note="online geocoder found nothing")
        raw = getattr(result, "raw", {}) or {}
        kind = raw.get("addresstype") or raw.get("type") or ""
        precision = _PRECISION_BY_TYPE.get(kind, Precision.POINT)
        # The offline tier names the admin units and timezone around the point it returned.
        around = self.offline.locate(AccountAddress(lat=result.latitude, lon=result.longitude))
        details = raw.get("address", {})
        return replace(
            around,
            precision=precision,
            source="online",
            admin1=self._admin1(details.get("ISO3166-2-lvl4")) or around.admin1,
            country=(details.get("country_code") or around.country or "").upper() or None,
            postal_code=details.get("postcode") or around.postal_code,
            note=f"online geocoder: {getattr(result, 'address', '')} ({kind or 'unknown type'})",
        )
