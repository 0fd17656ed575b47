"""The few Atom (RFC 4287) and RSS 2.0 / 1.0 fields we read straight from a hardened XML tree.

CAP indexes and GDACS carry namespaced extensions (cap:, gdacs:, georss:)
that feedparser flattens or collapses, so those parsers walk the tree
themselves with these helpers; plain news goes through feedparser (rss.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from xml.etree.ElementTree import Element

from contextfeed.domain.instants import parse_instant
from contextfeed.sources.documents import DocumentError, XmlDocument, children, local_name, namespace, text_of

log = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
#: Namespaces an entry's own (non-extension) elements may be in: RSS 2.0 has none.
_FEED_NAMESPACES = frozenset({"", ATOM, "http://purl.org/rss/1.0/"})


@dataclass(frozen=True)
class Link:
    """An entry's link: Atom `<link href rel type>` or an RSS `<link>` text (rel "alternate")."""

    href: str
    rel: str = "alternate"
    media_type: str = ""


def feed_entries(document: XmlDocument) -> tuple[list[Element], list[str]]:
    """The complete entries of an Atom feed or RSS channel, and a message if the document was cut short."""
    root = document.root
    name = local_name(root)
    if name == "feed":
        entries = list(children(root, "entry"))
    elif name == "rss":
        entries = [item for channel in children(root, "channel") for item in children(channel, "item")]
    elif name == "RDF":
        entries = list(children(root, "item"))
    else:
        raise DocumentError(f"not an Atom or RSS feed: root element <{name}>")
    complete = [entry for entry in entries if document.complete(entry)]
    errors = []
    if document.broken:
        errors.append(f"document broken ({document.broken}); read the {len(complete)} complete entries before it")
    return complete, errors


def feed_text(element: Element, *names: str) -> str:
    """Text of the first Atom/RSS child (not an extension's) named any of `names`, in that order of preference."""
    for name in names:
        for child in children(element, name):
            if namespace(child) in _FEED_NAMESPACES:
                return text_of(child)
    return ""


def entry_links(entry: Element) -> list[Link]:
    """Every link of an entry, Atom or RSS style."""
    links = []
    for child in children(entry, "link"):
        if namespace(child) not in _FEED_NAMESPACES:
            continue
        href = (child.get("href") or text_of(child)).strip()
        if href:
            links.append(Link(href=href, rel=child.get("rel", "alternate"), media_type=child.get("type", "")))
    return links


def alternate_link(entry: Element) -> str:
    """The entry's human-readable link (Atom rel="alternate" without a CAP type, or RSS `<link>`), or ''."""
    for link in entry_links(entry):
        if link.rel == "alternate" and "cap" not in link.media_type:
            return link.href
    return ""


def entry_id(entry: Element) -> str:
    """Atom `id` or RSS `guid`."""
    return feed_text(entry, "id", "guid")


def entry_time(entry: Element) -> datetime | None:
    """When the entry was published: Atom `published`/`updated`, RSS `pubDate`, or None."""
    text = feed_text(entry, "published", "pubDate", "updated")
    return parse_instant(text) if text else None
