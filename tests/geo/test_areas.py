"""Resolving event areas: shapes are copied, codes mapped offline, the rest kept visible."""

from __future__ import annotations

import pytest

from contextfeed.geo.areas import area_from_mentions, city_radius_km, resolve_area
from contextfeed.geo.gazetteer import Gazetteer
from contextfeed.geo.geoparse import Geoparser
from contextfeed.geo.model import Precision
from contextfeed.sources.model import Area, Circle, Geocode

BOSTON_POLYGON = ((42.42, -71.27), (42.42, -71.02), (42.30, -71.02), (42.30, -71.27), (42.42, -71.27))


def test_a_same_code_resolves_to_its_county(gazetteer: Gazetteer) -> None:
    area = Area(description="Sangamon, IL", geocodes=(Geocode("SAME", "017167"), Geocode("UGC", "ILC167")))
    resolved = resolve_area(area, gazetteer)
    assert resolved.county_fips == frozenset({"17167"})
    assert resolved.precision is Precision.COUNTY
    assert resolved.unresolved == ()


def test_same_county_000_means_the_whole_state(gazetteer: Gazetteer) -> None:
    resolved = resolve_area(Area(geocodes=(Geocode("SAME", "025000"),)), gazetteer)
    assert resolved.admin1 == frozenset({"US-MA"})
    assert resolved.precision is Precision.ADMIN1


def test_a_same_code_for_part_of_a_county_still_names_the_county(gazetteer: Gazetteer) -> None:
    resolved = resolve_area(Area(geocodes=(Geocode("SAME", "325017"),)), gazetteer)
    assert resolved.county_fips == frozenset({"25017"})


def test_legacy_fips6_lists_and_ugc_runs_are_split(gazetteer: Gazetteer) -> None:
    area = Area(geocodes=(Geocode("FIPS6", "041005 041051 041067"), Geocode("UGC", "ORC009-011")))
    resolved = resolve_area(area, gazetteer)
    assert resolved.county_fips == frozenset({"41005", "41051", "41067", "41009", "41011"})


def test_ugc_county_codes_map_through_the_state_fips(gazetteer: Gazetteer) -> None:
    resolved = resolve_area(Area(geocodes=(Geocode("UGC", "MAC017"), Geocode("UGC", "ILC001>003"))), gazetteer)
    assert resolved.county_fips == frozenset({"25017", "17001", "17002", "17003"} & set(gazetteer.core.counties))
    assert "25017" in resolved.county_fips and "17001" in resolved.county_fips


def test_ugc_zones_stay_unresolved_and_visible_with_their_state(gazetteer: Gazetteer) -> None:
    resolved = resolve_area(Area(geocodes=(Geocode("UGC", "ORZ006"), Geocode("UGC", "WAZ503"))), gazetteer)
    assert resolved.unresolved == ("UGC:ORZ006", "UGC:WAZ503")
    assert resolved.unresolved_within == frozenset({"US-OR", "US-WA"})
    assert resolved.precision is Precision.UNKNOWN
    assert not resolved.admin1 and not resolved.countries


def test_iso_3166_2_codes_resolve_to_admin1(gazetteer: Gazetteer) -> None:
    resolved = resolve_area(Area(geocodes=(Geocode("ISO3166-2", "CA-ON"), Geocode("ISO 3166-2", "us-ma"))), gazetteer)
    assert resolved.admin1 == frozenset({"CA-ON", "US-MA"})


@pytest.mark.parametrize("code", ["JO", "JOR", "jor"])
def test_country_codes_in_iso2_and_iso3_resolve_to_countries(gazetteer: Gazetteer, code: str) -> None:
    resolved = resolve_area(Area(country_codes=(code,)), gazetteer)
    assert (resolved.countries, resolved.precision) == (frozenset({"JO"}), Precision.COUNTRY)


