"""The JSON shapes of stored rows: accounts, where we placed them, events and their areas."""

from __future__ import annotations

import json
import re
from functools import lru_cache

from contextfeed.db.models import Account, Event, EventArea
from contextfeed.domain.instants import iso

# ISO 3166-2 names carry qualifiers in brackets ("Bruxelles-Capitale, Région de" aside): dropped for people.
BRACKETED = re.compile(r"\s*\[.*?\]|\s*\(.*?\)")
PRECISION_WORDS = {
    "point": "exact coordinates",
    "postal": "postal code",
    "city": "city",
    "county": "county",
    "admin1": "state or region",
    "country": "country only",
    "unknown": "unknown",
}


@lru_cache(maxsize=4096)
def region_name(code: str | None) -> str | None:
    """The name of an ISO 3166-2 subdivision ("FR-IDF" -> "Île-de-France"); None for any other code.

    A code that is not ISO 3166-2 (the gazetteer's "FR-GN11" for GeoNames' own numbering) is left
    out rather than shown: an agent reads a place, never a code, and the city and country still say where.
    """
    import pycountry

    subdivision = pycountry.subdivisions.get(code=code) if code else None
    return BRACKETED.sub("", subdivision.name).strip() if subdivision else None


@lru_cache(maxsize=512)
def country_name(code: str | None) -> str | None:
    """A country's everyday name ("KR" -> "South Korea"), or the code when pycountry does not know it."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code) if code else None
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def location_label(account: Account) -> str:
    """Where the account is, in names: "Paris, Île-de-France, France", "Watertown, Massachusetts, United States"."""
    places = (account.loc_city, region_name(account.loc_admin1), country_name(account.loc_country))
    return ", ".join(dict.fromkeys(place for place in places if place)) or "unknown location"


def precision_text(account: Account) -> str:
    """How precisely we know where the account is, naming the postal code only when it placed the account."""
    words = PRECISION_WORDS.get(account.loc_precision, account.loc_precision)
    if account.loc_precision == "postal" and account.loc_postal_code:
        return f"{words} {account.loc_postal_code}"
    if account.postal_code and account.loc_precision not in ("point", "postal"):
        return f"{words} (the postal code given, {account.postal_code}, did not place it)"
    return words


def location_json(account: Account) -> dict:
    """Where we placed the account, how precisely, from which of its fields, and a label for people."""
    return {
        "label": location_label(account),
        "precision": account.loc_precision,
        "precision_text": precision_text(account),
        "source": account.loc_source,
        "lat": account.loc_lat,
        "lon": account.loc_lon,
        "city": account.loc_city,
        "admin1": account.loc_admin1,
        "county_fips": account.loc_county_fips,
        "postal_code": account.loc_postal_code,
        "country": account.loc_country,
        "timezone": account.timezone,
        "note": account.loc_note,
    }


def account_json(account: Account) -> dict:
    """The account as given to us, and as located."""
    return {
        "account_id": account.account_id,
        "name": account.name,
        "phone": account.phone,
        "address": account.address,
        "city": account.city,
        "region": account.region,
        "postal_code": account.postal_code,
        "country": account.country,
        "lat": account.lat,
        "lon": account.lon,
        "location": location_json(account),
        "created_at": iso(account.created_at),
        "updated_at": iso(account.updated_at),
    }


def event_json(event: Event) -> dict:
    """What an event is and who said it (its times are added by each endpoint in its own form)."""
    return {
        "event_id": event.id,
        "source": event.source.name,
        "kind": event.kind,
        "trust": event.trust,
        "sender": event.sender,
        "sender_name": event.sender_name or event.source.name,
        "status": event.status,
        "msg_type": event.msg_type,
        "category": event.category,
        "event_type": event.event_type,
        "severity": event.severity,
        "urgency": event.urgency,
        "certainty": event.certainty,
        "headline": event.headline or event.event_type,
        "link": event.link,
        "crisis_category": event.crisis_category,
    }


def event_times_json(event: Event) -> dict:
    """The event's instants in UTC."""
    return {
        "sent": iso(event.sent),
        "valid_from": iso(event.valid_from),
        "valid_until": iso(event.valid_until),
        "cut_at": iso(event.cut_at),
        "ended_by": event.ended_by,
    }


def area_json(area: EventArea) -> dict:
    """An area's description, shapes (latitude first, as CAP writes them), bounding box and codes."""
    has_box = area.min_lat is not None
    return {
        "description": area.description,
        "precision": area.precision,
        "polygons": json.loads(area.polygons),
        "circles": json.loads(area.circles),
        "bbox": [area.min_lat, area.min_lon, area.max_lat, area.max_lon] if has_box else None,
        "codes": [{"type": code.code_type, "code": code.code} for code in area.codes],
        "unresolved": [code for code in area.unresolved.split(",") if code],
    }


def event_detail_json(event: Event) -> dict:
    """Everything stored about an event: texts, times, areas and the messages it refers to."""
    return (
        event_json(event)
        | event_times_json(event)
        | {
            "summary": event.summary,
            "instruction": event.instruction,
            "response_types": [kind for kind in event.response_types.split(",") if kind],
            "magnitude": event.magnitude,
            "depth_km": event.depth_km,
            "language": event.language,
            "areas": [area_json(area) for area in event.areas],
            "references": [
                {"sender": ref.ref_sender, "identifier": ref.ref_identifier, "sent": iso(ref.ref_sent)}
                for ref in event.references
            ],
            "first_seen_at": iso(event.first_seen_at),
            "last_seen_at": iso(event.last_seen_at),
        }
    )
