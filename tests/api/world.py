"""A small, known world for API and page tests: accounts placed by a fake locator, and real events.

Its fixtures (`world`, `seeded_template`) are imported by the conftest of each folder that uses them.

Events are stored as rows and turned into flags by the real flag engine, so
the change log, the policy and the matcher are the ones the service runs.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from contextfeed.accounts.csvfile import AccountRecord
from contextfeed.api.app import create_api
from contextfeed.bootstrap import App
from contextfeed.clock import FixedClock
from contextfeed.config import Settings, load_settings
from contextfeed.db.api_keys import create_key
from contextfeed.db.migrate import upgrade
from contextfeed.db.models import Event, EventArea, EventAreaCode
from contextfeed.geo.model import UNKNOWN_LOCATION, AccountAddress, Location, Precision
from contextfeed.services.accounts import upsert_records
from contextfeed.services.ingest import flag_engine, stored_source
from tests.conftest import REPO, clone_database, template_url

# 2013-04-19, the Watertown shelter-in-place: 07:00 EDT, before calling hours open at 08:00.
NOW = datetime(2013, 4, 19, 11, 0, tzinfo=UTC)
BOMBING_DAY = datetime(2013, 4, 15, 20, 0, tzinfo=UTC)
SHELTER_POLYGON = [[42.33, -71.25], [42.42, -71.25], [42.42, -71.05], [42.33, -71.05], [42.33, -71.25]]

PLACES = {
    "watertown": Location(
        Precision.POSTAL,
        "postal_code",
        42.3709,
        -71.1828,
        "US",
        "US-MA",
        "25017",
        "Watertown",
        None,
        "02472",
        "America/New_York",
    ),
    "cambridge": Location(
        Precision.POSTAL,
        "postal_code",
        42.3625,
        -71.0843,
        "US",
        "US-MA",
        "25017",
        "Cambridge",
        None,
        "02139",
        "America/New_York",
    ),
    "boston": Location(
        Precision.POSTAL,
        "postal_code",
        42.3496,
        -71.0746,
        "US",
        "US-MA",
        "25025",
        "Boston",
        None,
        "02116",
        "America/New_York",
    ),
    "quincy": Location(
        Precision.POSTAL,
        "postal_code",
        42.2529,
        -71.0023,
        "US",
        "US-MA",
        "25021",
        "Quincy",
        None,
        "02169",
        "America/New_York",
    ),
    "manila": Location(
        Precision.CITY, "city_country", 14.5995, 120.9842, "PH", "PH-00", None, "Manila", None, None, "Asia/Manila"
    ),
}

ACCOUNTS = [
    AccountRecord("A001", "Back Bay Dental", "+16175550101", "500 Boylston St", "Boston", "MA", "02116", "US"),
    AccountRecord("A002", "R. Marshak", "+16175550102", "12 Mount Auburn St", "Watertown", "MA", "02472", "US"),
    AccountRecord("A003", "Kendall Labs", "+16175550103", "77 Massachusetts Ave", "Cambridge", "MA", "02139", "US"),
    AccountRecord("A004", "Quincy Hardware", "+16175550104", "1 Hancock St", "Quincy", "MA", "02169", "US"),
    AccountRecord("A009", "Makati Trading", "+6325550109", "Ayala Ave", "Manila", "", "", "PH"),
    AccountRecord("A020", "Watertown Annex", "+16175550102", "", "Watertown", "MA", "", "US"),
    AccountRecord("A099", "Nowhere Ltd", "", ""),
]


class FakeLocator:
    """Places accounts by city name from a fixed table; explicit coordinates win, as in the real one."""

    def locate(self, address: AccountAddress) -> Location:
        """The table's location for the city, or a point for lat/lon, or unknown."""
        if address.lat is not None and address.lon is not None:
            return Location(Precision.POINT, "lat_lon", address.lat, address.lon, timezone="America/New_York")
        return PLACES.get(address.city.strip().lower(), UNKNOWN_LOCATION)


