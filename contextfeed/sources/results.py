"""Building a ParseResult one entry at a time, so one broken entry never loses the others."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from contextfeed.sources.model import Area, ParsedEvent, ParseResult

log = logging.getLogger(__name__)

Entry = TypeVar("Entry")
#: An event and the problems met in parts of its entry that were skipped (an unreadable polygon, say).
Reading = tuple[ParsedEvent, list[str]]


class EntryError(ValueError):
    """One entry of a document cannot become an event; the message says why, for a person."""


def read_entries(
    entries: Iterable[Entry],
    read: Callable[[Entry], ParsedEvent],
    *,
    label: Callable[[int, Entry], str],
) -> tuple[list[ParsedEvent], list[str]]:
    """Apply `read` to each entry; failures become "<label>: <why>" messages instead of exceptions."""
    events: list[ParsedEvent] = []
    errors: list[str] = []
    for position, entry in enumerate(entries, start=1):
        try:
            events.append(read(entry))
        except ValueError as exc:  # EntryError, or a value that would not convert: a data problem
            errors.append(f"{label(position, entry)}: {exc}")
        # A format drift in one entry (a field of an unexpected type, say) must not
        # lose the rest of the feed; it is logged with its traceback and reported.
        except Exception as exc:
            log.exception("unexpected failure reading %s", label(position, entry))
            errors.append(f"{label(position, entry)}: unreadable ({type(exc).__name__}: {exc})")
    return events, errors


def read_noting(
    entries: Iterable[Entry],
    read: Callable[[Entry], Reading],
    *,
    label: Callable[[int, Entry], str],
) -> tuple[list[ParsedEvent], list[str]]:
    """read_entries for readers that also report problems which did not stop them, named by event id."""
    problems: list[str] = []

    def read_one(entry: Entry) -> ParsedEvent:
        event, found = read(entry)
        problems.extend(f"{event.external_id}: {problem}" for problem in found)
        return event

    events, errors = read_entries(entries, read_one, label=label)
    return events, errors + problems


def result(
    events: Iterable[ParsedEvent], errors: Iterable[str], *, linked: Iterable[tuple[str, str]] = ()
) -> ParseResult:
    """A ParseResult from lists, logging what was lost."""
    errors = tuple(errors)
    for error in errors:
        log.warning("%s", error)
    return ParseResult(events=tuple(events), errors=errors, linked_documents=tuple(linked))


def unique_areas(areas: Iterable[Area]) -> tuple[Area, ...]:
    """Areas without repeats: two areas with the same shapes and codes are one, whatever their wording.

    Translated CAP info blocks repeat each area with a description in
    another language; the first (preferred-language) wording is kept.
    """
    seen: set[object] = set()
    kept: list[Area] = []
    for area in areas:
        has_shape = area.polygons or area.circles or area.geocodes or area.country_codes
        key = (area.polygons, area.circles, area.geocodes, area.country_codes) if has_shape else area.description
        if key not in seen:
            seen.add(key)
            kept.append(area)
    return tuple(kept)
