"""The shipped policy by event code family: what the issuer calls an alert decides how far it can go."""

from datetime import UTC, datetime, timedelta

import pytest

from contextfeed.config import load_settings
from contextfeed.flags.policy import EventFacts, judge_event
from tests.conftest import REPO

POLICY = load_settings({"CONTEXTFEED_CONFIG": str(REPO / "config" / "contextfeed.toml")}).policy
START = datetime(2018, 8, 15, 22, 0, tzinfo=UTC)
# The WEA imminent-threat grading (47 CFR 10.400), and NWS's grading of watches and of lesser products.
IMMINENT = dict(severity="Severe", urgency="Immediate", certainty="Observed")
WATCH = dict(severity="Severe", urgency="Future", certainty="Possible")


def coded(*codes: str, event_type: str = "", **grading: str) -> EventFacts:
    values = dict(
        kind="cap",
        trust="official",
        status="Actual",
        msg_type="Alert",
        category="Met",
        event_type=event_type,
        response_types=(),
        crisis_category=None,
        valid_from=START,
        valid_until=START + timedelta(hours=3),
        cut_at=None,
        event_codes=codes,
        **IMMINENT,
    )
    values.update(grading)
    return EventFacts(**values)


TESTS_AND_ADMINISTRATIVE = ["RMT", "RWT", "NPT", "NAT", "NST", "DMO", "ADR", "NMN", "NIC", "EAT"]
PUBLIC_APPEALS = ["CAE", "BLU"]
FIRE_WEATHER = ["FW.W", "FW.A"]
IMMINENT_SAME = [
    "TOR",
    "FFW",
    "EWW",
    "HUW",
    "SSW",
    "TSW",
    "SQW",
    "DSW",
    "CDW",
    "CEM",
    "LAE",
    "EVI",
    "SPW",
    "FRW",
    "WFW",
    "IFW",
    "HMW",
    "NUW",
    "RHW",
    "LEW",
    "CHW",
    "BHW",
    "DBW",
    "EQW",
    "VOW",
]
IMMINENT_VTEC = ["TO.W", "FF.W", "EW.W", "HU.W", "TY.W", "SS.W", "TS.W", "SQ.W", "DS.W"]
WATCHES = [
    "TOA",
    "SVA",
    "FFA",
    "FLA",
    "HUA",
    "TRA",
    "TSA",
    "WSA",
    "CFA",
    "HWA",
    "AVA",
    "SSA",
    "EVA",
    "DBA",
    "WFA",
    "TO.A",
    "SV.A",
    "FF.A",
    "FA.A",
    "HU.A",
    "TR.A",
    "WS.A",
    "EH.A",
    "FZ.A",
]
ADVISORIES_STATEMENTS_OUTLOOKS = [
    "HT.Y",
    "FA.Y",
    "SU.Y",
    "DU.Y",
    "WI.Y",
    "WW.Y",
    "BH.S",
    "RP.S",
    "CF.S",
    "HY.O",
    "SPS",
    "HLS",
    "HWO",
    "AQA",
    "POS",
]
OTHER_WARNINGS = [
    "SVR",
    "FLW",
    "HWW",
    "BZW",
    "WSW",
    "CFW",
    "AVW",
    "SMW",
    "TRW",
    "BWW",
    "SV.W",
    "FL.W",
    "FA.W",
    "HW.W",
    "EH.W",
    "WS.W",
    "BZ.W",
    "IS.W",
    "FZ.W",
    "SVS",
    "FFS",
    "FLS",
]


@pytest.mark.parametrize("code", TESTS_AND_ADMINISTRATIVE)
def test_tests_and_administrative_codes_never_flag_however_they_are_graded(code):
    judgement = judge_event(coded(code), POLICY)
    assert (judgement.level, judgement.rule) == (None, "tests-and-administrative")


@pytest.mark.parametrize("code", PUBLIC_APPEALS)
def test_amber_and_blue_alerts_are_context_for_the_agent(code):
    assert judge_event(coded(code, category="Rescue"), POLICY).level == "info"