def wait_for(condition, seconds: float = 5.0) -> None:
    """Return once `condition()` holds; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def make_app(settings: Settings | None = None, *, clock: FixedClock | None = None) -> App:
    """An App on the given settings (default: the test's environment), a fixed clock and the fake locator."""
    return App(settings or load_settings(), clock=clock or FixedClock(NOW), locator=FakeLocator())


def client_for(app: App) -> TestClient:
    """A TestClient that answers errors as a client sees them rather than raising them."""
    return TestClient(create_api(app), raise_server_exceptions=False)


@dataclass(frozen=True)
class Keys:
    """One key per scope, as Authorization headers."""

    agent: dict[str, str]
    dialer: dict[str, str]
    admin: dict[str, str]


def make_keys(app: App) -> Keys:
    """Create an agent, a dialer and an admin key."""
    with app.database.write() as session:
        made = {
            scope: create_key(session, name=f"test-{scope}", scope=scope, now=NOW).key
            for scope in ("agent", "dialer", "admin")
        }
    return Keys(**{scope: {"Authorization": f"Bearer {key}"} for scope, key in made.items()})


def add_accounts(app: App, records: list[AccountRecord] = ACCOUNTS) -> None:
    """Upsert accounts through the real store and compute their flags."""
    upsert_records(app, records)


def add_event(
    app: App,
    *,
    source: str,
    kind: str,
    external_id: str,
    headline: str,
    event_type: str,
    sent: datetime,
    until: datetime | None,
    polygons: list | None = None,
    circles: list | None = None,
    codes: dict[str, list[str]] | None = None,
    response_types: str = "",
    severity: str = "Severe",
    urgency: str = "Immediate",
    category: str = "Safety",
    crisis: str | None = None,
    status: str = "Actual",
    link: str = "",
    instruction: str = "",
    description: str = "",
) -> int:
    """Store one event with one area and let the real flag engine raise its flags; returns its id.

    The source is created with its kind's trust (cap official, rss news), as `ingest` does.
    """
    with app.database.write() as session:
        row = stored_source(session, app.settings, source, kind=kind, now=sent)
        box = bbox(polygons or [], circles or [])
        area = EventArea(
            position=0,
            description=description or headline,
            precision="point",
            polygons=json.dumps(polygons or []),
            circles=json.dumps(circles or []),
            min_lat=box[0] if box else None,
            min_lon=box[1] if box else None,
            max_lat=box[2] if box else None,
            max_lon=box[3] if box else None,
            codes=[
                EventAreaCode(code_type=kind_, code=code) for kind_, values in (codes or {}).items() for code in values
            ],
        )
        if codes and not polygons and not circles:
            area.precision = "county"
        event = Event(
            source_id=row.id,
            kind=kind,
            trust=row.trust,
            sender=f"{source}@example.org",
            external_id=external_id,
            status=status,
            msg_type="Alert",
            category=category,
            event_type=event_type,
            severity=severity,
            urgency=urgency,
            certainty="Observed",
            response_types=response_types,
            headline=headline,
            summary=f"{headline}.",
            instruction=instruction,
            sender_name=source.upper(),
            link=link,
            language="en",
            crisis_category=crisis,
            sent=sent,
            effective=sent,
            expires=until,
            valid_from=sent,
            valid_until=until,
            content_hash=hashlib.sha256(external_id.encode()).hexdigest(),
            first_seen_at=sent,
            last_seen_at=sent,
            areas=[area],
        )
        session.add(event)
        session.flush()
        flag_engine(app, session, now=sent).reconcile_events([event.id])
        return event.id


QUINCY = [[42.20, -71.05], [42.30, -71.05], [42.30, -70.95], [42.20, -70.95], [42.20, -71.05]]


def add_quincy_evacuation(app: App) -> int:
    """MEMA's evacuation order over Quincy (account A004), in force at NOW for six hours; its event id."""
    return add_event(
        app,
        source="mema",
        kind="cap",
        external_id="MEMA-EVAC-QUINCY",
        headline="Evacuation Order",
        event_type="Evacuation Immediate",
        response_types="Evacuate",
        sent=NOW - timedelta(minutes=5),
        until=NOW + timedelta(hours=6),
        polygons=[QUINCY],
    )


def bbox(polygons: list, circles: list) -> tuple[float, float, float, float] | None:
    """(min_lat, min_lon, max_lat, max_lon) of shapes, as the event store computes it."""
    lats = [lat for ring in polygons for lat, _ in ring] + [
        lat + sign * radius / 111.0 for lat, _, radius in circles for sign in (-1, 1)
    ]
    lons = [lon for ring in polygons for _, lon in ring] + [
        lon + sign * radius / 80.0 for _, lon, radius in circles for sign in (-1, 1)
    ]
    return (min(lats), min(lons), max(lats), max(lons)) if lats else None


@dataclass(frozen=True)
class Seeded:
    """What `seed` stored: keys per scope and the events' ids."""

    keys: Keys
    shelter: int
    bombing_news: int
    drill: int


def seed(app: App) -> Seeded:
    """Accounts, a shelter-in-place over Watertown/Cambridge/Boston, earlier bombing news, a test message."""
    add_accounts(app)
    shelter = add_event(
        app,
        source="mema",
        kind="cap",
        external_id="MEMA-SIP-1",
        headline="Shelter in Place Warning",
        event_type="Shelter in Place Warning",
        sent=datetime(2013, 4, 19, 10, 30, tzinfo=UTC),
        until=datetime(2013, 4, 19, 22, 5, tzinfo=UTC),
        polygons=[SHELTER_POLYGON],
        response_types="Shelter",
        description="Watertown; Cambridge; Boston",
        link="https://www.mass.gov/mema/alerts/sip-1",
        instruction="Stay indoors and keep doors locked.",
    )
    bombing = add_event(
        app,
        source="regional-wire",
        kind="rss",
        external_id="news-1",
        headline="Explosions at the Boston Marathon finish line",
        event_type="news",
        severity="Unknown",
        urgency="Unknown",
        category="Other",
        crisis="explosion",
        sent=datetime(2013, 4, 15, 19, 5, tzinfo=UTC),
        until=datetime(2013, 4, 16, 19, 5, tzinfo=UTC),
        circles=[[42.3601, -71.0589, 15.0]],
        link="https://news.example.org/marathon",
    )
    drill = add_event(
        app,
        source="mema",
        kind="cap",
        external_id="MEMA-TEST-1",
        headline="Test message",
        event_type="Test",
        status="Test",
        sent=datetime(2013, 4, 19, 9, 0, tzinfo=UTC),
        until=datetime(2013, 4, 19, 21, 0, tzinfo=UTC),
        circles=[[42.2529, -71.0023, 5.0]],
    )
    return Seeded(keys=make_keys(app), shelter=shelter, bombing_news=bombing, drill=drill)


@dataclass(frozen=True)
class World:
    """The seeded service: its App, a client, keys, and the ids of the events."""

    app: App
    client: TestClient
    keys: Keys
    shelter: int
    bombing_news: int
    drill: int


def seeded_database(url: str, *, config: str, data_dir: str) -> Seeded:
    """Migrate and seed a template database once, to be cloned for each test."""
    upgrade(url)
    app = make_app(
        load_settings({"CONTEXTFEED_CONFIG": config, "CONTEXTFEED_DATA_DIR": data_dir, "CONTEXTFEED_DATABASE_URL": url})
    )
    seeded = seed(app)
    app.database.dispose()
    return seeded


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory, data_dir) -> tuple[str, Seeded]:
    """The seeded database, built once per run."""
    url = template_url(tmp_path_factory.mktemp("seeded"))
    return url, seeded_database(url, config=str(REPO / "config" / "contextfeed.toml"), data_dir=str(data_dir))


@pytest.fixture
def world(environment, database_url, seeded_template) -> World:
    """The seeded service at 2013-04-19T11:00Z (07:00 in Boston), on this test's own copy of the database."""
    template, seeded = seeded_template
    clone_database(template, database_url)
    app = make_app()
    return World(
        app=app,
        client=client_for(app),
        keys=seeded.keys,
        shelter=seeded.shelter,
        bombing_news=seeded.bombing_news,
        drill=seeded.drill,
    )
