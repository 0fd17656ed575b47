"""Find the places a news text names, and resolve them only when the text makes clear which place is meant.

Precision comes first: a wrong place raises a wrong flag. The matcher finds
every capitalised gazetteer name on word boundaries (Aho-Corasick over the
folded text, so offsets are offsets into the original). Each mention is then

1. merged with a following qualifier ("Springfield, Illinois", "Paris, Texas"),
2. checked against guards: part of a person's name ("Paris Hilton", "Michael
   Jordan"), a sports team ("Washington Nationals"), an ordinary word at the
   start of a sentence or in an all-caps / Title Case line ("Nice", "Reading"),
3. resolved by, in order: the qualifier; the admin1 units the rest of the
   text is about ("Cambridge" in a story about Massachusetts); prominence
   (the most populous reading when it dwarfs the others and is large enough
   to stand alone); the countries the text is about;
4. or abstained on, with the candidates and the reason.

A name resolved once in a text keeps that sense in its other, bare mentions.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from typing import Any

from contextfeed.geo.gazetteer import US_TERRITORIES, Gazetteer, NameRef
from contextfeed.geo.lexicon import (
    CALENDAR_WORDS,
    COMMON_WORD_NAMES,
    FIRST_NAMES,
    HEADLINE_VERBS,
    LOCATIVE_PREPOSITIONS,
    PLACE_FOLLOWERS,
    PLACE_PRECEDERS,
    PLACES_OF,
    SPEECH_VERBS,
    TEAM_NICKNAMES,
    TITLES,
    personal_names,
)
from contextfeed.geo.model import PlaceMention, Precision
from contextfeed.geo.names import fold_text, normalise_name
from contextfeed.geo.regions import (
    CONTINENT_ADJECTIVES,
    CONTINENTS,
    DEMONYMS,
    LANGUAGE_FOLLOWERS,
    LANGUAGE_PRECEDERS,
    PLACE_ABBREVIATIONS,
    REGION_QUALIFIERS,
    region,
)

log = logging.getLogger(__name__)

# A city resolves on prominence alone only if it is this large...
MIN_STANDALONE_POPULATION = 100_000
# ...and this many times as populous as the next place of the same name.
DOMINANCE_RATIO = 5
# A small place is read in a country the text is about only from this size on; smaller ones need their admin1.
MIN_COUNTRY_CONTEXT_POPULATION = 15_000
# A city whose admin1 has its name wins over the admin1 from this size on ("New York").
NAMESAKE_CITY_POPULATION = 1_000_000
CAPITAL_PROMINENCE = 10
# A line is read as Title Case / all caps (capitals say nothing) when this share of its longer words is capitalised.
CASE_BLIND_SHARE = 0.9
# A town named like a common surname or first name ("Tyler", "Bryant") needs the text to say it is a
# place ("in Tyler", "Tyler, Texas"), unless it is this large: a big city is meant more often than a person.
PERSONAL_NAME_CITY_POPULATION = 500_000

_CONFIDENCE = {
    "qualifier": 0.95,
    "unique": 0.9,
    "admin1": 0.85,
    "discourse": 0.8,
    "prominence": 0.75,
    "country": 0.7,
    "home": 0.7,
    "demonym": 0.6,
    "continent": 0.6,
}
# Words the gazetteer's automaton does not hold: acronyms of countries in capitals, continents, nationalities.
_EXTRA_COUNTRIES = {"US": "US", "UK": "GB"}
_EXTRA_NAMES = re.compile(
    r"(?<![\w.’'-])(?:"
    + "|".join(
        re.escape(name)
        for name in sorted(
            {*_EXTRA_COUNTRIES, *PLACE_ABBREVIATIONS, *CONTINENTS, *CONTINENT_ADJECTIVES, *DEMONYMS},
            key=len,
            reverse=True,
        )
    )
    + r")(?![\w’'-])"
)
_SEGMENT_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z][\w'’.-]*")
_LAST_WORD = re.compile(r"(?<![\w'’.-])[A-Za-z][\w'’.-]*$")
_QUALIFIER_LEAD = re.compile(r",\s*|\s+\(")
_QUALIFIER_WORDS = re.compile(r"[A-Z][\w.'’-]*(?:\s[A-Z][\w.'’-]*){0,3}")
_OF_A_NAME = re.compile(r" of (?:the )?[A-Z]")
_LIST_GAP = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+|;\s*")
_LONG_WORD = re.compile(r"\b[^\W\d_]{4,}\b")
_SENTENCE_END = frozenset(".!?:;\"“”'‘’(—–-\n")
_NAME_STARTERS = TITLES | FIRST_NAMES
_BEFORE_PLACES = PLACE_PRECEDERS | LOCATIVE_PREPOSITIONS
_AFTER_PLACES = PLACE_FOLLOWERS | HEADLINE_VERBS | PLACE_PRECEDERS | LOCATIVE_PREPOSITIONS


@dataclass(frozen=True)
class Candidate:
    """One reading of a mention: a country, admin1 unit, US county or city."""

    kind: str
    name: str
    country: str
    admin1: str | None
    county_fips: str | None
    geonameid: int | None
    lat: float | None
    lon: float | None
    population: int
    precision: Precision
    # Population, times CAPITAL_PROMINENCE for national capitals: news names capitals far more
    # often than their size suggests ("Washington" is the capital more often than the state).
    prominence: int
    bbox: tuple[float, float, float, float] | None = None

    def describe(self) -> str:
        """A short label for abstention reports ("Springfield (US-MO city, pop 169176)")."""
        where = self.admin1 or self.country
        return f"{self.name} ({where} {self.kind}, pop {self.population})"


@dataclass
class _Span:
    start: int
    end: int
    candidates: list[Candidate]
    chosen: Candidate | None = None
    how: str = ""
    why: str = ""
    qualified: bool = False
    # Never resolved: part of a person's, team's or organisation's name, or a modifier ("Southern").
    blocked: bool = False
    # Blocked as (part of) a name: the capitalised word right after it is part of the same name.
    named: bool = False
    # "name" (a gazetteer name), "demonym" or "continent": the last two are chosen when found.
    kind: str = "name"


class Geoparser:
    """Finds and resolves place mentions in news text with the gazetteer's name automaton."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self._candidates: dict[NameRef, Candidate] = {}

    def parse(self, text: str, *, home: str | None = None) -> list[PlaceMention]:
        """Every place name mentioned in `text`, resolved or abstained on, in text order.

        `home` is the region the text's source covers (ISO 3166-2 "US-TN" or ISO 3166-1 "FR"):
        names the text leaves open are read there when it has a place of that name.
        """
        if not text:
            return []
        case_blind = _case_blind_segments(text)
        spans = []
        for span in self._match(text):
            # A qualifier already read with the previous mention ("..., Massachusetts") is that mention's.
            if spans and span.start < spans[-1].end:
                continue
            qualifier = self._qualify(text, span)
            spans += [span, qualifier] if qualifier else [span]
        previous: _Span | None = None
        for index, span in enumerate(spans):
            if previous and previous.named and text[previous.end : span.start] == " ":
                # "PARIS HILTON": the name that continues a person's name is part of it.
                _block(span, previous.why, named=True)
            else:
                neighbours = (previous, spans[index + 1] if index + 1 < len(spans) else None)
                self._guard(text, span, case_blind, listed=_in_a_list(text, span, neighbours))
            previous = span
        spans = _merge(spans, self._extra_spans(text, case_blind))
        self._resolve(spans, home=home)
        self._carry_over(text, spans)
        return [self._mention(text, span) for span in spans]

    def _extra_spans(self, text: str, case_blind: list[tuple[int, bool]]) -> list[_Span]:
        """Country acronyms ("US"), continents and nationality adjectives ("Russian"), each read as its place."""
        spans = []
        for match in _EXTRA_NAMES.finditer(text):
            surface, start = match.group(), match.start()
            previous = _word_before(text, start)
            following = _word_after(text, match.end())
            if surface in _EXTRA_COUNTRIES:
                # "US" in a line of capitals may be the pronoun.
                if _is_case_blind(case_blind, start):
                    continue
                candidate, kind = self._candidate(("country", _EXTRA_COUNTRIES[surface])), "name"
            elif surface in PLACE_ABBREVIATIONS:
                candidate, kind = self._abbreviated(surface), "name"
            elif surface in DEMONYMS:
                if _names_a_language(previous, following) or _in_a_region_name(previous):
                    continue
                candidate, kind = self._candidate(("country", DEMONYMS[surface])), "demonym"
            else:
                code = CONTINENTS.get(surface) or CONTINENT_ADJECTIVES[surface]
                if surface in CONTINENT_ADJECTIVES and _in_a_region_name(previous):
                    continue
                candidate = _continent_candidate(surface, code)
                kind = "continent" if surface in CONTINENTS else "demonym"
            if candidate is None:
                continue
            span = _Span(start, match.end(), [candidate], kind=kind)
            _choose(
                span,
                candidate,
                "continent" if candidate.kind == "continent" else "demonym" if kind == "demonym" else "unique",
            )
            spans.append(span)
        return spans

    def _match(self, text: str) -> list[_Span]:
        folded = fold_text(text)
        found: list[tuple[int, int, tuple[NameRef, ...]]] = []
        for last, (length, refs, exact) in self.gazetteer.name_automaton.iter(folded):
            start, end = last - length + 1, last + 1
            # Capitals first: most of what the automaton reports are names inside lower-case words.
            if not text[start].isupper() or (exact and text[start:end] != exact):
                continue
            if (start > 0 and folded[start - 1].isalnum()) or (end < len(folded) and folded[end].isalnum()):
                continue
            found.append((start, end, refs))
        # Longest match wins ("New York City" over "New York" and "York").
        found.sort(key=lambda item: (item[0] - item[1], item[0]))
        taken: list[tuple[int, int, tuple[NameRef, ...]]] = []
        for start, end, refs in found:
            if all(end <= other_start or start >= other_end for other_start, other_end, _ in taken):
                taken.append((start, end, refs))
        taken.sort()
        return [_Span(start, end, [self._candidate(ref) for ref in refs]) for start, end, refs in taken]

    def _candidate(self, ref: NameRef) -> Candidate:
        cached = self._candidates.get(ref)
        if cached is None:
            cached = self._candidates[ref] = _make_candidate(self.gazetteer, ref)
        return cached

    def _qualify(self, text: str, span: _Span) -> _Span | None:
        """Narrow "Name, Qualifier" to the qualifier's state or country; the qualifier is a mention of its own.

        "Paris, Tenn." is two places: the town, read in Tennessee, and Tennessee
        (an AP abbreviation the gazetteer's names do not hold). The state is
        what contains the town, so a story's focus stays on the town.
        """
        lead = _QUALIFIER_LEAD.match(text, span.end)
        words = _QUALIFIER_WORDS.match(text, lead.end()) if lead else None
        if not words:
            return None
        local = [c for c in span.candidates if c.kind in ("city", "county")]
        if not local:
            return None
        tokens = words.group().split(" ")
        for count in range(len(tokens), 0, -1):
            phrase = " ".join(tokens[:count])
            admin1, country = self._qualifier_units(phrase, {c.country for c in local})
            narrowed = [c for c in local if (admin1 and c.admin1 == admin1) or (country and c.country == country)]
            if narrowed:
                span.candidates = narrowed
                span.qualified = True
                unit = self._candidate(("admin1", admin1) if admin1 else ("country", country))
                return _Span(words.start(), words.start() + len(phrase), [unit], qualified=True)
        return None

    def _qualifier_units(self, phrase: str, countries: set[str]) -> tuple[str | None, str | None]:
        key = normalise_name(phrase)
        bare = phrase.replace(".", "")
        # A two- or three-letter code counts only in capitals ("IL", "FR"): "In" or "Me" are words.
        if len(bare) <= 3 and not bare.isupper() and not phrase.endswith("."):
            return None, None
        core = self.gazetteer.core
        for country in ("US", *sorted(countries)):
            admin1 = core.admin1_names.get((country, key))
            if admin1:
                return admin1, None
        return None, core.country_names.get(key)

    def _abbreviated(self, surface: str) -> Candidate | None:
        """The place an abbreviation stands for ("L.A." -> Los Angeles, "D.C." -> District of Columbia)."""
        kind, admin1, name = PLACE_ABBREVIATIONS[surface]
        if kind == "admin1":
            return self._candidate(("admin1", admin1))
        cities = self.gazetteer.cities_named(name, admin1=admin1)
        return self._candidate(("city", cities[0].index)) if cities else None

    def _guard(self, text: str, span: _Span, case_blind: list[tuple[int, bool]], *, listed: bool) -> None:
        previous = _word_before(text, span.start)
        following = _word_after(text, span.end)
        surface = text[span.start : span.end]
        if previous and previous[0].isupper() and previous.rstrip(".").lower() in _NAME_STARTERS:
            _block(span, f"part of a name ({previous} {surface})", named=True)
            return
        if span.qualified:
            return
        folded = fold_text(surface)
        if folded in PLACE_PRECEDERS:
            _block(span, "a direction or modifier, not a place", named=False)
            return
        if folded in CALENDAR_WORDS:
            _block(span, "a month or a day of the week", named=False)
            return
        # "Tyler said" is a person; "residents of Tyler told to stay indoors" is not speaking.
        if (
            following
            and following.lower().rstrip(".,") in SPEECH_VERBS
            and not text.startswith(" to ", span.end + 1 + len(following))
        ):
            _block(span, f"a person speaking ({surface} {following})", named=False)
            return
        blind = _is_case_blind(case_blind, span.start)
        located = previous is not None and (
            previous.lower() in LOCATIVE_PREPOSITIONS
            or (previous == "of" and _word_before(text, span.start - 3) in PLACES_OF)
        )
        if (
            not located
            and not listed
            and _personal_name(folded, span.candidates)
            and not (following and following.lower().strip(".,'’") in PLACE_FOLLOWERS)
        ):
            # "Bryant", "Tyler": without "in", a qualifier or a place word after it, a person is likelier.
            _block(span, "a common personal name, and nothing in the text says it is a place", named=False)
            return
        ordinary = folded in COMMON_WORD_NAMES or (blind and len(folded) <= 4)
        if folded in COMMON_WORD_NAMES and _OF_A_NAME.match(text, span.end):
            # "University of Texas", "Bank of America": an ordinary word heading an institution's name.
            _block(span, f"heads a longer name ({surface} of ...)", named=False)
            return
        if ordinary and (blind or _at_sentence_start(text, span.start)) and not located:
            # Kept as a mention, resolved only if the admin1 units the text is about vouch for it.
            span.why = "an ordinary word where capitals prove nothing"
            return
        if not blind and previous and previous[0].isupper() and previous.lower() not in _BEFORE_PLACES:
            _block(span, f"part of a longer name ({previous} {surface})", named=False)
            return
        if following and following[0].isupper():
            word = following.lower().strip(".'’")
            if word in TEAM_NICKNAMES:
                _block(span, f"a sports team ({surface} {following})", named=True)
            elif word not in _AFTER_PLACES:
                _block(
                    span,
                    f"followed by the capitalised {following!r}: likely a person's or organisation's name",
                    named=True,
                )

    def _resolve(self, spans: list[_Span], *, home: str | None) -> None:
        # First what the text settles by itself: qualified names and names only one place bears.
        for span in spans:
            if span.chosen:
                continue  # nationalities and continents are read when found
            if span.qualified:
                _choose(span, _by_prominence(span.candidates, standalone=False), "qualifier")
            elif not span.why:
                _collapse_namesakes(span)
                if len(span.candidates) == 1 and _standalone(span.candidates[0]):
                    _choose(span, span.candidates[0], "unique")
        # A town name that has a reading in a state the text settled is read there, whatever its size
        # elsewhere ("Paris" in a story that says "Henry County, Tenn."): the loop below does it. Settled
        # means by a qualifier, a county or a town, or a US state named outright (local US news writes
        # "Tennessee" and then "Paris"); a bare unit abroad as large as a country ("England") is weaker
        # evidence than a big city's prominence ("Boston").
        stated = {
            s.chosen.admin1
            for s in spans
            if s.chosen
            and s.chosen.admin1
            and (s.how == "qualifier" or s.chosen.kind != "admin1" or s.chosen.country == "US")
        }
        # The feed's home region reads the rest, unless the text is about another country: a local paper
        # writes about its area ("Paris" in a Tennessee paper), but not when it covers France.
        named_countries = {s.chosen.country for s in spans if s.chosen and s.chosen.country}
        home_country = home.split("-")[0] if home else None
        at_home = home is not None and named_countries <= {home_country}
        for span in spans:
            if span.chosen or span.why or span.blocked:
                continue
            if not any(c.kind in ("country", "admin1") for c in span.candidates) and any(
                c.admin1 in stated for c in span.candidates
            ):
                continue
            choice = _home_reading(span.candidates, home) if at_home and home else None
            if choice is not None:
                _choose(span, choice, "home")
            else:
                _choose(span, _by_prominence(span.candidates, standalone=True), "prominence")
        changed = True
        while changed:
            changed = False
            # Only readings the text itself settled set the context; one read in a country the text
            # mentions ("Sandy" in a US story) must not vouch for further names in its state.
            settled = [s.chosen for s in spans if s.chosen and s.how != "country"]
            admin1s = {c.admin1 for c in settled if c.admin1}
            countries = {c.country for c in settled}
            for span in spans:
                if span.chosen or span.blocked:
                    continue
                in_admin1 = [c for c in span.candidates if c.admin1 in admin1s]
                in_country = [
                    c
                    for c in span.candidates
                    if c.country in countries and (c.kind != "city" or c.population >= MIN_COUNTRY_CONTEXT_POPULATION)
                ]
                choice = _by_prominence(in_admin1, standalone=False) if in_admin1 else None
                how = "admin1"
                if choice is None and not in_admin1 and not span.why:
                    choice, how = _by_prominence(in_country, standalone=False), "country"
                if choice:
                    _choose(span, choice, how)
                    changed = True
        for span in spans:
            if not span.chosen and not span.why:
                span.why = _ambiguity(span.candidates)

    def _carry_over(self, text: str, spans: list[_Span]) -> None:
        """One sense per text: a bare mention takes the sense its name got where the text made it clear."""
        senses = {}
        for span in spans:
            if span.chosen:
                senses.setdefault(fold_text(text[span.start : span.end]), span.chosen)
        for span in spans:
            if not span.chosen and not span.blocked:
                sense = senses.get(fold_text(text[span.start : span.end]))
                if sense:
                    _choose(span, sense, "discourse")

    def _mention(self, text: str, span: _Span) -> PlaceMention:
        """The public record of a span."""
        surface = text[span.start : span.end]
        chosen = span.chosen
        if chosen is None:
            return PlaceMention(
                text=surface,
                start=span.start,
                end=span.end,
                resolved=False,
                candidates=tuple(c.describe() for c in span.candidates[:8]),
                why=span.why,
            )
        return PlaceMention(
            text=surface,
            start=span.start,
            end=span.end,
            resolved=True,
            name=chosen.name,
            geonameid=chosen.geonameid,
            country=chosen.country,
            admin1=chosen.admin1,
            county_fips=chosen.county_fips,
            lat=chosen.lat,
            lon=chosen.lon,
            precision=chosen.precision,
            confidence=_CONFIDENCE[span.how],
            population=chosen.population,
            bbox=chosen.bbox,
            kind=span.kind,
        )


