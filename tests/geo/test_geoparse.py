"""The news geoparser on the Boston feed and on the traps that fool gazetteer matchers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contextfeed.geo.geoparse import Geoparser, focus_mentions, mention_to_json
from contextfeed.geo.model import PlaceMention, Precision

from .conftest import SCENARIO


def _resolved(geoparser: Geoparser, text: str) -> list[PlaceMention]:
    return [m for m in geoparser.parse(text) if m.resolved]


def _news_items() -> list[str]:
    rss = (SCENARIO / "feeds" / "news.rss").read_text()
    titles = re.findall(r"<item>\s*<title>(.*?)</title>", rss, re.S)
    descriptions = re.findall(r"<description>(.*?)</description>", rss.split("<item>", 1)[1], re.S)
    return [f"{title}. {description}" for title, description in zip(titles, descriptions)]


def test_offsets_point_at_the_characters_that_named_the_place(geoparser: Geoparser) -> None:
    text = "Flash flooding swamps Springfield, Illinois; hundreds evacuated across Sangamon County."
    for mention in geoparser.parse(text):
        assert text[mention.start : mention.end] == mention.text


def test_the_boston_marathon_story_is_placed_in_boston(geoparser: Geoparser) -> None:
    marathon, *_ = _news_items()
    places = {(m.name, m.admin1) for m in _resolved(geoparser, marathon)}
    assert places == {("Boston", "US-MA"), ("Back Bay", "US-MA"), ("Massachusetts", "US-MA")}
    assert {m.name for m in focus_mentions(geoparser.parse(marathon))} == {"Boston", "Back Bay"}


def test_paris_hilton_is_a_person_and_dubai_a_place(geoparser: Geoparser) -> None:
    _, hilton, *_ = _news_items()
    mentions = geoparser.parse(hilton)
    assert [m.name for m in mentions if m.resolved] == ["Dubai"]
    paris = next(m for m in mentions if m.text == "Paris")
    assert not paris.resolved and "Hilton" in paris.why


def test_jordan_announcing_a_cabinet_is_the_country(geoparser: Geoparser) -> None:
    _, _, jordan, *_ = _news_items()
    assert [(m.text, m.country, m.precision) for m in _resolved(geoparser, jordan)] == [
        ("Jordan", "JO", Precision.COUNTRY)
    ]


def test_springfield_illinois_and_sangamon_county_are_illinois(geoparser: Geoparser) -> None:
    flood = _news_items()[3]
    mentions = _resolved(geoparser, flood)
    springfield = next(m for m in mentions if m.text == "Springfield")
    assert (springfield.geonameid, springfield.county_fips, springfield.confidence) == (4250542, "17167", 0.95)
    county = next(m for m in mentions if m.text == "Sangamon County")
    assert (county.precision, county.county_fips, county.admin1) == (Precision.COUNTY, "17167", "US-IL")


def test_the_manhunt_story_reads_every_town_in_massachusetts(geoparser: Geoparser) -> None:
    manhunt = _news_items()[4]
    towns = {m.text.split(",")[0]: m.admin1 for m in _resolved(geoparser, manhunt) if m.precision is Precision.CITY}
    assert towns == dict.fromkeys(["Watertown", "Cambridge", "Newton", "Waltham", "Belmont", "Boston"], "US-MA")


def test_a_bare_watertown_mention_carries_the_sense_the_text_gave_it(geoparser: Geoparser) -> None:
    text = "Watertown residents told to shelter in place. Police searched Watertown, Massachusetts overnight."
    first, second = (m for m in geoparser.parse(text) if m.text.startswith("Watertown"))
    assert first.resolved and first.geonameid == second.geonameid == 4954611
    assert first.confidence < second.confidence


def test_a_bare_watertown_alone_is_abstained_on_with_its_candidates(geoparser: Geoparser) -> None:
    (mention,) = geoparser.parse("Suspect in custody in Watertown")
    assert not mention.resolved
    assert "share this name" in mention.why
    assert any("US-MA" in candidate for candidate in mention.candidates)


def test_the_washington_nationals_are_a_team_and_miami_is_fine_to_resolve(geoparser: Geoparser) -> None:
    nationals = _news_items()[5]
    mentions = geoparser.parse(nationals)
    assert [(m.text, m.admin1) for m in mentions if m.resolved] == [("Miami", "US-FL")]
    assert "sports team" in next(m for m in mentions if m.text == "Washington").why


@pytest.mark.parametrize(
    "text",
    [
        "Michael Jordan sells stake in team",
        "Jordan Peterson to speak at university event",
        "Victoria Beckham unveils spring collection",
        "Georgia May Jagger walks runway",
        "Reading is good for children, study finds",
        "Nice weather expected across the region this weekend",
        "Mobile phone sales surge in first quarter",
        "Man arrested after stealing bicycle",
        "M.S. Dhoni retires from international cricket",
        "New Yorkers brace for heat wave",
        "PARIS HILTON OPENS NEW BOUTIQUE",
        "Hurricane Sandy slams the coast",
        "Real Madrid beat Barcelona",
        "Boston Red Sox sweep Yankees",
        "Georgia votes in runoff election",
        "Springfield officials review budget",
    ],
)
def test_people_teams_common_words_and_demonyms_raise_no_place(geoparser: Geoparser, text: str) -> None:
    assert _resolved(geoparser, text) == []


@pytest.mark.parametrize(
    ("text", "surface", "admin1_or_country"),
    [
        ("Flooding in Reading, Pennsylvania after heavy rain", "Reading", "US-PA"),
        ("Mobile, Alabama, braces for tropical storm", "Mobile", "US-AL"),
        ("Police respond to stabbing in Nice, France", "Nice", "FR"),
        ("Explosion in Paris, Texas, injures two", "Paris", "US-TX"),
        ("Storm hits London, Ontario", "London", "CA-ON"),
        ("Tornado warning for Springfield, IL tonight", "Springfield", "US-IL"),
        ("Gas leak in Springfield, Mass., forces evacuation", "Springfield", "US-MA"),
        ("Storm hits Washington, D.C. overnight", "Washington", "US-DC"),
        ("Voters in Georgia head to the polls as Atlanta sees long lines", "Georgia", "US-GA"),
        ("Protests in Georgia's capital Tbilisi", "Georgia", "GE"),
        ("Flooding in Mobile closes roads", "Mobile", "US-AL"),
    ],
)
def test_a_qualifier_or_the_rest_of_the_text_decides_which_place_is_meant(
    geoparser: Geoparser, text: str, surface: str, admin1_or_country: str
) -> None:
    mention = next(m for m in geoparser.parse(text) if m.text == surface)
    assert mention.resolved
    assert admin1_or_country in (mention.admin1, mention.country)


def test_all_caps_text_is_geoparsed_without_trusting_capitals(geoparser: Geoparser) -> None:
    mentions = _resolved(geoparser, "TWO EXPLOSIONS AT BOSTON MARATHON FINISH LINE; FLOOD WARNING FOR SANGAMON COUNTY")
    assert {(m.text, m.admin1) for m in mentions} == {("BOSTON", "US-MA"), ("SANGAMON COUNTY", "US-IL")}


def test_abstentions_report_candidates_and_a_reason(geoparser: Geoparser) -> None:
    (mention,) = geoparser.parse("Springfield officials review budget")
    assert not mention.resolved and mention.why
    assert len(mention.candidates) >= 3
    record = mention_to_json(mention)
    assert record["resolved"] is False and record["candidates"] and record["why"]


def test_json_records_carry_the_issue_10_fields(geoparser: Geoparser) -> None:
    (mention,) = geoparser.parse("Flooding in Nashville kills 10")
    record = mention_to_json(mention)
    assert {
        "text",
        "start",
        "end",
        "name",
        "geonameid",
        "country",
        "admin1",
        "lat",
        "lon",
        "precision",
        "confidence",
    } <= set(record)
    assert record["precision"] == "city" and record["geonameid"] == 4644585


def test_focus_drops_the_state_and_country_that_only_contain_named_towns(geoparser: Geoparser) -> None:
    text = "Explosion in Boston, Massachusetts; the U.S. president spoke. Massachusetts police say more to come."
    assert [m.name for m in focus_mentions(geoparser.parse(text))] == ["Boston"]


def test_empty_text_has_no_places(geoparser: Geoparser) -> None:
    assert geoparser.parse("") == []


def test_dataset_spans_match_their_text() -> None:
    import json

    path = Path(__file__).resolve().parents[1] / "data" / "geoparse" / "headlines.jsonl"
    for line in path.read_text().splitlines():
        record = json.loads(line)
        for span in record["places"] + record["ambiguous"]:
            assert record["text"][span["start"] : span["end"]] == span["text"], record["id"]