def test_emma_and_nuts_codes_stay_unresolved_and_never_become_the_whole_country(gazetteer: Gazetteer) -> None:
    area = Area(geocodes=(Geocode("EMMA_ID", "FR433"), Geocode("NUTS3", "UKN0"), Geocode("EMMA_ID", "IE004")))
    resolved = resolve_area(area, gazetteer)
    assert resolved.countries == frozenset()
    assert resolved.unresolved == ("EMMA_ID:FR433", "NUTS3:UKN0", "EMMA_ID:IE004")
    assert resolved.unresolved_within == frozenset({"FR", "GB", "IE"})


def test_polygons_and_circles_are_copied_latitude_first(gazetteer: Gazetteer) -> None:
    area = Area(
        polygons=(BOSTON_POLYGON,), circles=(Circle(42.37, -71.18, 5.0),), geocodes=(Geocode("SAME", "025017"),)
    )
    resolved = resolve_area(area, gazetteer)
    assert resolved.polygons == (BOSTON_POLYGON,)
    assert resolved.circles == ((42.37, -71.18, 5.0),)
    assert resolved.precision is Precision.POINT


def test_a_polygon_is_the_area_and_its_geocodes_do_not_widen_it(gazetteer: Gazetteer) -> None:
    codes = (Geocode("SAME", "025017"), Geocode("UGC", "MAC025"), Geocode("SAME", "025000"))
    shaped = resolve_area(Area(polygons=(BOSTON_POLYGON,), geocodes=codes), gazetteer)
    assert (shaped.county_fips, shaped.admin1, shaped.precision) == (frozenset(), frozenset(), Precision.POINT)
    coded = resolve_area(Area(geocodes=codes), gazetteer)
    assert coded.county_fips == frozenset({"25017", "25025"}) and coded.admin1 == frozenset({"US-MA"})


def test_the_description_is_geoparsed_only_when_nothing_else_resolved(gazetteer: Gazetteer) -> None:
    described = resolve_area(Area(description="Watertown, Massachusetts"), gazetteer)
    assert described.precision is Precision.CITY
    ((lat, lon, radius),) = described.circles
    assert abs(lat - 42.37) < 0.05 and abs(lon + 71.18) < 0.05 and 3 < radius < 10
    with_code = resolve_area(
        Area(description="Watertown, Massachusetts", geocodes=(Geocode("SAME", "025017"),)), gazetteer
    )
    assert with_code.circles == ()


def test_a_description_with_unresolved_zones_keeps_them(gazetteer: Gazetteer) -> None:
    resolved = resolve_area(
        Area(description="Sangamon County, Illinois", geocodes=(Geocode("UGC", "ILZ051"),)), gazetteer
    )
    assert resolved.county_fips == frozenset({"17167"})
    assert resolved.unresolved == ("UGC:ILZ051",)


def test_a_news_story_area_is_its_focus_not_every_state_it_names(geoparser: Geoparser) -> None:
    text = (
        "Two bombs exploded near the finish line of the Boston Marathon in Boston, Massachusetts. "
        "Massachusetts Gov. Deval Patrick called it a heinous act."
    )
    area = area_from_mentions(geoparser.parse(text))
    assert area.admin1 == frozenset()
    assert len(area.circles) == 1
    assert area.precision is Precision.CITY


def test_city_circles_grow_with_population_and_are_capped() -> None:
    assert 5 < city_radius_km(30_000) < 7
    assert 15 < city_radius_km(650_000) < 18
    assert city_radius_km(20_000_000) == 30.0


@pytest.mark.parametrize("description", ["East of England", "SW Scotland, Lothian Borders"])
def test_a_description_naming_part_of_a_region_never_becomes_the_whole_region(
    gazetteer: Gazetteer, description: str
) -> None:
    area = resolve_area(Area(description=description, geocodes=(Geocode("EMMA_ID", "UK114"),)), gazetteer)
    assert not area.admin1 and not area.countries
    assert area.precision is Precision.UNKNOWN


def test_a_description_that_is_a_whole_region_resolves_to_it(gazetteer: Gazetteer) -> None:
    area = resolve_area(Area(description="Northern Ireland", geocodes=(Geocode("EMMA_ID", "UK108"),)), gazetteer)
    assert area.admin1 == {"GB-NIR"}
