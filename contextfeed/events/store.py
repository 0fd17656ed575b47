"""Storing parsed events: dedupe by identity, keep areas and references, recompute validity intervals.

A document is stored in three steps: its items are matched against the events
they are (or update, or refer to), loaded with one query per sender; each is
merged into a `StoredEvent` in memory, in document order; then every table is
written with one statement. A wire of ten thousand news items would otherwise
cost the ORM's bookkeeping and a round of queries per item.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from contextfeed.db.engine import one_of
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
    # A parsed item with the news reading its areas came from (None for alerts).
    ReadItem = tuple[ParsedEvent, NewsReading | None]

EVENTS: Table = Event.__table__
ALIASES: Table = EventAlias.__table__
AREAS: Table = EventArea.__table__
CODES: Table = EventAreaCode.__table__
REFERENCES: Table = EventReference.__table__
EVENT_CODES_LENGTH = Event.__table__.c.event_codes.type.length
# Copied from the parsed event as they are.
COPIED_FIELDS = (
    "status",
    "msg_type",
    "category",
    "event_type",
    "severity",
    "urgency",
    "certainty",
    "headline",
    "summary",
    "instruction",
    "sender_name",
    "link",
    "language",
    "effective",
    "onset",
    "expires",
    "ends",
    "magnitude",
    "depth_km",
)


@dataclass
class StoreOutcome:
    """What storing a batch of parsed events did; `changed` are the event ids whose flags need recomputing."""

    new: int = 0
    updated: int = 0
    cancelled: int = 0
    unchanged: int = 0
    changed: set[int] = field(default_factory=set)
    # Messages and references refused, in words: another source's alerts, a message naming itself.
    refused: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Lifetimes:
    """How long events without an end of their own stay active."""

    official: timedelta
    news: timedelta

    def for_trust(self, trust: str) -> timedelta:
        """The default lifetime for a source of that trust."""
        return self.news if trust == "news" else self.official


@dataclass(eq=False)
class StoredEvent:
    """An event as the document leaves it: its row (without the id), aliases, references and what to write."""

    values: dict[str, Any]
    aliases: set[str]
    # (sender, identifier, sent) of the messages it updates or cancels.
    references: tuple[tuple[str, str, datetime | None], ...] = ()
    id: int | None = None
    # The resolved areas to write in place of the stored ones (with `refilled`).
    areas: list[ResolvedArea] = field(default_factory=list)
    new_aliases: list[str] = field(default_factory=list)
    refilled: bool = False
    seen: bool = False

    @property
    def identity(self) -> tuple[str, str]:
        """(sender, external_id): what the source calls it."""
        return self.values["sender"], self.values["external_id"]


class EventStore:
    """The events repository: never commits, the caller owns the transaction."""

    def __init__(
        self,
        session: Session,
        *,
        resolve_area: ResolveArea,
        lifetimes: Lifetimes,
        now: datetime,
        may_amend: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.session = session
        self.resolve_area = resolve_area
        self.lifetimes = lifetimes
        self.now = now
        # Source name -> the other sources whose messages it may update, cancel or replace (config:
        # `may_amend` of a [[sources]] entry). Empty by default: see `amends`.
        self.may_amend = may_amend or {}
        self._source_names: dict[int, str] | None = None

    def amends(self, source_id: int, target_source_id: int) -> bool:
        """Whether messages from one source may update, cancel or replace those first stored from another.

        A CAP identity is (sender, identifier), and a sender is just a string any document can
        claim: left at that, a Cancel ingested from any source with MEMA's sender would clear
        MEMA's do-not-chase flags (issue 20). So an alert belongs to the source that first stored
        it, and only that source (or one configured to amend it) may change it. This errs towards
        keeping an alert in force: an Update genuinely relayed by another source is refused and
        reported until the operator says that source may amend the first.
        """
        if source_id == target_source_id:
            return True
        if self._source_names is None:
            self._source_names = {row.id: row.name for row in self.session.execute(select(Source.id, Source.name))}
        names = self._source_names
        return names.get(target_source_id) in self.may_amend.get(names.get(source_id, ""), ())

    def store(self, source: Source, items: list[ReadItem]) -> StoreOutcome:
        """Store each parsed event once, update what changed, and recompute the intervals it touches."""
        known = KnownEvents.load(self.session, [item for item, _ in items])
        outcome = StoreOutcome()
        # The events stored and those they update or cancel: their intervals are recomputed.
        touched: dict[StoredEvent, None] = {}
        for item, reading in items:
            digest = content_hash(item)
            event = known.find(item)
            if event is not None and not self.amends(source.id, event.values["source_id"]):
                if event.values["content_hash"] == digest:
                    outcome.unchanged += 1  # the same message relayed by another source: nothing to change
                else:
                    outcome.refused.append(
                        f"{item.msg_type} {item.external_id} from {item.sender}: that alert was "
                        f"stored from another source, which this source may not amend"
                    )
                continue
            if event is not None and event.values["content_hash"] == digest:
                event.values["last_seen_at"] = self.now
                event.seen = True
                outcome.unchanged += 1
                continue
            if event is None:
                event = StoredEvent(
                    {
                        "first_seen_at": self.now,
                        "source_id": source.id,
                        "kind": item.kind,
                        "trust": source.trust,
                        "sender": item.sender,
                        "external_id": item.external_id,
                    },
                    aliases=set(),
                )
                outcome.new += 1
            else:
                outcome.updated += 1
            self.fill(event, item, reading, digest)
            known.add(event)
            # Only what was stored before this item counts, as when items arrive in separate documents.
            targets = self.permitted_targets(event, known.referenced(event), outcome.refused)
            touched.update(dict.fromkeys((event, *targets)))
            if item.msg_type == "Cancel" and targets:
                outcome.cancelled += 1
        self.write(known.events())
        self.apply_validity(list(touched))
        outcome.changed = {event.id for event in touched}
        return outcome

    def permitted_targets(
        self, event: StoredEvent, targets: list[StoredEvent], refused: list[str]
    ) -> list[StoredEvent]:
        """The referenced events this message may end or replace; the others (and itself) reported in `refused`."""
        permitted = []
        for target in targets:
            sender, identifier = target.identity
            if target is event:
                refused.append(
                    f"{event.values['msg_type']} {identifier} from {sender} refers to itself; the reference is ignored"
                )
            elif not self.amends(event.values["source_id"], target.values["source_id"]):
                refused.append(
                    f"{event.values['msg_type']} {event.values['external_id']} refers to {identifier} "
                    f"from {sender}, stored from another source that this source may not amend; "
                    f"the reference is ignored"
                )
            else:
                permitted.append(target)
        return permitted

    def fill(self, event: StoredEvent, item: ParsedEvent, reading: NewsReading | None, digest: str) -> None:
        """Copy a parsed event's fields, areas, references and aliases onto the stored event."""
        event.values.update({name: getattr(item, name) for name in COPIED_FIELDS})
        # An item its source did not date is dated when it was first seen (its summary says so).
        sent = item.sent if item.dated else event.values["first_seen_at"]
        event.values.update(
            response_types=",".join(item.response_types),
            event_codes=joined_codes(item.event_codes),
            crisis_category=reading.crisis_category if reading else None,
            crisis_matched=", ".join(reading.crisis_matched) if reading else None,
            content_hash=digest,
            last_seen_at=self.now,
            sent=sent,
            valid_from=item.effective or sent,
        )
        event.references = tuple((ref.sender, ref.identifier, ref.sent) for ref in item.references)
        names = dict.fromkeys((item.external_id, *item.alternate_ids))
        added = [alias for alias in names if alias not in event.aliases]
        event.aliases.update(added)
        event.new_aliases += added
        event.areas = [self.resolve_area(area) for area in item.areas]
        event.refilled = True

    def write(self, events: list[StoredEvent]) -> None:
        """Insert the new events and rewrite the changed ones, one statement per table; new events get their ids."""
        new = [event for event in events if event.id is None]
        refilled = [event for event in events if event.refilled and event.id is not None]
        if new:
            # Ids come back matched by identity: RETURNING need not keep the order of the rows.
            statement = insert(EVENTS).returning(EVENTS.c.id, EVENTS.c.sender, EVENTS.c.external_id)
            inserted = self.session.execute(statement, [event.values for event in new])
            ids = {(sender, external_id): event_id for event_id, sender, external_id in inserted}
            for event in new:
                event.id = ids[event.identity]
        update_rows(self.session, EVENTS, [(event.id, event.values) for event in refilled])
        update_rows(
            self.session,
            EVENTS,
            [
                (event.id, {"last_seen_at": event.values["last_seen_at"]})
                for event in events
                if event.seen and not event.refilled
            ],
        )
        if refilled:
            replaced = [event.id for event in refilled]
            stale_areas = select(AREAS.c.id).where(one_of(self.session, AREAS.c.event_id, replaced))
            self.session.execute(delete(CODES).where(CODES.c.area_id.in_(stale_areas)))
            self.session.execute(delete(AREAS).where(one_of(self.session, AREAS.c.event_id, replaced)))
            self.session.execute(delete(REFERENCES).where(one_of(self.session, REFERENCES.c.event_id, replaced)))
        rewritten = new + refilled
        self.write_areas(rewritten)
        insert_rows(
            self.session,
            REFERENCES,
            [
                {"event_id": event.id, "ref_sender": sender, "ref_identifier": identifier, "ref_sent": sent}
                for event in rewritten
                for sender, identifier, sent in event.references
            ],
        )
        insert_rows(
            self.session,
            ALIASES,
            [
                {"event_id": event.id, "sender": event.values["sender"], "alias": alias}
                for event in events
                for alias in event.new_aliases
            ],
        )
        self.forget_cached(event.id for event in events)

    def write_areas(self, events: list[StoredEvent]) -> None:
        """Insert the events' areas and, once their ids are known, the admin codes of each."""
        rows = [area_values(event.id, position, area) for event in events for position, area in enumerate(event.areas)]
        if not rows:
            return
        inserted = self.session.execute(insert(AREAS).returning(AREAS.c.id, AREAS.c.event_id, AREAS.c.position), rows)
        ids = {(event_id, position): area_id for area_id, event_id, position in inserted}
        insert_rows(
            self.session,
            CODES,
            [
                {"area_id": ids[event.id, position], "code_type": code_type, "code": code}
                for event in events
                for position, area in enumerate(event.areas)
                for code_type, code in area_codes(area)
            ],
        )

    def forget_cached(self, event_ids: Iterable[int]) -> None:
        """Expire ORM copies of these events the session may hold: they were written past it."""
        for event_id in event_ids:
            cached = self.session.identity_map.get(self.session.identity_key(Event, event_id))
            if cached is not None:
                self.session.expire(cached)

    def apply_validity(self, events: list[StoredEvent]) -> None:
        """Set each event's interval from its own times and every stored message referring to it."""
        referrers = self.referrers(events)
        rows = []
        for event in events:
            values = event.values
            result = validity(
                status=values["status"],
                msg_type=values["msg_type"],
                sent=values["sent"],
                effective=values["effective"],
                expires=values["expires"],
                ends=values["ends"],
                referrers=referrers.get(event.identity, []),
                default_ttl=self.lifetimes.for_trust(values["trust"]),
            )
            rows.append(
                (
                    event.id,
                    {
                        "valid_from": result.valid_from,
                        "valid_until": result.valid_until,
                        "cut_at": result.cut_at,
                        "ended_by": result.ended_by,
                    },
                )
            )
        update_rows(self.session, EVENTS, rows)

    def referrers(self, events: list[StoredEvent]) -> dict[tuple[str, str], list[Referrer]]:
        """The stored messages whose references name each of these events, by the events' identity."""
        found: dict[tuple[str, str], list[tuple[int, Referrer]]] = {}
        for sender, identifiers in by_sender(event.identity for event in events).items():
            rows = self.session.execute(
                select(
                    REFERENCES.c.ref_identifier,
                    EVENTS.c.external_id,
                    EVENTS.c.msg_type,
                    EVENTS.c.status,
                    EVENTS.c.sent,
                    EVENTS.c.sender,
                    EVENTS.c.source_id,
                )
                .join(EVENTS, REFERENCES.c.event_id == EVENTS.c.id)
                .where(
                    REFERENCES.c.ref_sender == sender, one_of(self.session, REFERENCES.c.ref_identifier, identifiers)
                )
            )
            for target, identifier, msg_type, status, sent, own_sender, source_id in rows:
                if (own_sender, identifier) == (sender, target):
                    continue  # a message naming itself (reported when it was stored) ends nothing
                found.setdefault((sender, target), []).append(
                    (source_id, Referrer(identifier=identifier, msg_type=msg_type, status=status, sent=sent))
                )
        # A message counts against the events of its own source, or of those it may amend.
        owners = {event.identity: event.values["source_id"] for event in events}
        return {
            identity: [referrer for source_id, referrer in referrers if self.amends(source_id, owners[identity])]
            for identity, referrers in found.items()
        }


