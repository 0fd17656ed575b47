"""Events and the sources they come from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import func, select

from contextfeed.api.around import events_near, in_force
from contextfeed.api.auth import require
from contextfeed.api.deps import AppDep, ReadSession, instant
from contextfeed.api.errors import ApiError, documented
from contextfeed.api.render import event_detail_json, event_json, event_times_json
from contextfeed.api.schemas import MAX_ID, EventDetail, EventList, Instant, Latitude, Longitude, SourceList
from contextfeed.db.models import Event, Source
from contextfeed.services.source_health import sources_health

router = APIRouter(tags=["events"])


@router.get("/v1/events", response_model=EventList, dependencies=[Depends(require("agent"))], responses=documented())
def list_events(
    app: AppDep,
    session: ReadSession,
    at: Annotated[Instant | None, Query(description="in force at this instant (default: now)")] = None,
    lat: Annotated[Latitude | None, Query(description="with lon and radius_km: near this point")] = None,
    lon: Annotated[Longitude | None, Query()] = None,
    radius_km: Annotated[float, Query(gt=0, le=20_000)] = 50.0,
    category: Annotated[str | None, Query(max_length=64, description="CAP category (Met, Geo, Safety ...)")] = None,
    source: Annotated[str | None, Query(max_length=100, description="source name")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict:
    """Events in force at an instant, optionally near a point, of a category, from a source; newest first."""
    if (lat is None) != (lon is None):
        raise ApiError(
            422, "lat and lon must be given together", field="lon" if lon is None else "lat", location="query"
        )
    query = select(Event).where(in_force(instant(app, at)))
    if category:
        query = query.where(func.lower(Event.category) == category.lower())
    if source:
        query = query.join(Source, Source.id == Event.source_id).where(Source.name == source)
    if lat is not None:
        events = [event for event, _ in events_near(session, query, lat=lat, lon=lon, radius_km=radius_km)][:limit]
    else:
        events = list(session.scalars(query.order_by(Event.sent.desc(), Event.id.desc()).limit(limit)))
    return {"events": [event_json(event) | event_times_json(event) for event in events]}


@router.get(
    "/v1/events/{event_id}",
    response_model=EventDetail,
    dependencies=[Depends(require("agent"))],
    responses=documented(404),
)
def get_event(event_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: ReadSession) -> dict:
    """Everything stored about one event: texts, times, areas (with shapes and codes), references."""
    event = session.get(Event, event_id)
    if event is None:
        raise ApiError(404, f"no event {event_id}")
    return event_detail_json(event)


@router.get(
    "/v1/sources", response_model=SourceList, responses=documented(), dependencies=[Depends(require("agent", "dialer"))]
)
def list_sources(app: AppDep, session: ReadSession) -> dict:
    """Every configured or seen source with its health: a failing source keeps its flags, it is no all-clear."""
    return {"sources": sources_health(session, app.settings, now=app.clock.now())}
