"""Any RSS / Atom news feed, read with feedparser; GeoRSS shapes taken from the hardened XML tree.

News is advisory: every item is category "News" with CAP's "Unknown"
grades, and its places are found downstream by the geoparser. feedparser
keeps only one GeoRSS shape per entry and flips it to [lon, lat], so the
shapes come from our own walk of the same document, entry by entry.
"""

from __future__ import annotations

import hashlib
import html
import io
import logging
import re
import time
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import feedparser

from contextfeed.sources.documents import DocumentError, HostileDocumentError, parse_xml, parseable_xml
from contextfeed.sources.feedxml import feed_entries
from contextfeed.sources.georss import georss_area
from contextfeed.sources.instants import from_struct_time
from contextfeed.sources.model import UNDATED, ParsedEvent, ParseResult
from contextfeed.sources.results import Reading, read_noting, result

log = logging.getLogger(__name__)

KIND = "rss"
CATEGORY = "News"
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
UNDATED_NOTE = "(The feed gives no date for this item: dated when contextfeed first saw it.)"


def parse_rss(body: bytes, *, source: str) -> ParseResult:
    """One event per item of an RSS 0.9x/1.0/2.0 or Atom feed."""
    elements, errors = _xml_entries(body)
    try:
        # The same bytes our parser read: feedparser knows neither a doubly encoded BOM nor unmarked UTF-32.
        readable = parseable_xml(body)
    except DocumentError:
        readable = body
    # A file-like object, never the bytes: feedparser opens a bytes/str argument
    # as a local path or URL when it looks like one.
    feed = feedparser.parse(io.BytesIO(readable))
    if not feed.entries and not feed.get("version"):
        raise DocumentError(f"not an RSS or Atom feed ({feed.get('bozo_exception') or 'no feed elements'})")
    if elements is not None and len(elements) != len(feed.entries):
        errors.append(f"GeoRSS shapes ignored: {len(elements)} XML entries but feedparser read {len(feed.entries)}")
        elements = None
    channel = feed.get("feed", {})
    sender = urlsplit(channel.get("link", "")).hostname or source
    language = channel.get("language", "")
    fallback = channel.get("updated_parsed") or channel.get("published_parsed")
    aligned: list[Element | None] = list(elements) if elements is not None else [None] * len(feed.entries)
    pairs = list(zip(feed.entries, aligned, strict=True))
    events, failures = read_noting(
        pairs,
        lambda pair: read_entry(*pair, source=source, sender=sender, language=language, feed_time=fallback),
        label=lambda position, pair: f"item {pair[0].get('id') or pair[0].get('title') or f'#{position}'}",
    )
    return result(events, errors + failures)


def _xml_entries(body: bytes) -> tuple[list[Element] | None, list[str]]:
    """The feed's entries as XML elements for their GeoRSS shapes, or None when the XML is not a clean feed.

    Hostile XML is refused outright, before feedparser sees it; other broken
    XML is left to feedparser's lenient parser, without shapes.
    """
    try:
        document = parse_xml(body)
        problem = document.broken
        entries, _ = feed_entries(document)
    except HostileDocumentError:
        raise
    except DocumentError as exc:
        problem = str(exc)
    if problem is None:
        return entries, []
    if b"<!entity" in body.lower():
        raise HostileDocumentError("refused XML declaring entities that a strict parser could not check")
    return None, [f"not well-formed XML ({problem}); items read leniently, without GeoRSS shapes"]


def read_entry(
    entry: Any, element: Element | None, *, source: str, sender: str, language: str, feed_time: time.struct_time | None
) -> Reading:
    """One feedparser entry (and its XML element, for shapes) as a news event.

    An undated item takes the feed's date; with none on the feed either it is
    still news (RSS 2.0 makes pubDate optional): it is dated when first seen,
    and its summary says so.
    """
    stamp = entry.get("published_parsed") or entry.get("updated_parsed") or feed_time
    title = _plain(entry.get("title", ""))
    summary = _plain(entry.get("summary", ""))
    if stamp is None:
        summary = f"{summary} {UNDATED_NOTE}".strip()
    sent = from_struct_time(stamp) if stamp is not None else UNDATED
    area, problems = georss_area(element, description="") if element is not None else (None, [])
    tags = entry.get("tags") or []
    return (
        ParsedEvent(
            source=source,
            kind=KIND,
            external_id=entry.get("id") or entry.get("link") or _digest(title, summary),
            sender=sender,
            sent=sent,
            category=CATEGORY,
            event_type=(tags[0].get("term") or "") if tags else "",
            headline=title,
            summary=summary,
            link=entry.get("link", ""),
            language=language,
            areas=(area,) if area else (),
            dated=stamp is not None,
        ),
        problems,
    )


def _plain(text: str) -> str:
    """Text without HTML tags and entities, whitespace collapsed (summaries are often HTML)."""
    return _SPACES.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def _digest(*parts: str) -> str:
    """A stable id for an item that has neither id nor link."""
    return "sha1:" + hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()
