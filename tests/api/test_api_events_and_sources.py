"""Events (in force at an instant, near a point, by category and source), one event in full, sources' health."""

from datetime import UTC, datetime

from sqlalchemy import select

from contextfeed.db.models import Source


def event_ids(world, **params) -> list[int]:
    """The ids /v1/events answers for these filters."""
    response = world.client.get("/v1/events", params=params, headers=world.keys.agent)
    assert response.status_code == 200, response.text
    return [event["event_id"] for event in response.json()["events"]]


def test_events_in_force_now_newest_first(world):
    assert event_ids(world) == [world.shelter, world.drill]


def test_events_in_force_at_another_instant(world):
    assert event_ids(world, at="2013-04-15T20:00:00Z") == [world.bombing_news]
    assert event_ids(world, at="2013-04-21T00:00:00Z") == []


def test_events_near_a_point(world):
    watertown = {"lat": 42.3709, "lon": -71.1828}
    assert event_ids(world, **watertown, radius_km=1) == [world.shelter]
    new_york = {"lat": 40.7128, "lon": -74.0060}
    assert event_ids(world, **new_york, radius_km=100) == []
    assert event_ids(world, **new_york, radius_km=400) == [world.shelter, world.drill]


def test_events_by_category_and_source(world):
    assert event_ids(world, category="safety") == [world.shelter, world.drill]
    assert event_ids(world, category="Met") == []
    assert event_ids(world, source="regional-wire", at="2013-04-15T20:00:00Z") == [world.bombing_news]
    assert event_ids(world, source="mema", limit=1) == [world.shelter]


def test_half_a_point_is_422_naming_the_missing_half(world):
    response = world.client.get("/v1/events", params={"lat": 42.0}, headers=world.keys.agent)
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "lon"
    response = world.client.get("/v1/events", params={"lat": 95, "lon": 0}, headers=world.keys.agent)
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "lat"


def test_one_event_in_full(world):
    response = world.client.get(f"/v1/events/{world.shelter}", headers=world.keys.agent)
    assert response.status_code == 200
    event = response.json()
    assert event["headline"] == "Shelter in Place Warning" and event["response_types"] == ["Shelter"]
    assert event["valid_until"] == "2013-04-19T22:05:00Z" and event["instruction"].startswith("Stay indoors")
    assert event["areas"][0]["bbox"] == [42.33, -71.25, 42.42, -71.05]
    assert world.client.get("/v1/events/999", headers=world.keys.agent).status_code == 404
    assert world.client.get("/v1/events/0", headers=world.keys.agent).status_code == 422


def test_sources_report_their_health(world):
    with world.app.database.write() as session:
        mema = session.scalars(select(Source).where(Source.name == "mema")).one()
        mema.last_attempt_at = datetime(2013, 4, 19, 10, 59, tzinfo=UTC)
        mema.last_success_at = datetime(2013, 4, 19, 10, 50, tzinfo=UTC)  # 10 min: two of its 5-min intervals
        mema.consecutive_failures = 2
        mema.last_error = "timed out"
    sources = {
        source["name"]: source
        for source in world.client.get("/v1/sources", headers=world.keys.dialer).json()["sources"]
    }
    assert sources["mema"]["status"] == "failing" and sources["mema"]["last_error"] == "timed out"
    assert sources["mema"]["down_since"] == "2013-04-19T10:50:00Z"
    assert sources["mema"]["configured"] is False and sources["mema"]["trust"] == "official"
    assert sources["nws"]["status"] == "never_fetched" and sources["nws"]["configured"] is True
    with world.app.database.write() as session:
        session.scalars(select(Source).where(Source.name == "mema")).one().last_success_at = datetime(
            2013, 4, 19, 10, 44, tzinfo=UTC
        )  # 16 min: more than three intervals
    sources = {
        source["name"]: source
        for source in world.client.get("/v1/sources", headers=world.keys.dialer).json()["sources"]
    }
    assert sources["mema"]["status"] == "degraded"
