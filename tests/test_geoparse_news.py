"""`contextfeed geoparse` on news as local and world papers write it: abbreviations, nationalities,
surnames, the whole story's geography, the feed's home region, and crises in six languages.

The sentences are written for these tests (none is taken from a scored corpus).
"""

from __future__ import annotations

import json

import pytest


def _geoparse(cli, text: str, *options: str) -> dict:
    status, out, err = cli("geoparse", text, "--json", *options)
    assert status == 0, err
    return json.loads(out)


def _resolved(result: dict) -> dict[str, dict]:
    return {place["text"]: place for place in result["places"] if place["resolved"]}


def _inside(place: dict) -> bool:
    south, west, north, east = place["bbox"]
    return south <= place["lat"] <= north and west <= place["lon"] <= east


def test_the_nice_church_attack_is_in_nice_and_a_crisis_with_its_reasons(cli):
    result = _geoparse(cli, "Three killed in knife attack at church in Nice, France")
    nice = _resolved(result)["Nice"]
    assert (nice["country"], nice["geonameid"]) == ("FR", 2990440)
    assert result["crisis"]["category"] == "violence"
    assert {"killed", "knife attack"} <= set(result["crisis"]["matched"])


@pytest.mark.parametrize(
    ("text", "town", "abbreviation", "admin1"),
    [
        ("A tornado touched down outside Jackson, Tenn., on Tuesday night", "Jackson", "Tenn.", "US-TN"),
        ("Water main break floods streets in Charleston, W. Va.", "Charleston", "W. Va.", "US-WV"),
        ("Two hurt in warehouse blaze in Muncie, Ind., officials said", "Muncie", "Ind.", "US-IN"),
        ("Gas explosion levels a home in Greenville, S.C.", "Greenville", "S.C.", "US-SC"),
        ("Protesters gathered in Worcester, Mass., on Sunday", "Worcester", "Mass.", "US-MA"),
    ],
)
def test_ap_state_abbreviations_place_the_town_and_are_places_themselves(cli, text, town, abbreviation, admin1):
    places = _resolved(_geoparse(cli, text))
    assert places[town]["admin1"] == admin1 and places[town]["precision"] == "city"
    state = places[abbreviation]
    assert (state["admin1"], state["precision"]) == (admin1, "admin1") and _inside(state)


def test_abbreviations_standing_alone_name_their_places(cli):
    places = _resolved(_geoparse(cli, "Freeway pileup snarls L.A. traffic as crews in D.C. clear snow"))
    assert places["L.A."]["name"] == "Los Angeles" and places["L.A."]["admin1"] == "US-CA"
    assert places["D.C."]["admin1"] == "US-DC"


def test_countries_and_states_have_a_point_inside_their_box_and_their_iso_codes(cli):
    places = _resolved(_geoparse(cli, "Storms batter Ohio as U.S. officials fly to Israel for talks"))
    ohio, us, israel = places["Ohio"], places["U.S."], places["Israel"]
    assert (ohio["precision"], ohio["admin1"], ohio["country"]) == ("admin1", "US-OH", "US")
    assert (us["country"], israel["country"]) == ("US", "IL")
    for place in (ohio, us, israel):
        assert place["lat"] is not None and _inside(place)
    # The United States' point is in the contiguous states, not pulled north-west by Alaska.
    assert 30 < us["lat"] < 45 and -105 < us["lon"] < -90


def test_nationalities_are_linked_to_their_countries_but_plurals_and_languages_are_not(cli):
    places = _resolved(
        _geoparse(
            cli,
            "Russian and Georgian envoys met Palestinian officials; Canadians watched the talks, broadcast in Spanish.",
        )
    )
    assert {text: (place["country"], place["kind"]) for text, place in places.items()} == {
        "Russian": ("RU", "demonym"),
        "Georgian": ("GE", "demonym"),
        "Palestinian": ("PS", "demonym"),
    }


@pytest.mark.parametrize(
    "text",
    [
        "Dyer told reporters that Wilson and Moore would testify on Friday",
        "Bell said the deal with Walker and Taylor was done",
        "Wright scored twice as the visitors held on",
        "University officials said the Section 8 waiting list reopens in March",
    ],
)
def test_surnames_and_ordinary_words_are_not_taken_for_towns(cli, text):
    assert _resolved(_geoparse(cli, text)) == {}


def test_a_surname_town_is_a_place_when_the_text_says_so(cli):
    places = _resolved(_geoparse(cli, "Flooding closed roads in Tyler, Texas, and near Bryant"))
    assert places["Tyler"]["admin1"] == "US-TX"
    told = _resolved(_geoparse(cli, "Police manhunt: residents of Tyler told to stay indoors; Bryant told reporters"))
    assert told["Tyler"]["admin1"] == "US-TX" and "Bryant" not in told


def test_the_rest_of_the_story_decides_which_paris_is_meant(cli):
    places = _resolved(_geoparse(cli, "Henry County, Tenn., deputies said fire destroyed a barn near Paris overnight."))
    assert places["Paris"]["admin1"] == "US-TN"
    assert places["Henry County"]["county_fips"] == "47079"


def test_a_feeds_home_region_reads_what_the_story_leaves_open(cli):
    text = "Paris council approves a new fire station budget"
    assert _resolved(_geoparse(cli, text))["Paris"]["country"] == "FR"
    assert _resolved(_geoparse(cli, text, "--home", "US-TN"))["Paris"]["admin1"] == "US-TN"
    abroad = "Paris council approves budget as France debates pensions"
    assert _resolved(_geoparse(cli, abroad, "--home", "US-TN"))["Paris"]["country"] == "FR"


def test_a_bad_home_region_is_a_clear_error(cli):
    status, _, err = cli("geoparse", "Paris council meets", "--home", "Tennessee")
    assert status == 1 and "ISO 3166-2" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Terremoto de magnitud 6,8 sacude el sur del país; hay al menos diez muertos", "earthquake"),
        ("Incendie dans un immeuble de Lyon : deux morts et douze blessés", "fire"),
        ("Crollo di una palazzina a Napoli, tre feriti estratti dalle macerie", "collapse"),
        ("Tiroteio deixa dois mortos na zona norte de São Paulo", "shooting"),
        ("Hochwasser in Passau: Tausende Menschen evakuiert", "evacuation"),
        ("Protests turned violent in Tbilisi as police fired tear gas", "violence"),
        ("Commuter train derailed near Baltimore, injuring dozens", "transport_accident"),
        ("Cholera outbreak spreads through refugee camps", "disease_outbreak"),
    ],
)
def test_crises_are_read_in_six_languages(cli, text, category):
    crisis = _geoparse(cli, text)["crisis"]
    assert crisis is not None and crisis["category"] == category and crisis["matched"]


@pytest.mark.parametrize(
    "text",
    [
        "Stocks crash as investors flee tech shares",
        "Striker fires hat-trick as United storm to victory",
        "Rookie quarterback is killing it in his first season",
        "Retailer holds a fire sale after a weak quarter",
        "Coach calls the defence a disaster after derby defeat",
        "Magnitude 2.4 earthquake recorded offshore, no damage reported by the agency",
    ],
)
def test_sport_markets_idioms_and_harmless_quakes_are_not_crises(cli, text):
    assert _geoparse(cli, text)["crisis"] is None
