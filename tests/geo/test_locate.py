"""Locating accounts offline: the Boston scenario's customers, then the messy inputs real CRMs hold."""

from __future__ import annotations

import csv

import pytest

from contextfeed.geo.locate import Locator, us_zip
from contextfeed.geo.model import AccountAddress, Precision

from .conftest import SCENARIO


def _boston_accounts() -> dict[str, AccountAddress]:
    with (SCENARIO / "accounts.csv").open(newline="") as handle:
        return {
            row["account_id"]: AccountAddress(
                address=row["address"],
                city=row["city"],
                region=row["region"],
                postal_code=row["postal_code"],
                country=row["country"],
                lat=float(row["lat"]) if row["lat"] else None,
                lon=float(row["lon"]) if row["lon"] else None,
                phone=row["phone"],
            )
            for row in csv.DictReader(handle)
        }


BOSTON = _boston_accounts()

# What a person would say of each account: precision, country, admin1, county, city, timezone.
EXPECTED = {
    "A001": (Precision.POSTAL, "US", "US-MA", "25025", "Boston", "America/New_York"),
    "A002": (Precision.POSTAL, "US", "US-MA", "25017", "Watertown", "America/New_York"),
    "A003": (Precision.POSTAL, "US", "US-MA", "25017", "Cambridge", "America/New_York"),
    "A004": (Precision.POSTAL, "US", "US-MA", "25021", "Quincy", "America/New_York"),
    "A005": (Precision.POSTAL, "US", "US-MA", "25017", "Lowell", "America/New_York"),
    "A006": (Precision.POSTAL, "US", "US-NY", "36061", "New York", "America/New_York"),
    "A007": (Precision.POSTAL, "US", "US-MA", "25013", "Springfield", "America/New_York"),
    "A008": (Precision.POSTAL, "US", "US-IL", "17167", "Springfield", "America/Chicago"),
    "A009": (Precision.CITY, "PH", None, None, "Manila", "Asia/Manila"),
    "A010": (Precision.POSTAL, "FR", "FR-IDF", None, "Paris", "Europe/Paris"),
    "A011": (Precision.POINT, "US", "US-MA", "25017", None, "America/New_York"),
    "A012": (Precision.COUNTRY, "US", None, None, None, None),
    "A013": (Precision.CITY, "US", "US-MA", "25017", "Watertown", "America/New_York"),
    "A014": (Precision.CITY, "US", "US-MA", "25025", "Boston", "America/New_York"),
    "A015": (Precision.CITY, "JO", None, None, "Amman", "Asia/Amman"),
}


@pytest.mark.parametrize("account_id", sorted(EXPECTED))
def test_every_boston_account_is_located_as_a_person_would(locator: Locator, account_id: str) -> None:
    precision, country, admin1, county, city, timezone = EXPECTED[account_id]
    location = locator.locate(BOSTON[account_id])
    assert location.precision is precision
    assert location.country == country
    if admin1:
        assert location.admin1 == admin1
    assert location.county_fips == county
    if city:
        assert location.city == city
    assert location.timezone == timezone
    if precision is not Precision.COUNTRY:
        assert location.lat is not None and location.lon is not None


def test_springfield_illinois_and_springfield_massachusetts_are_told_apart(locator: Locator) -> None:
    illinois = locator.locate(BOSTON["A008"])
    massachusetts = locator.locate(BOSTON["A007"])
    assert (illinois.admin1, illinois.county_fips) == ("US-IL", "17167")
    assert (massachusetts.admin1, massachusetts.county_fips) == ("US-MA", "25013")


def test_a_bad_postal_code_falls_back_to_city_and_state_and_says_so(locator: Locator) -> None:
    location = locator.locate(BOSTON["A013"])
    assert location.source == "city_region"
    assert "ZZZZZ" in location.note
    assert location.postal_code is None


def test_a_bare_gps_point_stays_a_point_inside_massachusetts(locator: Locator) -> None:
    location = locator.locate(BOSTON["A011"])
    assert (location.lat, location.lon) == (42.3601, -71.0942)
    assert location.source == "lat_lon"