def focus_mentions(mentions: list[PlaceMention]) -> list[PlaceMention]:
    """The resolved places a story is about: those that do not merely contain another place it names.

    "Bombs exploded in Boston, Massachusetts ... Massachusetts Gov. Patrick" is
    about Boston, not about the whole state; a news item should not flag every
    account in Massachusetts because its governor spoke.
    """
    resolved = [m for m in mentions if m.resolved]
    return [m for m in resolved if not any(_contains(m, other) for other in resolved)]


def _contains(outer: PlaceMention, inner: PlaceMention) -> bool:
    if outer.precision.rank <= inner.precision.rank:
        return False
    if outer.precision is Precision.COUNTRY:
        return inner.country == outer.country
    if outer.precision is Precision.ADMIN1:
        return inner.admin1 == outer.admin1
    return outer.precision is Precision.COUNTY and inner.county_fips == outer.county_fips


def _make_candidate(gazetteer: Gazetteer, ref: NameRef) -> Candidate:
    kind, key = ref
    if kind == "country":
        country = gazetteer.core.countries[key]
        shape = region("country", key)
        return Candidate(
            kind,
            country.name,
            key,
            None,
            None,
            country.geonameid,
            shape and shape.lat,
            shape and shape.lon,
            country.population,
            Precision.COUNTRY,
            country.population,
            shape and shape.bbox,
        )
    if kind == "admin1":
        unit = gazetteer.core.admin1[key]
        shape = region("admin1", key)
        return Candidate(
            kind,
            unit.name,
            unit.country,
            unit.code,
            None,
            unit.geonameid,
            shape and shape.lat,
            shape and shape.lon,
            unit.population,
            Precision.ADMIN1,
            unit.population,
            shape and shape.bbox,
        )
    if kind == "county":
        county = gazetteer.core.counties[key]
        country = county.admin1[3:] if county.admin1[3:] in US_TERRITORIES else "US"
        return Candidate(
            kind,
            county.name,
            country,
            county.admin1,
            county.fips,
            None,
            county.lat,
            county.lon,
            county.population,
            Precision.COUNTY,
            county.population,
        )
    city = gazetteer.city(key)
    prominence = city.population * (CAPITAL_PROMINENCE if key in gazetteer.cities.capitals else 1)
    return Candidate(
        kind,
        city.name,
        city.country,
        city.admin1,
        city.county_fips,
        city.geonameid,
        city.lat,
        city.lon,
        city.population,
        Precision.CITY,
        prominence,
    )


