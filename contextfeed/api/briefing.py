"""The agent's briefing: what is going on around one customer right now.

`assemble_briefing` is pure (rows in, JSON out); `load_briefing` does the queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from contextfeed.api.around import events_near, in_force
from contextfeed.api.render import account_json, area_json, event_json
from contextfeed.config import Settings
from contextfeed.db.models import Account, Event, EventArea, EventAreaCode
from contextfeed.dialer.calling import calling_hours_json, stamp
from contextfeed.domain.instants import local_time
from contextfeed.flags.policy import NEVER_FLAG_STATUS
from contextfeed.flags.query import ActiveFlag, active_at

NEARBY_KM = 50.0
MAX_NEARBY = 20
# Messages that end or acknowledge alerts are not news to an agent.
NOT_ALERTS = ("Cancel", "Ack", "Error")


@dataclass(frozen=True)
class Nearby:
    """An event around the customer that flags nothing on them: how far (to its area's box) and why listed."""

    event: Event
    distance_km: float | None
    how: str


def flag_json(flag: ActiveFlag, timezone: str | None, guidance: Mapping[str, str]) -> dict:
    """A flag for the agent: level, reason, why it reached the account, and its times on both clocks."""
    return {
        "flag_id": flag.flag_id,
        "level": flag.level,
        "reason": flag.reason,
        "rule": flag.rule,
        "match": flag.match,
        "origin": flag.source,
        "actor": flag.actor,
        "event_ids": list(flag.event_ids),
        "starts_at": stamp(flag.starts_at, timezone),
        "expires_at": stamp(flag.expires_at, timezone),
        "guidance": guidance.get(flag.level, ""),
    }


def briefing_event_json(
    event: Event, timezone: str | None, *, relation: str, distance_km: float | None = None, how: str = ""
) -> dict:
    """An event behind a flag or nearby, with its areas for the map and its times on both clocks."""
    return event_json(event) | {
        "relation": relation,
        "distance_km": None if distance_km is None else round(distance_km, 1),
        "how": how,
        "sent": stamp(event.sent, timezone),
        "valid_from": stamp(event.valid_from, timezone),
        "valid_until": stamp(event.valid_until, timezone),
        "summary": event.summary,
        "instruction": event.instruction,
        "areas": [area_json(area) for area in event.areas],
    }


def assemble_briefing(
    account: Account,
    flags: Sequence[ActiveFlag],
    events: Mapping[int, Event],
    nearby: Sequence[Nearby],
    *,
    at: datetime,
    settings: Settings,
) -> dict:
    """The briefing from its parts: strongest level and its guidance first, then flags, events, the clock."""
    guidance = settings.policy.guidance
    timezone = account.timezone
    level = flags[0].level if flags else None
    local = local_time(at, timezone)
    behind = [events[event_id] for flag in flags for event_id in flag.event_ids if event_id in events]
    return {
        "account": account_json(account),
        "at": local.as_json(),
        "calling_hours": calling_hours_json(local, settings.calling),
        "level": level,
        "guidance": guidance.get(level, "") if level else "",
        "flags": [flag_json(flag, timezone, guidance) for flag in flags],
        "events": [briefing_event_json(event, timezone, relation="flag") for event in dict.fromkeys(behind)]
        + [
            briefing_event_json(item.event, timezone, relation="nearby", distance_km=item.distance_km, how=item.how)
            for item in nearby
        ],
    }


def alerts_in_force(at: datetime) -> Select:
    """Real alerts and news in force at `at` (tests, exercises and cancels are not news to an agent)."""
    return select(Event).where(in_force(at), Event.status.not_in(NEVER_FLAG_STATUS), Event.msg_type.not_in(NOT_ALERTS))


def nearby_events(
    session: Session, account: Account, *, at: datetime, radius_km: float, exclude: set[int]
) -> list[Nearby]:
    """Events in force around the account that do not flag it: on its county or postal code, or shapes nearby."""
    found: dict[int, Nearby] = {}
    codes = [code for code in (account.loc_county_fips, account.loc_postal_code) if code]
    if codes:
        query = (
            alerts_in_force(at)
            .join(EventArea)
            .join(EventAreaCode)
            .where(EventAreaCode.code.in_(codes), EventAreaCode.code_type.in_(("county", "postal")))
        )
        for event in session.scalars(query).unique():
            found[event.id] = Nearby(event, None, "covers the customer's county or postal code")
    if account.loc_lat is not None and account.loc_lon is not None:
        for event, distance in events_near(
            session, alerts_in_force(at), lat=account.loc_lat, lon=account.loc_lon, radius_km=radius_km
        ):
            how = f"about {distance:.0f} km away" if distance else "within the area's bounding box"
            found.setdefault(event.id, Nearby(event, distance, how))
    ordered = sorted(
        (item for item in found.values() if item.event.id not in exclude),
        key=lambda item: (item.distance_km or 0.0, -item.event.sent.timestamp()),
    )
    return ordered[:MAX_NEARBY]


def load_briefing(
    session: Session, account_id: str, *, at: datetime, settings: Settings, radius_km: float = NEARBY_KM
) -> dict | None:
    """The briefing for an account at `at`, or None when there is no such account."""
    account = session.get(Account, account_id)
    if account is None:
        return None
    flags = active_at(session, at, account_ids=[account_id])
    event_ids = {event_id for flag in flags for event_id in flag.event_ids}
    events = {event.id: event for event in session.scalars(select(Event).where(Event.id.in_(event_ids)))}
    nearby = nearby_events(session, account, at=at, radius_km=radius_km, exclude=event_ids)
    return assemble_briefing(account, flags, events, nearby, at=at, settings=settings)
