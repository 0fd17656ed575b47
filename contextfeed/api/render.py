"""The JSON shapes of stored rows: accounts, where we placed them, events and their areas."""

from __future__ import annotations

import json

from contextfeed.db.models import Account, Event, EventArea
from contextfeed.flags.query import iso

PRECISION_WORDS = {
    "point": "exact coordinates", "postal": "postal code", "city": "city", "county": "county",
    "admin1": "state or region", "country": "country only", "unknown": "unknown",
}


def location_json(account: Account) -> dict:
    """Where we placed the account, how precisely, from which of its fields, and a label for people."""
    region = account.loc_admin1
    if region and account.loc_country and region.startswith(f"{account.loc_country}-"):
        region = region[len(account.loc_country) + 1:]
    label = ", ".join(dict.fromkeys(place for place in (account.loc_city, region, account.loc_country) if place))
    if account.loc_postal_code and account.loc_precision == "postal":
        label = f"{label} {account.loc_postal_code}".strip()
    return {
        "label": label or "unknown location",
        "precision": account.loc_precision,
        "precision_text": PRECISION_WORDS.get(account.loc_precision, account.loc_precision),
        "source": account.loc_source,
        "lat": account.loc_lat, "lon": account.loc_lon,
        "city": account.loc_city, "admin1": account.loc_admin1, "county_fips": account.loc_county_fips,
        "postal_code": account.loc_postal_code, "country": account.loc_country,
        "timezone": account.timezone, "note": account.loc_note,
    }


def account_json(account: Account) -> dict:
    """The account as given to us, and as located."""
    return {
        "account_id": account.account_id, "name": account.name, "phone": account.phone,
        "address": account.address, "city": account.city, "region": account.region,
        "postal_code": account.postal_code, "country": account.country, "lat": account.lat, "lon": account.lon,
        "location": location_json(account),
        "created_at": iso(account.created_at), "updated_at": iso(account.updated_at),
    }


def event_json(event: Event) -> dict:
    """What an event is and who said it (its times are added by each endpoint in its own form)."""
    return {
        "event_id": event.id, "source": event.source.name, "kind": event.kind, "trust": event.trust,
        "sender": event.sender, "sender_name": event.sender_name or event.source.name,
        "status": event.status, "msg_type": event.msg_type, "category": event.category,
        "event_type": event.event_type, "severity": event.severity, "urgency": event.urgency,
        "certainty": event.certainty, "headline": event.headline or event.event_type, "link": event.link,
        "crisis_category": event.crisis_category,
    }


def event_times_json(event: Event) -> dict:
    """The event's instants in UTC."""
    return {"sent": iso(event.sent), "valid_from": iso(event.valid_from), "valid_until": iso(event.valid_until),
            "cut_at": iso(event.cut_at), "ended_by": event.ended_by}


def area_json(area: EventArea) -> dict:
    """An area's description, shapes (latitude first, as CAP writes them), bounding box and codes."""
    has_box = area.min_lat is not None
    return {
        "description": area.description, "precision": area.precision,
        "polygons": json.loads(area.polygons), "circles": json.loads(area.circles),
        "bbox": [area.min_lat, area.min_lon, area.max_lat, area.max_lon] if has_box else None,
        "codes": [{"type": code.code_type, "code": code.code} for code in area.codes],
        "unresolved": [code for code in area.unresolved.split(",") if code],
    }


def event_detail_json(event: Event) -> dict:
    """Everything stored about an event: texts, times, areas and the messages it refers to."""
    return event_json(event) | event_times_json(event) | {
        "summary": event.summary, "instruction": event.instruction,
        "response_types": [kind for kind in event.response_types.split(",") if kind],
        "magnitude": event.magnitude, "depth_km": event.depth_km, "language": event.language,
        "areas": [area_json(area) for area in event.areas],
        "references": [{"sender": ref.ref_sender, "identifier": ref.ref_identifier, "sent": iso(ref.ref_sent)}
                       for ref in event.references],
        "first_seen_at": iso(event.first_seen_at), "last_seen_at": iso(event.last_seen_at),
    }