def _home_reading(candidates: list[Candidate], home: str) -> Candidate | None:
    """The reading of a name in the feed's home region (ISO 3166-2 unit or ISO 3166-1 country), if it is clear."""
    if "-" in home:
        return _by_prominence([c for c in candidates if c.admin1 == home], standalone=False)
    return _by_prominence(
        [
            c
            for c in candidates
            if c.country == home and (c.kind != "city" or c.population >= MIN_COUNTRY_CONTEXT_POPULATION)
        ],
        standalone=False,
    )


def _continent_candidate(name: str, code: str) -> Candidate | None:
    shape = region("continent", code)
    if shape is None:
        return None
    # A continent is coarser than any country: precision COUNTRY with no country code.
    return Candidate("continent", name, "", None, None, None, shape.lat, shape.lon, 0, Precision.COUNTRY, 0, shape.bbox)


def _merge(spans: list[_Span], extra: list[_Span]) -> list[_Span]:
    """The gazetteer's spans and the extra ones, in text order; a gazetteer span wins where they overlap."""
    kept = [e for e in extra if not any(s.start < e.end and e.start < s.end for s in spans)]
    # An extra name inside a blocked longer name ("Russian Orthodox Church") is part of that name too.
    return sorted([*spans, *kept], key=lambda span: span.start)


