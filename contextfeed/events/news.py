"""News items have no areas of their own: the places they name become areas, the crisis they describe a category."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from contextfeed.geo.areas import city_radius_km
from contextfeed.geo.geoparse import focus_mentions
from contextfeed.geo.model import PlaceMention, Precision
from contextfeed.sources.model import Area, Circle, Geocode, ParsedEvent


@dataclass(frozen=True)
class NewsReading:
    """What a news item was found to be about: where, and which crisis (None: not an emergency)."""

    areas: tuple[Area, ...]
    crisis_category: str | None
    crisis_matched: tuple[str, ...]


def mentions_to_areas(mentions: Sequence[PlaceMention]) -> tuple[Area, ...]:
    """Areas for the places a story is about: "Boston, Massachusetts" is Boston, not the whole state."""
    # A nationality ("Russian troops") or a continent names who acts or a whole part of the world, not
    # where the story happens: flagging a country for its adjective would err towards suppressing.
    named = [mention for mention in mentions if mention.kind == "name"]
    areas = [mention_area(mention) for mention in focus_mentions(named)]
    return tuple(dict.fromkeys(area for area in areas if area is not None))


def mention_area(mention: PlaceMention) -> Area | None:
    """The area one place mention stands for; a city is a circle sized by its population."""
    name = mention.name or mention.text
    if mention.precision == Precision.COUNTRY and mention.country:
        return Area(description=name, country_codes=(mention.country,))
    if mention.precision == Precision.ADMIN1 and mention.admin1:
        return Area(description=name, geocodes=(Geocode("ISO3166-2", mention.admin1),))
    if mention.precision == Precision.COUNTY and mention.county_fips:
        return Area(description=name, geocodes=(Geocode("FIPS6", "0" + mention.county_fips),))
    if mention.lat is not None and mention.lon is not None:
        return Area(description=name, circles=(Circle(mention.lat, mention.lon, city_radius_km(mention.population)),))
    return None


def read_news(
    event: ParsedEvent,
    *,
    geoparse: Callable[[str], Sequence[PlaceMention]],
    classify: Callable[[str], object | None],
) -> NewsReading:
    """Geoparse and classify a news item; areas the feed gave (GeoRSS) win over places found in the text."""
    text = f"{event.headline}\n{event.summary}"
    crisis = classify(text)
    areas = event.areas or mentions_to_areas(geoparse(text))
    if crisis is None:
        return NewsReading(areas, None, ())
    return NewsReading(areas, crisis.category, tuple(crisis.matched))
