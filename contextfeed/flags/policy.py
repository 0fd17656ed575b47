"""The policy: pure rules from an event (and how it reached an account) to a flag level, with a reason.

Two steps keep it cheap and explainable: `judge_event` runs the configured
rules once per event; `judge_match` then caps that level for one account by
how precisely the account and the area are known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fnmatch import fnmatchcase

from contextfeed.config import PolicySettings, RuleSettings
from contextfeed.domain.terms import LEVELS
from contextfeed.geo.model import Precision

ALL_CLEAR = "all_clear"
NEVER_FLAG_STATUS = frozenset({"Test", "Exercise", "System", "Draft"})
# Precisions at which an account has a point we can put inside a shape.
POINT_PRECISIONS = frozenset({Precision.POINT, Precision.POSTAL, Precision.CITY})


def rank(level: str | None) -> int:
    """0 for no flag, 1 info, 2 caution, 3 do_not_chase."""
    return LEVELS.index(level) + 1 if level in LEVELS else 0


def weaker(level: str, cap: str) -> str:
    """The weaker of two levels."""
    return level if rank(level) <= rank(cap) else cap


@dataclass(frozen=True)
class EventFacts:
    """What the policy looks at in an event."""

    kind: str
    trust: str
    status: str
    msg_type: str
    category: str
    event_type: str
    severity: str
    urgency: str
    certainty: str
    response_types: tuple[str, ...]
    crisis_category: str | None
    valid_from: datetime
    valid_until: datetime | None
    cut_at: datetime | None
    # SAME / VTEC codes the issuer gave, else the code of the event's standard name (sources/eventcodes.py).
    event_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventJudgement:
    """The policy's answer for an event: a level and the rule that gave it, or why there is none."""

    level: str | None
    rule: str
    why: str
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    buffer_km: float = 0.0
    max_distance_km: float | None = None


@dataclass(frozen=True)
class MatchFacts:
    """How an area reached an account: the area part's precision, the account's, and the words for it."""

    area_precision: Precision
    account_precision: Precision
    how: str


@dataclass(frozen=True)
class MatchJudgement:
    """The level one account gets from one event (None: no flag) and why it was capped, if it was."""

    level: str | None
    rule: str
    note: str = ""


def judge_event(event: EventFacts, policy: PolicySettings) -> EventJudgement:
    """The first configured rule that matches the event, with the flag's interval; or why nothing flags."""
    if event.status in NEVER_FLAG_STATUS:
        return EventJudgement(None, "status-not-actual", f"status is {event.status}: never flags")
    if event.msg_type in ("Cancel", "Ack", "Error"):
        return EventJudgement(None, "not-an-alert", f"a {event.msg_type} message ends alerts, it does not raise them")
    if "AllClear" in event.response_types:
        return EventJudgement(None, "all-clear", "responseType AllClear: the danger is over")
    if event.trust == "news" and event.crisis_category is None:
        return EventJudgement(None, "news-no-crisis", "news without crisis words (not an emergency)")
    if event.trust == "news" and event.crisis_category == ALL_CLEAR:
        return EventJudgement(None, "news-all-clear", "news that the danger is over (lifted, all clear)")
    for rule in policy.rules:
        if rule_matches(rule, event):
            if rule.level == "none":
                return EventJudgement(None, rule.name, f"rule {rule.name}: never flags")
            return EventJudgement(
                level=cap_news(rule.level, event, policy),
                rule=rule.name,
                why=f"rule {rule.name}",
                starts_at=event.valid_from,
                expires_at=flag_end(rule, event),
                buffer_km=rule.buffer_km,
                max_distance_km=rule.max_distance_km,
            )
    return EventJudgement(None, "no-rule", "no policy rule matches this event")


def rule_matches(rule: RuleSettings, event: EventFacts) -> bool:
    """True when every criterion the rule lists holds for the event (case-insensitive shell patterns)."""
    return (
        allowed(rule.trust, event.trust)
        and allowed(rule.kinds, event.kind)
        and allowed(rule.categories, event.category)
        and is_listed_event(rule, event)
        and allowed(rule.severity, event.severity)
        and allowed(rule.urgency, event.urgency)
        and allowed(rule.certainty, event.certainty)
        and allowed(rule.response_types, *event.response_types)
        and allowed(rule.crisis, event.crisis_category)
    )


def is_listed_event(rule: RuleSettings, event: EventFacts) -> bool:
    """True when the rule names no event, or names this one: by its codes, or by its name when it has no code.

    The code wins over the name: NWS calls a continuing severe thunderstorm
    warning a "Severe Weather Statement", but its VTEC says SV.W.
    """
    if not (rule.event_codes or rule.event_types):
        return True
    if event.event_codes:
        return listed(rule.event_codes, *event.event_codes)
    return listed(rule.event_types, event.event_type)


def allowed(options: Sequence[str], *values: str | None) -> bool:
    """True when the rule lists nothing, or one of `values` matches one of its patterns."""
    return not options or listed(options, *values)


def listed(options: Sequence[str], *values: str | None) -> bool:
    """True when a non-empty value matches one of the patterns ("*" matches any value, none matches a blank)."""
    return any(value and fnmatchcase(value.lower(), option.lower()) for value in values for option in options)


def cap_news(level: str, event: EventFacts, policy: PolicySettings) -> str:
    """News alone is advisory: at most `news_max_level` unless the source is configured as official."""
    return weaker(level, policy.news_max_level) if event.trust == "news" else level


def flag_end(rule: RuleSettings, event: EventFacts) -> datetime | None:
    """When the flag ends: the rule's own duration or the event's end, cut by a Cancel/Update, plus linger."""
    end = event.valid_until
    if rule.lasts_hours is not None:
        end = event.valid_from + timedelta(hours=rule.lasts_hours)
        if event.cut_at is not None:
            end = min(end, event.cut_at)
    if end is None:
        return None
    return end + timedelta(hours=rule.linger_hours)


def judge_match(judgement: EventJudgement, match: MatchFacts, *, trust: str, policy: PolicySettings) -> MatchJudgement:
    """Cap the event's level for one account by precision: a coarse location or a country-wide area never suppresses."""
    level = judgement.level
    if level is None:
        return MatchJudgement(None, judgement.rule, judgement.why)
    # Shapes match postal- and city-located accounts by their centre (DESIGN:
    # "matches a polygon by its centroid and says so"), so only coarser ones are capped.
    tolerated = Precision.CITY if match.area_precision == Precision.POINT else match.area_precision
    if match.account_precision.rank > tolerated.rank:
        capped = weaker(level, "info")
        note = (
            f"account known only to its {match.account_precision}, the event covers a {match.area_precision}:"
            f" at most info"
        )
        return MatchJudgement(capped, "coarse-location" if capped != level else judgement.rule, note)
    if match.area_precision == Precision.COUNTRY:
        capped = weaker(level, policy.country_wide_max_level)
        return MatchJudgement(
            capped,
            "country-wide" if capped != level else judgement.rule,
            f"the event covers a whole country: at most {policy.country_wide_max_level}",
        )
    if trust == "news" and match.area_precision == Precision.ADMIN1:
        capped = weaker(level, "info")
        return MatchJudgement(
            capped,
            "news-region-wide" if capped != level else judgement.rule,
            "news about a whole state or region: at most info",
        )
    return MatchJudgement(level, judgement.rule)
