"""The online tier: asked only for what the offline tier cannot place, rate-limited, cached, never the network here."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from geopy.exc import GeocoderUnavailable

from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.locate import Locator
from contextfeed.geo.model import AccountAddress, Location, Precision
from contextfeed.geo.online import OnlineLocator, address_query, nominatim_geocoder


@dataclass
class FakeResult:
    latitude: float
    longitude: float
    address: str
    raw: dict


@dataclass
class FakeGeocoder:
    """Answers from a dict of query -> result, like Nominatim would, and remembers what it was asked."""

    answers: dict[str, FakeResult | None]
    asked: list[str] = field(default_factory=list)
    fail: bool = False

    def geocode(self, query: str, **options: object) -> FakeResult | None:
        self.asked.append(query)
        if self.fail:
            raise GeocoderUnavailable("service down")
        return self.answers.get(query)


@dataclass
class InMemoryCache:
    stored: dict[str, Location] = field(default_factory=dict)

    def get(self, query: str) -> Location | None:
        return self.stored.get(query)

    def put(self, query: str, location: Location) -> None:
        self.stored[query] = location


ARSENAL_YARDS = FakeResult(
    42.3706,
    -71.1800,
    "Arsenal Yards, Arsenal Street, Watertown, Middlesex County, Massachusetts, 02472, United States",
    {"addresstype": "building", "address": {"country_code": "us", "ISO3166-2-lvl4": "US-MA", "postcode": "02472"}},
)
UNPLACEABLE = AccountAddress(address="485 Arsenal St", city="Arsenal Yards", region="Nowhere", country="Narnia")


def _online(gazetteer: Gazetteer, geocoder: FakeGeocoder, cache: InMemoryCache) -> OnlineLocator:
    return OnlineLocator(Locator(gazetteer), geocoder, cache, min_delay_seconds=0, error_wait_seconds=0)


def test_accounts_the_offline_tier_places_never_reach_the_geocoder(gazetteer: Gazetteer) -> None:
    geocoder = FakeGeocoder({})
    location = _online(gazetteer, geocoder, InMemoryCache()).locate(AccountAddress(city="Boston", region="MA"))
    assert location.source == "city_region"
    assert geocoder.asked == []


def test_an_unplaceable_account_is_geocoded_online_and_enriched_offline(gazetteer: Gazetteer) -> None:
    geocoder = FakeGeocoder({address_query(UNPLACEABLE): ARSENAL_YARDS})
    location = _online(gazetteer, geocoder, InMemoryCache()).locate(UNPLACEABLE)
    assert (location.precision, location.source, location.admin1) == (Precision.POINT, "online", "US-MA")
    assert (location.county_fips, location.timezone, location.postal_code) == ("25017", "America/New_York", "02472")
    assert "Arsenal Yards" in location.note


def test_answers_and_misses_are_cached_so_nothing_is_asked_twice(gazetteer: Gazetteer) -> None:
    geocoder = FakeGeocoder({address_query(UNPLACEABLE): ARSENAL_YARDS})
    cache = InMemoryCache()
    online = _online(gazetteer, geocoder, cache)
    nowhere = AccountAddress(city="Xyzzy", country="Narnia")
    for _ in range(3):
        online.locate(UNPLACEABLE)
        assert online.locate(nowhere).precision is Precision.UNKNOWN
    assert geocoder.asked == [address_query(UNPLACEABLE), address_query(nowhere)]
    assert cache.stored[address_query(nowhere)].note == "online geocoder found nothing"


def test_a_geocoder_outage_is_not_cached_as_an_answer(gazetteer: Gazetteer) -> None:
    geocoder = FakeGeocoder({}, fail=True)
    cache = InMemoryCache()
    location = _online(gazetteer, geocoder, cache).locate(UNPLACEABLE)
    assert location.precision is Precision.UNKNOWN
    assert "service down" in location.note
    assert cache.stored == {}


def test_requests_are_spaced_by_the_rate_limiter(gazetteer: Gazetteer, monkeypatch: pytest.MonkeyPatch) -> None:
    import geopy.extra.rate_limiter as rate_limiter

    slept: list[float] = []
    monkeypatch.setattr(rate_limiter.RateLimiter, "_sleep", lambda self, seconds: slept.append(seconds))
    geocoder = FakeGeocoder({})
    online = OnlineLocator(Locator(gazetteer), geocoder, InMemoryCache(), min_delay_seconds=1.0)
    online.locate(AccountAddress(city="Xyzzy", country="Narnia"))
    online.locate(AccountAddress(city="Plugh", country="Narnia"))
    assert len(geocoder.asked) == 2
    assert slept and all(0 < seconds <= 1.0 for seconds in slept)


def test_nominatim_refuses_to_run_without_a_real_user_agent() -> None:
    with pytest.raises(ValueError):
        nominatim_geocoder("")
    with pytest.raises(ValueError):
        nominatim_geocoder("geopy/2.4")
    geocoder = nominatim_geocoder("contextfeed/0.1 (ops@example.com)")
    assert geocoder.headers["User-Agent"] == "contextfeed/0.1 (ops@example.com)"
