"""Is a news item about a crisis? Phrase rules per category, matched on word boundaries, case-insensitively.

The rules are plain data (category -> phrases) so the policy file can replace
them. Categories are tried in the mapping's order and the first that matches
wins, so instructions people must act on (shelter in place, lockdown,
evacuation) come before the hazards that cause them. Exclusions are idioms
whose words would otherwise match ("a flood of orders", "fire sale"): their
text is blanked out before the rules run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

DEFAULT_CRISIS_RULES: Mapping[str, Sequence[str]] = {
    # First: a story that the danger is over ("shelter-in-place order lifted")
    # names the crisis too, but must not raise a flag of its own.
    "all_clear": ("all clear", "all-clear", "order lifted", "orders lifted", "warning lifted", "warnings lifted",
                  "has been lifted", "have been lifted", "was lifted", "were lifted", "is lifted", "are lifted"),
    "shelter_in_place": ("shelter in place", "sheltering in place", "sheltered in place", "stay indoors",
                         "remain indoors", "stay inside"),
    "lockdown": ("lockdown", "lockdowns", "locked down", "lock down"),
    "evacuation": ("evacuation", "evacuations", "evacuate", "evacuated", "evacuating", "evacuees"),
    "curfew": ("curfew", "curfews"),
    "state_of_emergency": ("state of emergency", "emergency declaration", "declared an emergency",
                           "disaster declaration", "declares emergency"),
    "terror": ("terror attack", "terror attacks", "terrorist attack", "terrorist", "terrorists", "terrorism",
               "hostage", "hostages", "suicide bomber", "suicide bombing"),
    "shooting": ("shooting", "shootings", "shooter", "gunman", "gunmen", "gunfire", "shots fired",
                 "opened fire", "open fire", "shot dead"),
    "explosion": ("explosion", "explosions", "exploded", "explodes", "blast", "blasts", "bomb", "bombs",
                  "bombing", "bombings", "bombed", "detonated", "detonation"),
    "manhunt": ("manhunt", "armed and dangerous"),
    "riot": ("riot", "riots", "rioting", "rioters", "looting", "looters", "violent clashes", "civil unrest"),
    "chemical_spill": ("chemical spill", "chemical leak", "gas leak", "toxic spill", "toxic leak", "toxic cloud",
                       "hazmat", "hazardous materials", "derailment", "derailed"),
    "fire": ("blaze", "blazes", "inferno", "fire broke out", "house fire", "building fire", "warehouse fire",
             "apartment fire", "factory fire", "engulfed in flames", "caught fire", "set on fire"),
    "wildfire": ("wildfire", "wildfires", "bushfire", "bushfires", "forest fire", "forest fires", "brush fire",
                 "grass fire"),
    "earthquake": ("earthquake", "earthquakes", "quake", "quakes", "aftershock", "aftershocks", "tremor",
                   "tremors"),
    "tsunami": ("tsunami", "tsunamis", "tidal wave"),
    "hurricane": ("hurricane", "hurricanes", "typhoon", "typhoons", "cyclone", "cyclones", "tropical storm"),
    "tornado": ("tornado", "tornadoes", "tornados", "twister", "twisters"),
    "flood": ("flood", "floods", "flooding", "flooded", "flash flood", "flash flooding", "floodwaters",
              "floodwater", "inundated", "burst its banks", "over their banks"),
    "winter_storm": ("blizzard", "blizzards", "ice storm", "winter storm", "snowstorm", "snowstorms"),
    "heat": ("heat wave", "heatwave", "extreme heat"),
    "landslide": ("landslide", "landslides", "mudslide", "mudslides"),
    "blackout": ("blackout", "blackouts", "power outage", "power outages", "power cut", "power cuts",
                 "without power", "lost power", "loses power"),
}

DEFAULT_CRISIS_EXCLUSIONS: Sequence[str] = (
    *(f"{flood} {of} {thing}" for flood in ("flood", "floods", "flooded", "flooding") for of in ("of", "with", "in with")
      for thing in ("orders", "calls", "complaints", "requests", "applications", "emails", "messages",
                    "tributes", "interest", "cash", "money", "investment", "offers", "bids", "memes")),
    "flood the market", "flooding the market", "fire sale", "fire sales", "under fire", "rapid fire",
    "shooting star", "shooting stars", "shooting guard", "shooting percentage", "photo shoot",
    "box office bomb", "bombed at the box office", "photobomb", "blackout dates", "blackout period",
    "media blackout", "blast from the past", "had a blast", "riot of colour", "riot of color",
    "lockdown defence", "lockdown defense", "tsunami of debt", "tsunami of data",
    *(f"explosion {of} {thing}" for of in ("of", "in") for thing in ("interest", "popularity", "growth", "demand",
                                                                      "sales", "colour", "color", "flavour", "flavor")),
    "quake in their boots",
)


# The only characters re.IGNORECASE matches with an ASCII letter that lower() does not turn into it
# (found by trying every code point): a text with one is scanned without the first-word test.
_ASCII_CASE_TWINS = re.compile("[\u0130\u0131\u017f\u212a]")


@dataclass(frozen=True)
class CrisisMatch:
    """The crisis category a text was put in and the phrases that put it there."""

    category: str
    matched: tuple[str, ...]


def classify_crisis(
    text: str,
    rules: Mapping[str, Sequence[str]] = DEFAULT_CRISIS_RULES,
    *,
    exclusions: Sequence[str] = DEFAULT_CRISIS_EXCLUSIONS,
) -> CrisisMatch | None:
    """The first category (in rule order) whose phrases occur in `text`, or None for no crisis."""
    patterns, exclusion = _compile(tuple((category, tuple(phrases)) for category, phrases in rules.items()),
                                   tuple(exclusions))
    lowered = None if _ASCII_CASE_TWINS.search(text) else text.lower()
    if exclusion is not None and exclusion.may_occur(lowered):
        text = exclusion.pattern.sub(lambda match: " " * len(match.group()), text)
    for category, phrases in patterns:
        found = phrases.pattern.findall(text) if phrases.may_occur(lowered) else None
        if found:
            return CrisisMatch(category, tuple(dict.fromkeys(phrase.lower() for phrase in found)))
    return None


@dataclass(frozen=True)
class _Phrases:
    """A compiled phrase list, and the lower-case first words one of which every match must contain."""

    pattern: re.Pattern[str]
    # None when a first word is not ASCII: only for ASCII words does lower() agree with re.IGNORECASE.
    leads: frozenset[str] | None

    def may_occur(self, lowered: str | None) -> bool:
        """False when no phrase can occur in the text, given it lower-cased (None: test nothing, scan).

        A substring test per first word is a tenth of the cost of the pattern's
        scan, and most news names no crisis. Blanking out exclusions cannot make
        a first word appear, so the test holds for the blanked text too.
        """
        return lowered is None or self.leads is None or any(lead in lowered for lead in self.leads)


def _phrases(phrases: Sequence[str]) -> _Phrases | None:
    words = [phrase.split() for phrase in phrases if phrase.strip()]
    alternatives = sorted({r"[\s\-]+".join(map(re.escape, phrase)) for phrase in words}, key=len, reverse=True)
    if not alternatives:
        return None
    # "shelter in place" also matches "shelter-in-place" and line-wrapped text.
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)
    leads = frozenset(phrase[0].lower() for phrase in words)
    return _Phrases(pattern, leads if all(lead.isascii() for lead in leads) else None)


@lru_cache(maxsize=16)
def _compile(
    rules: tuple[tuple[str, tuple[str, ...]], ...], exclusions: tuple[str, ...]
) -> tuple[list[tuple[str, _Phrases]], _Phrases | None]:
    patterns = [(category, compiled) for category, phrases in rules if (compiled := _phrases(phrases))]
    return patterns, _phrases(exclusions)
