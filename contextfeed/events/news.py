"""News items have no areas of their own: the places they name become areas, the crisis they describe a category."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from contextfeed.geo.model import PlaceMention, Precision
from contextfeed.sources.model import Area, Circle, Geocode, ParsedEvent


@dataclass(frozen=True)
class NewsReading:
    """What a news item was found to be about: where, and which crisis (None: not an emergency)."""

    areas: tuple[Area, ...]
    crisis_category: str | None
    crisis_matched: tuple[str, ...]


def mentions_to_areas(mentions: Sequence[PlaceMention], *, city_radius_km: float) -> tuple[Area, ...]:
    """Areas for the resolved mentions, keeping only the finest: "Boston, Massachusetts" is Boston, not the state."""
    resolved = [mention for mention in mentions if mention.resolved]
    areas = []
    seen = set()
    for mention in resolved:
        if mention.precision in (Precision.ADMIN1, Precision.COUNTRY) and any(
            contains(mention, other) for other in resolved if other is not mention
        ):
            continue
        area = mention_area(mention, city_radius_km=city_radius_km)
        if area is not None and area not in seen:
            seen.add(area)
            areas.append(area)
    return tuple(areas)


def contains(outer: PlaceMention, inner: PlaceMention) -> bool:
    """True when `inner` is a finer place inside `outer` (a city in a named state or country)."""
    if inner.precision.rank >= outer.precision.rank:
        return False
    if outer.precision == Precision.COUNTRY:
        return inner.country == outer.country
    return inner.admin1 is not None and inner.admin1 == outer.admin1


def mention_area(mention: PlaceMention, *, city_radius_km: float) -> Area | None:
    """The area one place mention stands for."""
    if mention.precision == Precision.COUNTRY and mention.country:
        return Area(description=mention.name or mention.text, country_codes=(mention.country,))
    if mention.precision == Precision.ADMIN1 and mention.admin1:
        return Area(description=mention.name or mention.text, geocodes=(Geocode("ISO3166-2", mention.admin1),))
    county = getattr(mention, "county_fips", None)
    if mention.precision == Precision.COUNTY and county:
        return Area(description=mention.name or mention.text, geocodes=(Geocode("FIPS", county),))
    if mention.lat is not None and mention.lon is not None:
        return Area(description=mention.name or mention.text, circles=(Circle(mention.lat, mention.lon, city_radius_km),))
    return None


def read_news(
    event: ParsedEvent,
    *,
    geoparse: Callable[[str], Sequence[PlaceMention]],
    classify: Callable[[str], object | None],
    city_radius_km: float,
) -> NewsReading:
    """Geoparse and classify a news item; areas the feed gave (GeoRSS) win over places found in the text."""
    text = f"{event.headline}\n{event.summary}"
    crisis = classify(text)
    areas = event.areas or mentions_to_areas(geoparse(text), city_radius_km=city_radius_km)
    if crisis is None:
        return NewsReading(areas, None, ())
    return NewsReading(areas, crisis.category, tuple(crisis.matched))
