"""The engine: reconcile what the policy decides with the stored flags, and log every change."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from sqlalchemy import delete, insert, literal, null, select, update
from sqlalchemy.orm import Session, selectinload

from contextfeed.config import PolicySettings
from contextfeed.db.engine import bulk_writes, insert_many, insert_many_with_ids
from contextfeed.db.models import Account, Event, EventArea, EventAreaCode, Flag, FlagChange
from contextfeed.domain.instants import local_time
from contextfeed.flags.matcher import boxes_reach, match_area_groups
from contextfeed.flags.policy import EventFacts, MatchFacts, MatchJudgement, judge_event, judge_match, rank
from contextfeed.geo.model import Precision
from contextfeed.sources.eventcodes import codes_from_name

AUTOMATIC = "automatic"
MANUAL = "manual"
FLAGS = Flag.__table__
FLAG_CHANGES = FlagChange.__table__
# Columns of the change rows written in bulk, in table order (the cursor is the database's).
CHANGE_COLUMNS = (
    "flag_id",
    "account_id",
    "event_id",
    "action",
    "origin",
    "level",
    "previous_level",
    "rule",
    "reason",
    "actor",
    "starts_at",
    "expires_at",
    "recorded_at",
)
change_values = itemgetter(*CHANGE_COLUMNS)
# Accounts per round of reconcile_accounts: its queries bind one id each, within SQLite's 32,766 parameters.
ACCOUNT_BATCH = 10_000
# Raises (logged first, by raise_flags) before clears: a dialer reading a page that ends
# between an Update's new flag and its predecessor's clear never sees a gap in suppression.
ACTION_ORDER = {"upgrade": 1, "extend": 2, "update": 3, "shorten": 4, "downgrade": 5, "clear": 6}


class Decision(NamedTuple):
    """What one account should carry because of one event (a named tuple: an alert makes thousands)."""

    level: str
    rule: str
    reason: str
    match: str
    starts_at: datetime
    expires_at: datetime | None


# Columns of the flags written in bulk, in table order (the id is the database's): a Decision is their middle.
NEW_FLAG_COLUMNS = ("account_id", "event_id", "origin", *Decision._fields, "expiry_reported")


@dataclass(frozen=True)
class Reach:
    """What could reach any account at all: the admin codes areas list, any area with a shape, any automatic flag."""

    codes: frozenset[str]
    shapes: bool
    flags: bool


@dataclass
class ReconcileSummary:
    """Counts of flag changes written, by action."""

    actions: dict[str, int] = field(default_factory=dict)

    def count(self, action: str, n: int = 1) -> None:
        """Add `n` changes of that action."""
        self.actions[action] = self.actions.get(action, 0) + n

    @property
    def total(self) -> int:
        """All changes written."""
        return sum(self.actions.values())


def event_facts(event: Event) -> EventFacts:
    """The policy's view of a stored event."""
    return EventFacts(
        kind=event.kind,
        trust=event.trust,
        status=event.status,
        msg_type=event.msg_type,
        category=event.category,
        event_type=event.event_type,
        severity=event.severity,
        urgency=event.urgency,
        certainty=event.certainty,
        response_types=tuple(filter(None, event.response_types.split(","))),
        crisis_category=event.crisis_category,
        valid_from=event.valid_from,
        valid_until=event.valid_until,
        cut_at=event.cut_at,
        event_codes=tuple(filter(None, event.event_codes.split(","))) or codes_from_name(event.event_type),
    )


