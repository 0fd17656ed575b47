"""Why an account is or is not flagged at an instant: its location, then every event that came near it."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import shapely
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from contextfeed.config import PolicySettings
from contextfeed.db.models import Account, Event, EventArea, EventAreaCode
from contextfeed.domain.geodesy import KM_PER_DEGREE, km_per_degree_of_longitude
from contextfeed.domain.instants import iso
from contextfeed.flags.engine import event_facts
from contextfeed.flags.matcher import boxes_reach, match_area
from contextfeed.flags.policy import POINT_PRECISIONS, MatchFacts, judge_event, judge_match, rank
from contextfeed.flags.query import active_at
from contextfeed.geo.model import Precision

# Events this close (km) or this recent are worth explaining even when they did not flag.
NEAR_KM = 150.0
LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class EventVerdict:
    """One event's effect on the account: the level it gives (None: nothing) and in words why."""

    event_id: int
    source: str
    headline: str
    sent: str
    valid: str
    level: str | None
    rule: str
    why: str


@dataclass
class Explanation:
    """Where the account is, what flags it carries at `at`, and every nearby event's verdict."""

    account_id: str
    at: str
    location: dict
    flags: list[dict] = field(default_factory=list)
    events: list[EventVerdict] = field(default_factory=list)

    def as_json(self) -> dict:
        """Plain JSON for `explain --json` and the API."""
        return asdict(self)


def explain(session: Session, account_id: str, at: datetime, *, policy: PolicySettings) -> Explanation | None:
    """The explanation for one account at one instant, or None for an unknown account."""
    account = session.get(Account, account_id)
    if account is None:
        return None
    result = Explanation(
        account_id=account_id,
        at=iso(at),
        location=describe_location(account),
        flags=[flag.as_json() for flag in active_at(session, at, account_ids=[account_id])],
    )
    for event in nearby_events(session, account, at):
        result.events.append(verdict(session, event, account, at, policy=policy))
    result.events.sort(key=lambda item: (-rank(item.level), item.sent))
    return result


def describe_location(account: Account) -> dict:
    """The account's location as understood, with the input it came from and any conflict noted."""
    return {
        "precision": account.loc_precision,
        "from": account.loc_source,
        "lat": account.loc_lat,
        "lon": account.loc_lon,
        "country": account.loc_country,
        "admin1": account.loc_admin1,
        "county_fips": account.loc_county_fips,
        "city": account.loc_city,
        "postal_code": account.loc_postal_code,
        "timezone": account.timezone,
        "note": account.loc_note,
        "given": {
            "address": account.address,
            "city": account.city,
            "region": account.region,
            "postal_code": account.postal_code,
            "country": account.country,
            "lat": account.lat,
            "lon": account.lon,
            "phone": account.phone,
        },
    }


def nearby_events(session: Session, account: Account, at: datetime) -> list[Event]:
    """Events around `at` whose codes name the account's places or whose shapes lie within NEAR_KM of it."""
    codes = [
        code
        for code in (account.loc_country, account.loc_admin1, account.loc_county_fips, account.loc_postal_code)
        if code
    ]
    near = [EventArea.id.in_(select(EventAreaCode.area_id).where(EventAreaCode.code.in_(codes)))] if codes else []
    if account.loc_lat is not None:
        pad_lat = NEAR_KM / KM_PER_DEGREE
        pad_lon = NEAR_KM / km_per_degree_of_longitude(account.loc_lat)
        near.append(
            EventArea.min_lat.is_not(None)
            & (EventArea.min_lat <= account.loc_lat + pad_lat)
            & (EventArea.max_lat >= account.loc_lat - pad_lat)
            & boxes_reach(account.loc_lon - pad_lon, account.loc_lon + pad_lon)
        )
    if not near:
        return []
    area_events = select(EventArea.event_id).where(or_(*near))
    return list(
        session.scalars(
            select(Event)
            .where(
                Event.id.in_(area_events),
                Event.valid_from <= at + timedelta(hours=1),
                or_(Event.valid_until.is_(None), Event.valid_until >= at - LOOKBACK),
            )
            .order_by(Event.sent)
        )
    )


def verdict(session: Session, event: Event, account: Account, at: datetime, *, policy: PolicySettings) -> EventVerdict:
    """What one event does to the account at `at`, and why."""
    judgement = judge_event(event_facts(event), policy)

    def result(level: str | None, rule: str, why: str) -> EventVerdict:
        valid = f"{iso(event.valid_from)} to {iso(event.valid_until) or 'open'}"
        if event.crisis_category:
            # News is flagged on words: say which crisis rule read it and on which terms.
            why = f"{why} (news read as {event.crisis_category}: {event.crisis_matched or 'no terms recorded'})"
        return EventVerdict(
            event.id, event.source.name, event.headline or event.event_type, iso(event.sent), valid, level, rule, why
        )

    if judgement.level is None:
        return result(None, judgement.rule, judgement.why)
    if judgement.starts_at and at < judgement.starts_at:
        return result(None, judgement.rule, f"not yet in force at that instant (from {iso(judgement.starts_at)})")
    if judgement.expires_at and at >= judgement.expires_at:
        ended = event.ended_by if event.cut_at else f"expired at {iso(judgement.expires_at)}"
        return result(None, judgement.rule, f"over at that instant: {ended}")
    best = None
    for area in event.areas:
        for match in match_area(
            session,
            area,
            buffer_km=judgement.buffer_km,
            max_distance_km=judgement.max_distance_km,
            account_ids=[account.account_id],
        ):
            verdict_ = judge_match(
                judgement,
                MatchFacts(match.area_precision, match.account_precision, match.how),
                trust=event.trust,
                policy=policy,
            )
            if best is None or rank(verdict_.level) > rank(best[0].level):
                best = (verdict_, match.how)
    if best is not None:
        verdict_, how = best
        why = f"{how}; {verdict_.note}" if verdict_.note else how
        return result(verdict_.level, verdict_.rule, f"rule {verdict_.rule} fired: {why}")
    return result(None, judgement.rule, f"rule {judgement.rule} would apply, but {miss_reason(event, account)}")


def miss_reason(event: Event, account: Account) -> str:
    """Why an event's areas did not reach the account: too far, too coarse, or other places."""
    precision = Precision(account.loc_precision)
    shaped = [area for area in event.areas if area.min_lat is not None]
    if shaped and precision not in POINT_PRECISIONS:
        return f"the account is located only to its {precision}: too coarse for the event's area"
    if shaped and account.loc_lat is not None:
        distance = min(distance_km(area, account.loc_lat, account.loc_lon) for area in shaped)
        return f"too far: {distance:.0f} km outside the event's area"
    return "the event's areas name other places than the account's"


def distance_km(area: EventArea, lat: float, lon: float) -> float:
    """Approximate distance from a point to an area's shapes, in km (local equirectangular projection)."""
    kx = km_per_degree_of_longitude(lat)
    ky = KM_PER_DEGREE
    point = shapely.Point(lon * kx, lat * ky)
    distances = [
        shapely.Polygon([(p_lon * kx, p_lat * ky) for p_lat, p_lon in ring]).distance(point)
        for ring in json.loads(area.polygons)
    ]
    distances += [
        max(0.0, shapely.Point(c_lon * kx, c_lat * ky).distance(point) - radius)
        for c_lat, c_lon, radius in json.loads(area.circles)
    ]
    return min(distances) if distances else math.inf
