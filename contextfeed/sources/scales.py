"""CAP 1.2's closed vocabularies (§3.2.1, §3.2.2), and reading them leniently from real documents."""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

#: Strongest first; "Unknown" always last so it never wins over a real value.
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MESSAGE_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)

# CAP 1.1 allowed certainty "Very Likely"; CAP 1.2 §3.2.2 says to read it as "Likely".
_ALIASES = {"very likely": "Likely", "verylikely": "Likely"}


def canonical(value: str, vocabulary: tuple[str, ...], *, default: str = "Unknown") -> str:
    """The vocabulary's spelling of a value read case-insensitively; `default` when it is not in it."""
    wanted = value.strip().lower()
    if wanted in _ALIASES and _ALIASES[wanted] in vocabulary:
        return _ALIASES[wanted]
    for term in vocabulary:
        if term.lower() == wanted:
            return term
    if wanted:
        log.debug("%r is not one of %s; using %r", value, vocabulary, default)
    return default


def strongest(values: Iterable[str], vocabulary: tuple[str, ...]) -> str:
    """The strongest of several values of an ordered scale (SEVERITIES, URGENCIES, CERTAINTIES)."""
    return min(values, key=vocabulary.index, default=vocabulary[-1])


def status_of(text: str) -> str:
    """CAP status in its canonical spelling; an unknown value is kept as written (so it is never "Actual")."""
    return canonical(text, STATUSES, default=text.strip() or "Actual")


def message_type_of(text: str) -> str:
    """CAP msgType in its canonical spelling; an unknown value is kept as written."""
    return canonical(text, MESSAGE_TYPES, default=text.strip() or "Alert")
