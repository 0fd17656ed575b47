"""Storing parsed events: dedupe by identity, keep areas and references, recompute validity intervals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from contextfeed.db.models import Event, EventAlias, EventArea, EventAreaCode, EventReference, Source
from contextfeed.events.lifecycle import Referrer, validity

if TYPE_CHECKING:
    # Types only: bootstrap imports this module for Lifetimes, and every command imports
    # bootstrap; the news reader and the parsers would add a fifth of a second to each start.
    from contextfeed.events.news import NewsReading
    from contextfeed.geo.model import ResolvedArea
    from contextfeed.sources.model import Area, ParsedEvent

    ResolveArea = Callable[[Area], ResolvedArea]
    ReadNews = Callable[[ParsedEvent], NewsReading]


@dataclass
class StoreOutcome:
    """What storing a batch of parsed events did; `changed` are the event ids whose flags need recomputing."""

    new: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    changed: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Lifetimes:
    """How long events without an end of their own stay active."""

    official: timedelta
    news: timedelta

    def for_trust(self, trust: str) -> timedelta:
        """The default lifetime for a source of that trust."""
        return self.news if trust == "news" else self.official


class EventStore:
    """The events repository: never commits, the caller owns the transaction."""

    def __init__(
        self,
        session: Session,
        *,
        resolve_area: ResolveArea,
        read_news: ReadNews,
        lifetimes: Lifetimes,
        now: datetime,
    ) -> None:
        self.session = session
        self.resolve_area = resolve_area
        self.read_news = read_news
        self.lifetimes = lifetimes
        self.now = now

    def store(self, source: Source, parsed: Iterable[ParsedEvent]) -> StoreOutcome:
        """Store each parsed event once, update what changed, and recompute the intervals it touches."""
        outcome = StoreOutcome()
        for item in parsed:
            reading = self.read_news(item) if source.trust == "news" else None
            if reading is not None:
                item = replace(item, areas=reading.areas)
            digest = content_hash(item)
            event = self.find(item)
            if event is not None and event.content_hash == digest:
                event.last_seen_at = self.now
                outcome.unchanged += 1
                continue
            if event is None:
                event = Event(first_seen_at=self.now, source_id=source.id, kind=item.kind, trust=source.trust,
                              sender=item.sender, external_id=item.external_id)
                self.session.add(event)
                outcome.new += 1
            else:
                outcome.updated += 1
            self.fill(event, item, reading, digest)
            self.session.flush()
            targets = self.refresh_lifecycle(event)
            outcome.changed.add(event.id)
            outcome.changed.update(target.id for target in targets)
            if item.msg_type == "Cancel" and targets:
                outcome.cancelled += 1
        return outcome

    def find(self, item: ParsedEvent) -> Event | None:
        """The stored event with this identity, or known under one of its alternate ids."""
        event = self.session.scalars(
            select(Event).where(Event.sender == item.sender, Event.external_id == item.external_id)
        ).first()
        if event is None and item.alternate_ids:
            event = self.session.scalars(
                select(Event).join(EventAlias).where(
                    EventAlias.sender == item.sender, EventAlias.alias.in_(item.alternate_ids)
                )
            ).first()
        return event

    def fill(self, event: Event, item: ParsedEvent, reading: NewsReading | None, digest: str) -> None:
        """Copy a parsed event's fields, areas, references and aliases onto the stored row."""
        for name in ("status", "msg_type", "category", "event_type", "severity", "urgency", "certainty",
                     "headline", "summary", "instruction", "sender_name", "link", "language", "sent",
                     "effective", "onset", "expires", "ends", "magnitude", "depth_km"):
            setattr(event, name, getattr(item, name))
        event.response_types = ",".join(item.response_types)
        event.crisis_category = reading.crisis_category if reading else None
        event.crisis_matched = ", ".join(reading.crisis_matched) if reading else None
        event.content_hash = digest
        event.last_seen_at = self.now
        event.valid_from = item.effective or item.sent
        event.references = [
            EventReference(ref_sender=ref.sender, ref_identifier=ref.identifier, ref_sent=ref.sent)
            for ref in item.references
        ]
        known = {alias.alias for alias in event.aliases}
        event.aliases += [
            EventAlias(sender=item.sender, alias=alias)
            for alias in dict.fromkeys((item.external_id, *item.alternate_ids)) if alias not in known
        ]
        event.areas = [area_row(position, self.resolve_area(area)) for position, area in enumerate(item.areas)]

    def refresh_lifecycle(self, event: Event) -> list[Event]:
        """Recompute the intervals of `event` and of the events it updates or cancels; returns the latter."""
        targets = []
        if event.references:
            targets = list(self.session.scalars(select(Event).where(or_(*(
                and_(Event.sender == ref.ref_sender, Event.external_id == ref.ref_identifier)
                for ref in event.references
            )))))
        for item in (event, *targets):
            self.apply_validity(item)
        return targets

    def apply_validity(self, event: Event) -> None:
        """Set the event's interval from its own times and every stored message referring to it."""
        referrers = [
            Referrer(identifier=other.external_id, msg_type=other.msg_type, status=other.status, sent=other.sent)
            for other in self.session.scalars(
                select(Event).join(EventReference, EventReference.event_id == Event.id).where(
                    EventReference.ref_sender == event.sender, EventReference.ref_identifier == event.external_id
                )
            )
        ]
        result = validity(
            status=event.status, msg_type=event.msg_type, sent=event.sent, effective=event.effective,
            expires=event.expires, ends=event.ends, referrers=referrers,
            default_ttl=self.lifetimes.for_trust(event.trust),
        )
        event.valid_from = result.valid_from
        event.valid_until = result.valid_until
        event.cut_at = result.cut_at
        event.ended_by = result.ended_by


def area_row(position: int, resolved: ResolvedArea) -> EventArea:
    """The stored form of a resolved area, with its admin codes as indexed rows."""
    bbox = resolved.bbox
    row = EventArea(
        position=position,
        description=resolved.description,
        precision=str(resolved.precision),
        polygons=json.dumps([[list(point) for point in ring] for ring in resolved.polygons]),
        circles=json.dumps([list(circle) for circle in resolved.circles]),
        unresolved=",".join(resolved.unresolved),
        min_lat=bbox[0] if bbox else None,
        min_lon=bbox[1] if bbox else None,
        max_lat=bbox[2] if bbox else None,
        max_lon=bbox[3] if bbox else None,
    )
    row.codes = [
        EventAreaCode(code_type=code_type, code=code)
        for code_type, codes in (("country", resolved.countries), ("admin1", resolved.admin1),
                                 ("county", resolved.county_fips), ("postal", resolved.postal_codes))
        for code in sorted(codes)
    ]
    return row


def content_hash(item: ParsedEvent) -> str:
    """A digest of everything a source said about an event (not which source said it)."""
    material = repr([(f.name, getattr(item, f.name)) for f in fields(item) if f.name != "source"])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