def _in_a_list(text: str, span: _Span, neighbours: tuple[_Span | None, _Span | None]) -> bool:
    """Whether the name stands in a list of other place names ("Cambridge, Newton and Waltham")."""
    before, after = neighbours
    return bool(
        (before and _LIST_GAP.fullmatch(text, before.end, span.start))
        or (after and _LIST_GAP.fullmatch(text, span.end, after.start))
    )


def _names_a_language(previous: str | None, following: str | None) -> bool:
    return bool(
        (previous and previous.lower() in LANGUAGE_PRECEDERS)
        or (following and following.lower().strip(".,") in LANGUAGE_FOLLOWERS)
    )


def _in_a_region_name(previous: str | None) -> bool:
    return bool(previous and previous.lower().rstrip("-") in REGION_QUALIFIERS)


def _personal_name(folded: str, candidates: list[Candidate]) -> bool:
    """A name among the commonest surnames and first names, naming no country, state or big city."""
    return folded in personal_names() and not any(
        c.kind in ("country", "admin1") or c.population >= PERSONAL_NAME_CITY_POPULATION for c in candidates
    )


def _choose(span: _Span, candidate: Candidate | None, how: str) -> None:
    if candidate is not None:
        span.chosen, span.how, span.why = candidate, how, ""


def _block(span: _Span, why: str, *, named: bool) -> None:
    span.why, span.blocked, span.named = why, True, named