class KnownEvents:
    """The events a document's items can name, by identity and by alias, kept current as items are stored."""

    def __init__(self) -> None:
        self.by_identity: dict[tuple[str, str], StoredEvent] = {}
        self.by_alias: dict[tuple[str, str], StoredEvent] = {}

    @classmethod
    def load(cls, session: Session, items: list[ParsedEvent]) -> KnownEvents:
        """The stored events these items are, are known as, or refer to: one query per sender and table."""
        rows = {}
        identities = by_sender(
            [(item.sender, item.external_id) for item in items]
            + [(ref.sender, ref.identifier) for item in items for ref in item.references]
        )
        for sender, external_ids in identities.items():
            rows.update(
                (row.id, row)
                for row in session.execute(
                    select(EVENTS).where(EVENTS.c.sender == sender, one_of(session, EVENTS.c.external_id, external_ids))
                )
            )
        alternates = by_sender([(item.sender, alias) for item in items for alias in item.alternate_ids])
        for sender, names in alternates.items():
            rows.update(
                (row.id, row)
                for row in session.execute(
                    select(EVENTS)
                    .join(ALIASES, ALIASES.c.event_id == EVENTS.c.id)
                    .where(ALIASES.c.sender == sender, one_of(session, ALIASES.c.alias, names))
                )
            )
        known = cls()
        if not rows:
            return known
        ids = list(rows)
        aliases: dict[int, set[str]] = {event_id: set() for event_id in ids}
        for event_id, alias in session.execute(
            select(ALIASES.c.event_id, ALIASES.c.alias).where(one_of(session, ALIASES.c.event_id, ids))
        ):
            aliases[event_id].add(alias)
        references: dict[int, list[tuple[str, str, datetime | None]]] = {event_id: [] for event_id in ids}
        for event_id, *reference in session.execute(
            select(
                REFERENCES.c.event_id, REFERENCES.c.ref_sender, REFERENCES.c.ref_identifier, REFERENCES.c.ref_sent
            ).where(one_of(session, REFERENCES.c.event_id, ids))
        ):
            references[event_id].append(tuple(reference))
        for event_id, row in rows.items():
            values = dict(row._mapping)
            del values["id"]
            known.add(StoredEvent(values, aliases[event_id], tuple(references[event_id]), id=event_id))
        return known

    def find(self, item: ParsedEvent) -> StoredEvent | None:
        """The event with this item's identity, or known under one of its alternate ids."""
        event = self.by_identity.get((item.sender, item.external_id))
        if event is None:
            event = next(filter(None, (self.by_alias.get((item.sender, alias)) for alias in item.alternate_ids)), None)
        return event

    def add(self, event: StoredEvent) -> None:
        """Know an event by its identity and its aliases."""
        self.by_identity[event.identity] = event
        sender = event.values["sender"]
        self.by_alias.update(((sender, alias), event) for alias in event.aliases)

    def referenced(self, event: StoredEvent) -> list[StoredEvent]:
        """The known events that this event's references name, once each."""
        named = (self.by_identity.get((sender, identifier)) for sender, identifier, _ in event.references)
        return list(dict.fromkeys(filter(None, named)))

    def events(self) -> list[StoredEvent]:
        """Every known event, once."""
        return list(dict.fromkeys(self.by_identity.values()))


