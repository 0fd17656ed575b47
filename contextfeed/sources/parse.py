"""The one entry point from bytes to events: `parse_document(kind, body, source=...)`, pure and I/O-free."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from typing import Protocol

from contextfeed.sources.documents import DocumentError
from contextfeed.sources.model import ParseResult

log = logging.getLogger(__name__)


class Parser(Protocol):
    """A pure function from one document's bytes to what it says."""

    def __call__(self, body: bytes, *, source: str) -> ParseResult: ...


PARSERS: Mapping[str, tuple[str, str]] = {
    "cap": ("contextfeed.sources.cap", "parse_cap"),
    "nws": ("contextfeed.sources.nws", "parse_nws"),
    "usgs": ("contextfeed.sources.usgs", "parse_usgs"),
    "gdacs": ("contextfeed.sources.gdacs", "parse_gdacs"),
    "fema": ("contextfeed.sources.fema", "parse_fema"),
    "rss": ("contextfeed.sources.rss", "parse_rss"),
}
"""Source kind -> (module, function) of the parser of one fetched document of that kind.

Named, not imported: a parser's module loads when its kind is first read, so a command
that reads CAP alerts does not start by loading feedparser and the news machinery.
"""


class UnknownKindError(ValueError):
    """A source kind no parser reads."""


def parse_document(kind: str, body: bytes, *, source: str) -> ParseResult:
    """Parse one document of a source kind into events and the errors met; never raises for a bad document.

    A document that cannot be read at all (hostile XML, not XML/JSON, the
    wrong format, an HTML error page) gives no events and one error saying
    why; problems confined to some entries leave the other entries in place.
    Only an unknown `kind`, a configuration mistake, raises.
    """
    if kind not in PARSERS:
        raise UnknownKindError(f"unknown source kind {kind!r}; known kinds: {', '.join(sorted(PARSERS))}")
    module, function = PARSERS[kind]
    parser: Parser = getattr(importlib.import_module(module), function)
    try:
        parsed = parser(body, source=source)
    except DocumentError as exc:
        log.warning("%s document of %s refused: %s", kind, source, exc)
        return ParseResult(errors=(str(exc),))
    log.debug("%s document of %s: %d events, %d errors", kind, source, len(parsed.events), len(parsed.errors))
    return parsed