@pytest.mark.parametrize("code", FIRE_WEATHER)
def test_fire_weather_products_ask_for_care_but_never_suppress(code):
    judgement = judge_event(coded(code, severity="Severe", urgency="Expected", certainty="Likely"), POLICY)
    assert (judgement.level, judgement.rule) == ("caution", "fire-weather")


@pytest.mark.parametrize("code", IMMINENT_SAME + IMMINENT_VTEC)
def test_imminent_threat_warnings_suppress_even_when_the_issuer_left_the_grading_unknown(code):
    assert judge_event(coded(code), POLICY).level == "do_not_chase"
    unknown = judge_event(coded(code, severity="Unknown", urgency="Unknown", certainty="Unknown"), POLICY)
    assert (unknown.level, unknown.rule) == ("do_not_chase", "imminent-threat-warning")


@pytest.mark.parametrize("code", IMMINENT_SAME + IMMINENT_VTEC)
def test_an_imminent_threat_warning_graded_possible_or_for_later_does_not_suppress(code):
    assert judge_event(coded(code, certainty="Possible"), POLICY).level == "caution"
    assert judge_event(coded(code, urgency="Future"), POLICY).level == "caution"


@pytest.mark.parametrize("code", WATCHES)
def test_watches_are_caution_when_severe_and_info_otherwise_even_graded_as_imminent(code):
    assert judge_event(coded(code, **WATCH), POLICY).level == "caution"
    assert judge_event(coded(code), POLICY).level == "caution"
    assert judge_event(coded(code, severity="Moderate"), POLICY).level == "info"


@pytest.mark.parametrize("code", ADVISORIES_STATEMENTS_OUTLOOKS)
def test_advisories_statements_and_outlooks_are_context_even_with_a_shelter_instruction(code):
    judgement = judge_event(coded(code, response_types=("Shelter",)), POLICY)
    assert (judgement.level, judgement.rule) == ("info", "advisory-statement-outlook")


@pytest.mark.parametrize("code", OTHER_WARNINGS)
def test_other_warnings_suppress_only_while_the_hazard_is_observed_now(code):
    assert judge_event(coded(code), POLICY).rule == "warning-happening-now"
    forecast = judge_event(coded(code, urgency="Expected", certainty="Likely"), POLICY)
    assert (forecast.level, forecast.rule) == ("caution", "warning-forecast")
    assert (
        judge_event(coded(code, severity="Moderate", urgency="Expected", certainty="Likely"), POLICY).level == "caution"
    )
    assert judge_event(coded(code, certainty="Possible"), POLICY).level == "caution"


@pytest.mark.parametrize(
    ("event_type", "level", "rule"),
    [
        ("Flash Flood Watch", "caution", "watch"),
        ("Red Flag Warning", "caution", "fire-weather"),
        ("Fire Weather Watch", "caution", "fire-weather"),
        ("Heat Advisory", "info", "advisory-statement-outlook"),
        ("Required Monthly Test", None, "tests-and-administrative"),
        ("Child Abduction Emergency", "info", "public-appeal-or-advisory-level"),
        ("Tornado Warning", "do_not_chase", "imminent-threat-warning"),
    ],
)
def test_an_event_without_codes_is_known_by_its_standard_name(event_type, level, rule):
    from contextfeed.sources.eventcodes import codes_from_name

    facts = coded(*codes_from_name(event_type), event_type=event_type)
    assert (judge_event(facts, POLICY).level, judge_event(facts, POLICY).rule) == (level, rule)


@pytest.mark.parametrize(
    ("event_type", "level", "rule"),
    [
        ("Yellow Thunderstorm Watch", "caution", "watch"),
        ("Coastal Hazard Statement", "info", "advisory-statement-outlook"),
        ("Statewide Test", None, "tests-and-administrative"),
        ("Orange warning for wind", "do_not_chase", "official-extreme-severe"),
    ],
)
def test_an_event_with_neither_code_nor_standard_name_is_read_by_the_words_of_its_name(event_type, level, rule):
    judgement = judge_event(coded(event_type=event_type), POLICY)
    assert (judgement.level, judgement.rule) == (level, rule)


def test_the_code_wins_over_the_name_a_continuing_warning_is_still_a_warning():
    statement = coded("SV.W", event_type="Severe Weather Statement")
    assert judge_event(statement, POLICY).level == "do_not_chase"
