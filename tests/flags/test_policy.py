"""The shipped policy, rule by rule: which events give which level, and what caps it for one account."""

from datetime import UTC, datetime, timedelta

import pytest

from contextfeed.config import load_settings
from contextfeed.flags.policy import EventFacts, MatchFacts, judge_event, judge_match
from contextfeed.geo.model import Precision
from tests.conftest import REPO

POLICY = load_settings({"CONTEXTFEED_CONFIG": str(REPO / "config" / "contextfeed.toml")}).policy
START = datetime(2013, 4, 19, 10, 30, tzinfo=UTC)


def event(**overrides) -> EventFacts:
    values = dict(
        kind="cap",
        trust="official",
        status="Actual",
        msg_type="Alert",
        category="Met",
        event_type="Flood Warning",
        severity="Severe",
        urgency="Immediate",
        certainty="Observed",
        response_types=(),
        crisis_category=None,
        valid_from=START,
        valid_until=START + timedelta(hours=10),
        cut_at=None,
    )
    values.update(overrides)
    return EventFacts(**values)


@pytest.mark.parametrize(
    ("facts", "level", "rule"),
    [
        (event(severity="Extreme", urgency="Immediate"), "do_not_chase", "official-extreme-severe"),
        (event(severity="Severe", urgency="Expected"), "do_not_chase", "official-extreme-severe"),
        (event(severity="Severe", urgency="Future"), "caution", "official-extreme-severe-later"),
        (event(severity="Moderate"), "caution", "official-moderate"),
        (event(severity="Minor"), "info", "official-minor"),
        (event(severity="Unknown", urgency="Unknown"), "info", "official-minor"),
        (event(severity="Extreme", response_types=("Shelter",)), "do_not_chase", "official-shelter-or-evacuate"),
        (
            event(severity="Severe", response_types=("Evacuate",), urgency="Expected", certainty="Likely"),
            "do_not_chase",
            "official-shelter-or-evacuate",
        ),
        (event(severity="Moderate", response_types=("Shelter",)), "caution", "official-moderate"),
        (event(severity="Minor", response_types=("Evacuate",), urgency="Expected"), "info", "official-minor"),
        (
            event(severity="Severe", response_types=("Shelter",), certainty="Possible"),
            "caution",
            "official-extreme-severe-later",
        ),
        (
            event(severity="Severe", urgency="Expected", certainty="Possible"),
            "caution",
            "official-extreme-severe-later",
        ),
        (event(kind="fema", severity="Extreme", urgency="Past"), "do_not_chase", "fema-major-disaster"),
        (event(kind="fema", severity="Severe", urgency="Immediate"), "caution", "fema-emergency-declaration"),
        (event(kind="usgs", severity="Extreme", urgency="Past"), "do_not_chase", "official-disaster-aftermath"),
        (event(kind="gdacs", severity="Severe", urgency="Past"), "do_not_chase", "official-disaster-aftermath"),
        (event(kind="usgs", severity="Moderate", urgency="Past"), "caution", "official-moderate"),
        (event(kind="rss", trust="news", crisis_category="explosion", severity="Unknown"), "caution", "news-crisis"),
        (event(kind="rss", trust="news", crisis_category=None), None, "news-no-crisis"),
        (event(kind="rss", trust="news", crisis_category="all_clear"), None, "news-all-clear"),
        (event(status="Test", severity="Extreme"), None, "status-not-actual"),
        (event(status="Exercise"), None, "status-not-actual"),
        (event(status="System"), None, "status-not-actual"),
        (event(status="Draft"), None, "status-not-actual"),
        (event(msg_type="Cancel"), None, "not-an-alert"),
        (event(msg_type="Update", response_types=("AllClear",)), None, "all-clear"),
    ],
)
def test_default_rules_give_the_level_a_collections_manager_expects(facts, level, rule):
    judgement = judge_event(facts, POLICY)
    assert (judgement.level, judgement.rule) == (level, rule)
    assert judgement.why


def test_news_is_capped_at_caution_even_when_a_rule_says_more():
    strict = POLICY.model_copy(
        update={
            "rules": [
                r.model_copy(update={"level": "do_not_chase"}) if r.name == "news-crisis" else r for r in POLICY.rules
            ]
        }
    )
    judgement = judge_event(event(kind="rss", trust="news", crisis_category="shooting"), strict)
    assert judgement.level == "caution"


def test_a_news_source_configured_as_official_can_suppress():
    judgement = judge_event(event(kind="rss", trust="official", severity="Extreme", crisis_category="shooting"), POLICY)
    assert judgement.level == "do_not_chase"


def test_fema_major_disaster_flags_last_ninety_days_from_declaration():
    judgement = judge_event(event(kind="fema", severity="Extreme", valid_until=None), POLICY)
    assert judgement.expires_at == START + timedelta(days=90)


def test_a_cancel_cuts_a_fixed_length_flag_short():
    cut = START + timedelta(days=3)
    judgement = judge_event(event(kind="fema", severity="Extreme", cut_at=cut), POLICY)
    assert judgement.expires_at == cut


@pytest.mark.parametrize(
    ("area", "account", "trust", "level", "rule"),
    [
        (Precision.POINT, Precision.POSTAL, "official", "do_not_chase", "official-extreme-severe"),
        (Precision.POINT, Precision.CITY, "official", "do_not_chase", "official-extreme-severe"),
        (Precision.COUNTY, Precision.COUNTY, "official", "do_not_chase", "official-extreme-severe"),
        (Precision.COUNTY, Precision.ADMIN1, "official", "info", "coarse-location"),
        (Precision.POSTAL, Precision.COUNTRY, "official", "info", "coarse-location"),
        (Precision.COUNTRY, Precision.CITY, "official", "info", "country-wide"),
        (Precision.ADMIN1, Precision.POINT, "official", "do_not_chase", "official-extreme-severe"),
        (Precision.ADMIN1, Precision.POINT, "news", "info", "news-region-wide"),
    ],
)
def test_precision_caps_what_one_account_gets(area, account, trust, level, rule):
    judgement = judge_event(event(severity="Extreme"), POLICY)
    verdict = judge_match(judgement, MatchFacts(area, account, "how"), trust=trust, policy=POLICY)
    assert (verdict.level, verdict.rule) == (level, rule)
