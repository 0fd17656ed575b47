"""The news crisis classifier: crisis phrases raise a category, celebrity, sports and business news do not."""

from __future__ import annotations

import pytest

from contextfeed.geo.crisis import DEFAULT_CRISIS_RULES, CrisisMatch, classify_crisis


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Two bombs exploded near the finish line of the Boston Marathon", "explosion"),
        ("Two explosions at Boston Marathon finish line, many injured", "explosion"),
        ("Watertown residents told to shelter in place as manhunt continues", "shelter_in_place"),
        ("Shelter-in-place order issued for Watertown", "shelter_in_place"),
        ("Flash flooding swamps Springfield, Illinois; hundreds of homes evacuated", "evacuation"),
        ("Record rainfall sent creeks over their banks across Sangamon County", "flood"),
        ("Schools on lockdown after reports of a gunman", "lockdown"),
        ("Gunman opens fire at mall", "shooting"),
        ("Curfew imposed after night of unrest", "curfew"),
        ("Governor declares state of emergency", "state_of_emergency"),
        ("Wildfire forces thousands from homes", "wildfire"),
        ("Magnitude 6.1 earthquake strikes", "earthquake"),
        ("Hurricane makes landfall", "hurricane"),
        ("Tornado tears through town", "tornado"),
        ("Power outage leaves 200,000 in the dark", "blackout"),
        ("Rioters torch cars", "riot"),
        ("Chemical spill closes highway", "chemical_spill"),
        ("TWO EXPLOSIONS ROCK MARATHON", "explosion"),
    ],
)
def test_crisis_phrases_raise_their_category(text: str, category: str) -> None:
    match = classify_crisis(text)
    assert match is not None and match.category == category


@pytest.mark.parametrize(
    "text",
    [
        "Paris Hilton opens new boutique in Dubai",
        "Jordan announces new cabinet after talks",
        "Nationals rally to beat Miami in extra innings",
        "Startup reports explosive growth in sales",
        "Retailer hit by a flood of orders after ad campaign",
        "Airline holds fire sale of old jets",
        "Coach under fire after loss",
        "Rookie shooting guard signs extension",
        "Airline announces blackout dates for rewards",
        "Summer blockbuster bombed at the box office",
        "Explosion in popularity for electric bikes",
        "Firefighters' union endorses candidate",
    ],
)
def test_celebrity_sports_politics_and_business_news_is_not_a_crisis(text: str) -> None:
    assert classify_crisis(text) is None


def test_matching_is_on_word_boundaries() -> None:
    assert classify_crisis("The photobombing couple went viral") is None
    assert classify_crisis("Riotous applause greeted the band") is None


def test_the_matched_phrases_are_reported() -> None:
    assert classify_crisis("Two bombs exploded; a third blast followed") == CrisisMatch(
        "explosion", ("bombs", "exploded", "blast")
    )


def test_instructions_to_act_win_over_the_hazard_behind_them() -> None:
    match = classify_crisis("Explosion at plant: residents told to shelter in place")
    assert match is not None and match.category == "shelter_in_place"


def test_rules_can_be_replaced_by_a_plain_mapping() -> None:
    rules = {"volcano": ["eruption", "lava flow"]}
    assert classify_crisis("Lava flow reaches road", rules) == CrisisMatch("volcano", ("lava flow",))
    assert classify_crisis("Two bombs exploded", rules) is None


def test_default_rules_are_plain_data() -> None:
    assert all(isinstance(phrase, str) for phrases in DEFAULT_CRISIS_RULES.values() for phrase in phrases)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        # Letters that match an ASCII one only case-insensitively (long s, Kelvin sign, dotless i).
        ("Residents told to ſhelter in place", ("ſhelter in place",)),
        ("Town hit by a \u212ailler earthquake", ("earthquake",)),
        ("Blızzard closes the pass; blizzard warning", ("blızzard", "blizzard")),
        # Accented text: the French rule phrase and the English one.
        ("Évacuation à Nice : evacuation ordered", ("évacuation", "evacuation")),
    ],
)
def test_a_text_is_read_whole_whatever_its_alphabet(text: str, matched: tuple[str, ...]) -> None:
    match = classify_crisis(text)
    assert match is not None and match.matched == matched


def test_a_rule_phrase_in_another_alphabet_matches_case_insensitively() -> None:
    rules = {"evacuation": ["évacuation"]}
    assert classify_crisis("ÉVACUATION à Nice", rules) == CrisisMatch("evacuation", ("évacuation",))