def _standalone(candidate: Candidate) -> bool:
    """Whether a candidate is prominent enough to be meant without any context."""
    return candidate.kind in ("country", "admin1", "county") or candidate.population >= MIN_STANDALONE_POPULATION


def _collapse_namesakes(span: _Span) -> None:
    """Keep one reading of a name shared by a unit and the places inside it ("Mexico", "New York", "Quebec")."""
    candidates = span.candidates
    countries = {c.country for c in candidates if c.kind == "country"}
    candidates = [c for c in candidates if c.kind == "country" or c.country not in countries]
    for unit in [c for c in candidates if c.kind == "admin1"]:
        inside = [c for c in candidates if c.kind in ("city", "county") and c.admin1 == unit.admin1]
        if any(c.population >= NAMESAKE_CITY_POPULATION for c in inside):
            candidates = [c for c in candidates if c is not unit]
        else:
            candidates = [c for c in candidates if c not in inside]
    span.candidates = candidates


def _by_prominence(candidates: list[Candidate], *, standalone: bool) -> Candidate | None:
    """The most populous candidate when it dwarfs the rest (and, if `standalone`, can be meant without context)."""
    if not candidates:
        return None
    ranked = sorted(candidates, key=lambda c: -c.prominence)
    best = ranked[0]
    if standalone and not _standalone(best):
        return None
    if len(ranked) > 1 and best.prominence < DOMINANCE_RATIO * max(ranked[1].prominence, 1):
        return None
    return best