def with_news_areas(parsed: Iterable[ParsedEvent], *, trust: str, read_news: ReadNews) -> list[ReadItem]:
    """News items with the areas their text names, and that reading; other items as they are (no database)."""
    if trust != "news":
        return [(item, None) for item in parsed]
    items = []
    for item in parsed:
        reading = read_news(item)
        items.append((replace(item, areas=reading.areas), reading))
    return items


def by_sender(identities: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(sender, id) pairs grouped as sender -> distinct ids, for one IN query per sender."""
    grouped: dict[str, dict[str, None]] = {}
    for sender, identifier in identities:
        grouped.setdefault(sender, {})[identifier] = None
    return {sender: list(identifiers) for sender, identifiers in grouped.items()}


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows (dicts with the same keys) in one executemany, if there are any."""
    if rows:
        session.execute(insert(table), rows)


def update_rows(session: Session, table: Table, rows: list[tuple[int, dict[str, Any]]]) -> None:
    """UPDATE rows, given as (id, values with the same keys), in one executemany, if there are any."""
    if rows:
        session.execute(
            update(table).where(table.c.id == bindparam("row_id")),
            [{"row_id": row_id, **values} for row_id, values in rows],
        )


def area_values(event_id: int, position: int, resolved: ResolvedArea) -> dict[str, Any]:
    """The stored row of a resolved area."""
    bbox = resolved.bbox
    return {
        "event_id": event_id,
        "position": position,
        "description": resolved.description,
        "precision": str(resolved.precision),
        "polygons": json.dumps([[list(point) for point in ring] for ring in resolved.polygons]),
        "circles": json.dumps([list(circle) for circle in resolved.circles]),
        "unresolved": ",".join(resolved.unresolved),
        "min_lat": bbox[0] if bbox else None,
        "min_lon": bbox[1] if bbox else None,
        "max_lat": bbox[2] if bbox else None,
        "max_lon": bbox[3] if bbox else None,
    }


def area_codes(resolved: ResolvedArea) -> list[tuple[str, str]]:
    """(code_type, code) of every admin unit an area covers, as indexed rows for account lookups."""
    return [
        (code_type, code)
        for code_type, codes in (
            ("country", resolved.countries),
            ("admin1", resolved.admin1),
            ("county", resolved.county_fips),
            ("postal", resolved.postal_codes),
        )
        for code in sorted(codes)
    ]


def joined_codes(codes: tuple[str, ...]) -> str:
    """Event codes as stored: comma-separated, whole codes only within the column's 255 characters."""
    joined = ",".join(codes)
    return joined if len(joined) <= EVENT_CODES_LENGTH else joined[: EVENT_CODES_LENGTH + 1].rsplit(",", 1)[0]


def content_hash(item: ParsedEvent) -> str:
    """A digest of everything a source said about an event (not which source said it)."""
    material = repr([(f.name, getattr(item, f.name)) for f in fields(item) if f.name != "source"])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
