"""Place-name normalisation shared by the index builder, the account locator and the geoparser."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Abbreviations that postal data and people write both ways ("St. Louis" /
# "Saint Louis", "Mt Vernon" / "Mount Vernon"); expanded on both sides of a
# comparison so either spelling finds the other.
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "mt": "mount",
    "ft": "fort",
    "pt": "point",
}
_ABBREVIATION = re.compile(r"\b(?:st|ste|mt|ft|pt)\b")
_NON_WORD = re.compile(r"\W+")
_APOSTROPHES = re.compile(r"['’`]")
# Combining diacritics left by NFKD ("é" -> "e" + U+0301), dropped to fold accents.
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_char(char: str) -> str:
    """One character lower-cased and stripped of its accent; always exactly one character back."""
    folded = unicodedata.normalize("NFKD", char)[:1].lower()
    # Keep offsets stable: a character whose lower case grows ("İ" -> "i̇") stays as it was.
    return folded if len(folded) == 1 else char


def fold_text(text: str) -> str:
    """`text` lower-cased and accent-stripped character by character, so offsets into it are offsets into `text`."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_table_char(char) for char in text)


@lru_cache(maxsize=8192)
def _fold_table_char(char: str) -> str:
    return fold_char(char)


@lru_cache(maxsize=262144)
def normalise_name(name: str) -> str:
    """A comparison key for a place name: accents, case, punctuation and St./Mt./Ft. spellings folded away."""
    if not name.isascii():
        name = _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", name))
    text = _NON_WORD.sub(" ", _APOSTROPHES.sub("", name.casefold())).strip()
    return _ABBREVIATION.sub(_expand, text)


def _expand(match: re.Match[str]) -> str:
    return _ABBREVIATIONS[match.group()]