def _ambiguity(candidates: list[Candidate]) -> str:
    if len(candidates) == 1:
        return "too small a place to be meant without a region or country in the text"
    return f"{len(candidates)} places share this name and the text does not say which"


def _word_before(text: str, start: int) -> str | None:
    if start < 2 or text[start - 1] != " ":
        return None
    match = _LAST_WORD.search(text, max(0, start - 40), start - 1)
    return match.group() if match else None


def _word_after(text: str, end: int) -> str | None:
    if end >= len(text) or text[end] != " ":
        return None
    match = _WORD.match(text, end + 1)
    return match.group() if match else None


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _SENTENCE_END


def _case_blind_segments(text: str) -> list[tuple[int, bool]]:
    """(segment start, capitals uninformative?) for each sentence or line, in order."""
    segments = []
    position = 0
    for piece in _SEGMENT_BREAK.split(text):
        start = text.find(piece, position)
        words = _LONG_WORD.findall(piece)
        capitalised = sum(1 for word in words if word[0].isupper())
        segments.append((start, len(words) >= 3 and capitalised >= CASE_BLIND_SHARE * len(words)))
        position = start + len(piece)
    return segments


def _is_case_blind(segments: list[tuple[int, bool]], offset: int) -> bool:
    index = bisect.bisect_right([start for start, _ in segments], offset) - 1
    return segments[max(index, 0)][1]


def mention_to_json(mention: PlaceMention) -> dict[str, Any]:
    """A mention as the `contextfeed geoparse --json` object (issue 10)."""
    record: dict[str, Any] = {
        "text": mention.text,
        "start": mention.start,
        "end": mention.end,
        "resolved": mention.resolved,
        "name": mention.name,
        "geonameid": mention.geonameid,
        "country": mention.country,
        "admin1": mention.admin1,
        "county_fips": mention.county_fips,
        "lat": mention.lat,
        "lon": mention.lon,
        "precision": str(mention.precision),
        "confidence": mention.confidence,
        "bbox": list(mention.bbox) if mention.bbox else None,
        "kind": mention.kind,
    }
    if not mention.resolved:
        record.update(candidates=list(mention.candidates), why=mention.why)
    return record
