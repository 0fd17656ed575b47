"""Fetching documents from alerting and news sources, and parsing them into ParsedEvents."""

from contextfeed.sources.documents import DocumentError, HostileDocumentError
from contextfeed.sources.parse import PARSERS, UnknownKindError, parse_document

__all__ = ["PARSERS", "DocumentError", "HostileDocumentError", "UnknownKindError", "parse_document"]
