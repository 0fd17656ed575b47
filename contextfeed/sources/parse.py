"""The one entry point from bytes to events: `parse_document(kind, body, source=...)`, pure and I/O-free."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from contextfeed.sources.cap import parse_cap
from contextfeed.sources.documents import DocumentError
from contextfeed.sources.fema import parse_fema
from contextfeed.sources.gdacs import parse_gdacs
from contextfeed.sources.model import ParseResult, Trust
from contextfeed.sources.nws import parse_nws
from contextfeed.sources.rss import parse_rss
from contextfeed.sources.usgs import parse_usgs

log = logging.getLogger(__name__)



class Parser(Protocol):
    """A pure function from one document's bytes to what it says."""

    def __call__(self, body: bytes, *, source: str) -> ParseResult: ...


PARSERS: Mapping[str, Parser] = {
    "cap": parse_cap,
    "nws": parse_nws,
    "usgs": parse_usgs,
    "gdacs": parse_gdacs,
    "fema": parse_fema,
    "rss": parse_rss,
}
"""Source kind -> parser of one fetched document of that kind."""

DEFAULT_TRUST: Mapping[str, Trust] = {
    "cap": Trust.OFFICIAL,
    "nws": Trust.OFFICIAL,
    "usgs": Trust.OFFICIAL,
    "gdacs": Trust.OFFICIAL,
    "fema": Trust.OFFICIAL,
    "rss": Trust.NEWS,
}
"""Who stands behind each kind unless the config says otherwise (DESIGN.md, Sources)."""


class UnknownKindError(ValueError):
    """A source kind no parser reads."""


def parse_document(kind: str, body: bytes, *, source: str) -> ParseResult:
    """Parse one document of a source kind into events and the errors met; never raises for a bad document.

    A document that cannot be read at all (hostile XML, not XML/JSON, the
    wrong format, an HTML error page) gives no events and one error saying
    why; problems confined to some entries leave the other entries in place.
    Only an unknown `kind`, a configuration mistake, raises.
    """
    parser = PARSERS.get(kind)
    if parser is None:
        raise UnknownKindError(f"unknown source kind {kind!r}; known kinds: {', '.join(sorted(PARSERS))}")
    try:
        parsed = parser(body, source=source)
    except DocumentError as exc:
        log.warning("%s document of %s refused: %s", kind, source, exc)
        return ParseResult(errors=(str(exc),))
    log.debug("%s document of %s: %d events, %d errors", kind, source, len(parsed.events), len(parsed.errors))
    return parsed