def test_a_french_postal_code_places_the_account_at_its_centroid_in_paris(locator: Locator) -> None:
    location = locator.locate(BOSTON["A010"])
    assert (location.precision, location.postal_code, location.city_geonameid) == (Precision.POSTAL, "75001", 2988507)


def test_non_us_regions_are_iso_3166_2_codes(locator: Locator) -> None:
    # GeoNames' FR "11" is Île-de-France, ISO FR-IDF (ISO FR-11 is the Aude département).
    assert locator.locate(BOSTON["A010"]).admin1 == "FR-IDF"


@pytest.mark.parametrize(
    ("address", "city", "admin1"),
    [
        (AccountAddress(city="Mumbai", region="Maharashtra", country="IN"), "Mumbai", "IN-MH"),
        (AccountAddress(city="München", region="Bayern", country="DE"), "Munich", "DE-BY"),
        (AccountAddress(city="Köln", region="Nordrhein-Westfalen"), "Köln", "DE-NW"),
        (AccountAddress(city="Paris", region="Île-de-France"), "Paris", "FR-IDF"),
        (AccountAddress(city="Kassel", region="Hessen"), "Kassel", "DE-HE"),
        (AccountAddress(city="Makati", region="Metro Manila", country="Philippines"), "Makati City", "PH-00"),
    ],
)
def test_a_region_that_agrees_with_the_city_keeps_city_precision(
    locator: Locator, address: AccountAddress, city: str, admin1: str
) -> None:
    location = locator.locate(address)
    assert (location.precision, location.city, location.admin1) == (Precision.CITY, city, admin1)
    assert location.note == ""