class FlagEngine:
    """Turns events into flags; never commits, the caller owns the transaction."""

    def __init__(self, session: Session, *, policy: PolicySettings, now: datetime) -> None:
        self.session = session
        self.policy = policy
        self.now = now

    def reconcile_events(
        self, event_ids: Iterable[int], *, account_ids: Collection[str] | None = None
    ) -> ReconcileSummary:
        """Bring the automatic flags of these events (for these accounts, or all) in line with the policy."""
        summary = ReconcileSummary()
        ids = sorted(set(event_ids))
        # One query per batch, not several per event: the session keeps only weak references to
        # flushed events, so a wire of ten thousand news items would be loaded again one by one.
        events = {}
        for start in range(0, len(ids), ACCOUNT_BATCH):
            events.update(
                (event.id, event)
                for event in self.session.scalars(
                    select(Event)
                    .where(Event.id.in_(ids[start : start + ACCOUNT_BATCH]))
                    .options(selectinload(Event.areas).selectinload(EventArea.codes))
                )
            )
        with bulk_writes(self.session):
            for event_id in ids:
                if event_id in events:
                    self.reconcile_event(events[event_id], account_ids=account_ids, summary=summary)
        return summary

    def reconcile_accounts(self, account_ids: Collection[str]) -> ReconcileSummary:
        """Recompute the automatic flags of accounts that are new or moved, against every event that can reach them."""
        summary = ReconcileSummary()
        ids = list(account_ids)
        if not ids:
            return summary
        # Asked once rather than per batch: a million accounts imported where no event has codes or
        # shapes and no automatic flag exists would otherwise cost four queries a batch to find nothing.
        reach = Reach(
            codes=frozenset(self.session.scalars(select(EventAreaCode.code).distinct())),
            shapes=self.session.scalar(select(EventArea.id).where(EventArea.min_lat.is_not(None)).limit(1)) is not None,
            flags=self.session.scalar(select(Flag.id).where(Flag.origin == AUTOMATIC).limit(1)) is not None,
        )
        if not (reach.codes or reach.shapes or reach.flags):
            return summary
        for start in range(0, len(ids), ACCOUNT_BATCH):
            batch = ids[start : start + ACCOUNT_BATCH]
            for event_id in sorted(self.candidate_events(batch, reach)):
                self.reconcile_event(self.session.get(Event, event_id), account_ids=batch, summary=summary)
        return summary

    def candidate_events(self, account_ids: list[str], reach: Reach) -> set[int]:
        """Events that flag these accounts now, or whose codes or shapes could reach them."""
        candidates = set()
        if reach.flags:
            candidates.update(
                self.session.scalars(
                    select(Flag.event_id).where(Flag.account_id.in_(account_ids), Flag.origin == AUTOMATIC)
                )
            )
        if reach.codes or reach.shapes:
            accounts = self.session.execute(
                select(
                    Account.loc_country,
                    Account.loc_admin1,
                    Account.loc_county_fips,
                    Account.loc_postal_code,
                    Account.loc_lat,
                    Account.loc_lon,
                ).where(Account.account_id.in_(account_ids))
            ).all()
            codes = {code for row in accounts for code in row[:4] if code} & reach.codes
            if codes:
                candidates.update(
                    self.session.scalars(
                        select(EventArea.event_id).join(EventAreaCode).where(EventAreaCode.code.in_(codes))
                    )
                )
            points = [(row.loc_lat, row.loc_lon) for row in accounts if row.loc_lat is not None]
            if reach.shapes and points:
                lats, lons = [lat for lat, _ in points], [lon for _, lon in points]
                # Areas are prefiltered by the box around all the batch's points;
                # the matcher then tests each account exactly.
                candidates.update(
                    self.session.scalars(
                        select(EventArea.event_id).where(
                            EventArea.min_lat.is_not(None),
                            EventArea.max_lat >= min(lats) - 5,
                            EventArea.min_lat <= max(lats) + 5,
                            boxes_reach(min(lons) - 5, max(lons) + 5),
                        )
                    )
                )
        candidates.discard(None)
        return candidates

    def decide(self, event: Event, *, account_ids: Collection[str] | None) -> dict[str, Decision]:
        """The flag each touched account should carry for this event (strongest over its areas)."""
        judgement = judge_event(event_facts(event), self.policy)
        if judgement.level is None or judgement.starts_at is None:
            return {}
        if judgement.expires_at is not None and judgement.expires_at <= judgement.starts_at:
            return {}
        decisions: dict[str, Decision] = {}
        # An area touches thousands of accounts in a handful of precisions and time zones:
        # judge each precision pair, word each zone's reason and decide each group once.
        verdicts: dict[tuple[Precision, Precision], MatchJudgement] = {}
        for area in event.areas:
            reasons: dict[str | None, str] = {}
            for group in match_area_groups(
                self.session,
                area,
                buffer_km=judgement.buffer_km,
                max_distance_km=judgement.max_distance_km,
                account_ids=account_ids,
            ):
                precisions = (group.area_precision, group.account_precision)
                verdict = verdicts.get(precisions)
                if verdict is None:
                    verdict = verdicts[precisions] = judge_match(
                        judgement,
                        MatchFacts(group.area_precision, group.account_precision, group.how),
                        trust=event.trust,
                        policy=self.policy,
                    )
                if verdict.level is None:
                    continue
                reason = reasons.get(group.timezone)
                if reason is None:
                    reason = reasons[group.timezone] = describe(event, area, group.timezone)
                decision = Decision(
                    level=verdict.level,
                    rule=verdict.rule,
                    reason=reason,
                    match=f"{group.how}; {verdict.note}" if verdict.note else group.how,
                    starts_at=judgement.starts_at,
                    expires_at=judgement.expires_at,
                )
                strength = rank(verdict.level)
                for account_id in group.account_ids:
                    # The first of equally strong matches stands.
                    current = decisions.get(account_id)
                    if current is None or rank(current.level) < strength:
                        decisions[account_id] = decision
        return decisions

    def reconcile_event(self, event: Event, *, account_ids: Collection[str] | None, summary: ReconcileSummary) -> None:
        """Write the difference between the event's decisions and its stored automatic flags."""
        desired = self.decide(event, account_ids=account_ids)
        query = select(Flag).where(Flag.event_id == event.id, Flag.origin == AUTOMATIC)
        if account_ids is not None:
            query = query.where(Flag.account_id.in_(account_ids))
        existing = {flag.account_id: flag for flag in self.session.scalars(query)}
        changes: list[dict] = []
        raised = []
        for account_id, decision in desired.items():
            flag = existing.get(account_id)
            if flag is None:
                raised.append((account_id, decision))
                continue
            action = self.change_action(flag, decision)
            if action is None:
                continue
            previous = flag.level
            for name in ("level", "rule", "reason", "match", "starts_at", "expires_at"):
                setattr(flag, name, getattr(decision, name))
            flag.updated_at = self.now
            flag.expiry_reported = self.expired(decision.expires_at)
            changes.append(self.change(flag.id, account_id, event.id, action, decision, previous))
        gone = [flag for account_id, flag in existing.items() if account_id not in desired]
        for flag in gone:
            changes.append(
                self.change(
                    flag.id,
                    flag.account_id,
                    event.id,
                    "clear",
                    flag,
                    flag.level,
                    level=None,
                    expires_at=min(self.now, flag.expires_at or self.now),
                )
            )
        if gone:
            self.session.execute(delete(Flag).where(Flag.id.in_([flag.id for flag in gone])))
        if raised:
            self.raise_flags(event.id, raised, summary)
        self.log(changes, summary)

    def raise_flags(self, event_id: int, raised: list[tuple[str, Decision]], summary: ReconcileSummary) -> None:
        """Insert new automatic flags and log a `raise` for each, ahead of the event's other changes."""
        # In account order, the flags' indexes and the accounts' key are walked page
        # by page instead of at random: a third less work at fifty thousand flags.
        raised.sort(key=itemgetter(0))
        rows = [
            (account_id, event_id, AUTOMATIC, *decision, self.expired(decision.expires_at))
            for account_id, decision in raised
        ]
        flag_ids = insert_many_with_ids(
            self.session, FLAGS, NEW_FLAG_COLUMNS, rows, created_at=self.now, updated_at=self.now
        )
        # The database copies the raises from the flags just written rather than being
        # sent every row twice; a range of consecutive new ids holds those flags only.
        just_raised = select(
            FLAGS.c.id,
            FLAGS.c.account_id,
            FLAGS.c.event_id,
            literal("raise", FLAG_CHANGES.c.action.type),
            FLAGS.c.origin,
            FLAGS.c.level,
            null(),
            FLAGS.c.rule,
            FLAGS.c.reason,
            FLAGS.c.actor,
            FLAGS.c.starts_at,
            FLAGS.c.expires_at,
            literal(self.now, FLAG_CHANGES.c.recorded_at.type),
        ).order_by(FLAGS.c.id)
        for first, last in consecutive_runs(sorted(flag_ids)):
            self.session.execute(
                insert(FLAG_CHANGES).from_select(CHANGE_COLUMNS, just_raised.where(FLAGS.c.id.between(first, last)))
            )
        summary.count("raise", len(flag_ids))

    def change_action(self, flag: Flag, decision: Decision) -> str | None:
        """The change-log action that turns a stored flag into the decision, or None when they agree."""
        if rank(decision.level) != rank(flag.level):
            return "upgrade" if rank(decision.level) > rank(flag.level) else "downgrade"
        if decision.expires_at != flag.expires_at:
            later = flag.expires_at is not None and (
                decision.expires_at is None or decision.expires_at > flag.expires_at
            )
            if later:
                return "extend"
            return "clear" if self.expired(decision.expires_at) else "shorten"
        if (decision.rule, decision.reason, decision.match, decision.starts_at) != (
            flag.rule,
            flag.reason,
            flag.match,
            flag.starts_at,
        ):
            return "update"
        return None

    def change(
        self, flag_id: int, account_id: str, event_id: int | None, action: str, what, previous: str | None, **overrides
    ) -> dict:
        """A change-log row for one flag."""
        row = {
            "flag_id": flag_id,
            "account_id": account_id,
            "event_id": event_id,
            "action": action,
            "origin": getattr(what, "origin", AUTOMATIC),
            "level": what.level,
            "previous_level": previous,
            "rule": what.rule,
            "reason": what.reason,
            "actor": getattr(what, "actor", None),
            "starts_at": what.starts_at,
            "expires_at": what.expires_at,
            "recorded_at": self.now,
        }
        row.update(overrides)
        return row

    def log(self, changes: list[dict], summary: ReconcileSummary) -> None:
        """Append changes to the log in an order that never opens a gap in suppression."""
        if not changes:
            return
        changes.sort(key=lambda change: ACTION_ORDER.get(change["action"], 9))
        insert_many(self.session, FLAG_CHANGES, CHANGE_COLUMNS, list(map(change_values, changes)))
        for change in changes:
            summary.count(change["action"])

    def expired(self, expires_at: datetime | None) -> bool:
        """True when a flag ending at `expires_at` is already over."""
        return expires_at is not None and expires_at <= self.now

    def sweep_expired(self) -> int:
        """Log an `expire` change for each flag that ran out since the last sweep; returns how many."""
        due = self.session.scalars(
            select(Flag).where(
                Flag.expiry_reported.is_(False),
                Flag.expires_at.is_not(None),
                Flag.expires_at <= self.now,
            )
        ).all()
        summary = ReconcileSummary()
        self.log(
            [
                self.change(flag.id, flag.account_id, flag.event_id, "expire", flag, flag.level, level=None)
                for flag in due
            ],
            summary,
        )
        if due:
            self.session.execute(
                update(Flag).where(Flag.id.in_([flag.id for flag in due])).values(expiry_reported=True)
            )
        return len(due)


def consecutive_runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted distinct numbers as (first, last) runs of consecutive ones: [1, 2, 3, 7] gives (1, 3), (7, 7).

    One run on SQLite, where new ids are given; PostgreSQL's sequence may interleave another writer's.
    """
    first = previous = numbers[0]
    for number in numbers[1:]:
        if number != previous + 1:
            yield first, previous
            first = number
        previous = number
    yield first, previous


def describe(event: Event, area: EventArea, timezone: str | None) -> str:
    """The one-line reason an agent reads: what, where, who said it and when (in the customer's local time)."""
    what = event.headline if event.trust == "news" else (event.event_type or event.headline)
    where = area.description or event.headline
    who = event.sender_name or event.source.name
    when = local_time(event.sent, timezone).clock_text()
    return f"{what} — {where} ({who}, {when})"