def test_a_region_that_contradicts_a_dominant_city_is_noted_and_the_city_kept(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Mumbai", region="Karnataka", country="IN"))
    assert (location.precision, location.admin1) == (Precision.CITY, "IN-MH")
    assert "contradicts city 'Mumbai', which is in" in location.note


def test_every_canadian_postal_code_format_is_read(locator: Locator) -> None:
    for written in ("M5H 2N2", "M5H2N2", "m5h 2n2"):
        location = locator.locate(AccountAddress(postal_code=written, country="CA"))
        assert (location.precision, location.postal_code, location.admin1) == (Precision.POSTAL, "M5H", "CA-ON")


def test_a_postal_code_without_country_read_as_a_us_zip_loses_to_the_city(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Wien", postal_code="1010"))
    assert (location.country, location.precision) == ("AT", Precision.CITY)
    assert "01010 is in Brimfield, MA, not Wien" in location.note


def test_canadian_and_australian_cities_get_iso_3166_2_provinces(locator: Locator) -> None:
    assert locator.locate(AccountAddress(city="Toronto", country="CA")).admin1 == "CA-ON"
    assert locator.locate(AccountAddress(city="Montreal", country="Canada")).admin1 == "CA-QC"
    assert locator.locate(AccountAddress(city="Melbourne", country="AU")).admin1 == "AU-VIC"
    assert locator.locate(AccountAddress(city="Edinburgh", country="GB")).admin1 == "GB-SCT"


@pytest.mark.parametrize(
    "address",
    [
        AccountAddress(city="BOSTON", region="MASSACHUSETTS", country="usa"),
        AccountAddress(city="Boston", region="Mass.", country="United States"),
        AccountAddress(city="boston", region="Massachusetts", country="United States of America"),
        AccountAddress(city=" Boston ", region=" ma ", country="US"),
        AccountAddress(city="Boston", region="US-MA"),
    ],
)
def test_case_spacing_state_names_and_country_spellings_do_not_matter(
    locator: Locator, address: AccountAddress
) -> None:
    location = locator.locate(address)
    assert (location.precision, location.city, location.admin1, location.county_fips) == (
        Precision.CITY,
        "Boston",
        "US-MA",
        "25025",
    )


@pytest.mark.parametrize(
    ("city", "region", "expected_admin1"),
    [
        ("St. Louis", "MO", "US-MO"),
        ("Saint Louis", "Missouri", "US-MO"),
        ("St Paul", "Minnesota", "US-MN"),
        ("Ft. Lauderdale", "FL", "US-FL"),
        ("Mt. Vernon", "NY", "US-NY"),
    ],
)
def test_saint_mount_and_fort_abbreviations_find_the_city(
    locator: Locator, city: str, region: str, expected_admin1: str
) -> None:
    location = locator.locate(AccountAddress(city=city, region=region, country="US"))
    assert location.precision is Precision.CITY
    assert location.admin1 == expected_admin1


def test_accents_are_folded_away(locator: Locator) -> None:
    with_accents = locator.locate(AccountAddress(city="Montréal", country="CA"))
    without = locator.locate(AccountAddress(city="MONTREAL", country="CAN"))
    assert with_accents.city_geonameid == without.city_geonameid is not None


@pytest.mark.parametrize("country", ["JO", "JOR", "Jordan", "jordan", "Hashemite Kingdom of Jordan"])
def test_countries_are_read_from_iso2_iso3_and_names(locator: Locator, country: str) -> None:
    location = locator.locate(AccountAddress(country=country))
    assert (location.precision, location.country) == (Precision.COUNTRY, "JO")
    assert location.timezone == "Asia/Amman"


@pytest.mark.parametrize(
    ("postal_code", "expected"),
    [
        ("02116", "02116"),
        ("2116", "02116"),
        ("02116-3920", "02116"),
        ("021163920", "02116"),
        ("501", "00501"),
        ("ZZZZZ", None),
        ("123456", None),
        ("", None),
    ],
)
def test_us_zip_codes_survive_spreadsheets(postal_code: str, expected: str | None) -> None:
    assert us_zip(postal_code) == expected


def test_a_zip_plus_four_with_lost_leading_zero_locates_to_the_postal_code(locator: Locator) -> None:
    location = locator.locate(AccountAddress(postal_code="2116-3920"))
    assert (location.precision, location.postal_code, location.county_fips) == (Precision.POSTAL, "02116", "25025")


def test_a_postal_code_from_another_state_loses_to_an_agreeing_city_and_state(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Boston", region="MA", postal_code="62701", country="US"))
    assert (location.precision, location.city, location.admin1) == (Precision.CITY, "Boston", "US-MA")
    assert "62701" in location.note and "city + region" in location.note


def test_a_postal_code_naming_another_town_of_the_same_state_loses_to_city_and_state(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Lowell", region="MA", postal_code="02116", country="US"))
    assert (location.precision, location.city) == (Precision.CITY, "Lowell")
    assert "02116" in location.note


def test_a_postal_code_alone_against_a_region_wins_and_the_conflict_is_noted(locator: Locator) -> None:
    location = locator.locate(AccountAddress(region="NY", postal_code="02116", country="US"))
    assert (location.precision, location.admin1) == (Precision.POSTAL, "US-MA")
    assert "not New York" in location.note


def test_a_neighbourhood_name_with_its_own_zip_is_not_a_conflict(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Brighton", region="MA", postal_code="02135", country="US"))
    assert location.precision is Precision.POSTAL
    assert location.note == ""


def test_a_town_missing_from_geonames_is_found_in_the_zip_data(locator: Locator, gazetteer) -> None:
    place = next(
        (key, row)
        for key, row in gazetteer.core.us_places.items()
        if not gazetteer.cities_named(row[0], admin1=f"US-{key[0]}")
    )
    (state, _), row = place
    location = locator.locate(AccountAddress(city=row[0], region=state, country="US"))
    assert location.precision is Precision.CITY
    assert location.county_fips == row[1]
    assert location.city_geonameid is None


def test_city_and_country_homonyms_pick_the_most_populous_and_say_so(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Springfield", country="US"))
    assert (location.precision, location.admin1) == (Precision.CITY, "US-MO")
    assert "most populous" in location.note


def test_city_and_region_disambiguate_homonyms(locator: Locator) -> None:
    assert locator.locate(AccountAddress(city="Portland", region="ME")).admin1 == "US-ME"
    assert locator.locate(AccountAddress(city="Portland", region="Oregon")).admin1 == "US-OR"


def test_a_city_without_country_is_taken_only_when_one_place_dwarfs_the_rest(locator: Locator) -> None:
    paris = locator.locate(AccountAddress(city="Paris"))
    assert (paris.precision, paris.country) == (Precision.CITY, "FR")
    assert "no country given" in paris.note
    springfield = locator.locate(AccountAddress(city="Springfield"))
    assert springfield.precision is Precision.UNKNOWN
    assert "ambiguous" in springfield.note


def test_a_phone_number_gives_the_country_for_a_bare_city_name(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Springfield", phone="+1 217 555 0108"))
    assert location.country == "US"
    paris = locator.locate(AccountAddress(city="London", phone="+1 519 555 0100"))
    assert paris.country == "CA"


def test_region_only_gives_admin1_with_its_timezone(locator: Locator) -> None:
    location = locator.locate(AccountAddress(region="Illinois"))
    assert (location.precision, location.admin1, location.timezone) == (
        Precision.ADMIN1,
        "US-IL",
        "America/Chicago",
    )


def test_an_unknown_city_in_a_known_state_falls_back_to_the_state_with_a_note(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Xyzzyville", region="MA", country="US"))
    assert (location.precision, location.admin1) == (Precision.ADMIN1, "US-MA")
    assert "Xyzzyville" in location.note


def test_unknown_places_are_unknown_with_a_reason_never_a_guess(locator: Locator) -> None:
    location = locator.locate(AccountAddress(city="Xyzzyville", country="Narnia"))
    assert location.precision is Precision.UNKNOWN
    assert "Narnia" in location.note and "Xyzzyville" in location.note
    assert location.lat is None and location.country is None


def test_phone_is_the_last_resort_and_says_so(locator: Locator) -> None:
    us = locator.locate(AccountAddress(phone="+16175550101"))
    assert (us.precision, us.admin1, us.source) == (Precision.ADMIN1, "US-MA", "phone")
    manila = locator.locate(AccountAddress(phone="+6325550109"))
    assert (manila.precision, manila.country) == (Precision.COUNTRY, "PH")
    toll_free = locator.locate(AccountAddress(phone="+18005550112"))
    assert (toll_free.precision, toll_free.country) == (Precision.COUNTRY, "US")
    assert "phone" in us.note


def test_a_point_at_null_island_or_out_of_range_is_ignored(locator: Locator) -> None:
    location = locator.locate(AccountAddress(lat=0.0, lon=0.0, country="US"))
    assert location.precision is Precision.COUNTRY
    assert "not a usable point" in location.note
    assert locator.locate(AccountAddress(lat=120.0, lon=10.0)).precision is Precision.UNKNOWN


def test_a_point_contradicting_the_country_keeps_the_point_and_notes_it(locator: Locator) -> None:
    location = locator.locate(AccountAddress(lat=48.8566, lon=2.3522, country="US"))
    assert (location.precision, location.country, location.timezone) == (Precision.POINT, "FR", "Europe/Paris")
    assert "not US" in location.note


def test_a_point_far_from_any_place_still_gets_a_timezone(locator: Locator) -> None:
    location = locator.locate(AccountAddress(lat=-40.0, lon=-140.0))
    assert location.precision is Precision.POINT
    assert location.country is None
    assert location.timezone is not None


def test_the_same_address_fields_are_located_once(gazetteer) -> None:
    locator = Locator(gazetteer)
    first = locator.locate(AccountAddress(city="Boston", region="MA", phone="+16175550101"))
    second = locator.locate(AccountAddress(city="Boston", region="MA", phone="+16175550199", address="1 Main St"))
    assert first is second
