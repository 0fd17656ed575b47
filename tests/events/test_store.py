"""The event store writes a document at once, yet reads it item by item, as if each came on its own."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from contextfeed.db.engine import Database
from contextfeed.db.models import Event, EventAlias, EventAreaCode, Source
from contextfeed.events.store import EventStore, Lifetimes
from contextfeed.geo.model import Precision, ResolvedArea
from contextfeed.sources.model import Area, ParsedEvent, Reference

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
SENDER = "alerts@example.gov"


def message(external_id: str, *, minutes: int = 0, **fields) -> ParsedEvent:
    """A CAP-like message from SENDER, sent `minutes` after 11:00."""
    return ParsedEvent(
        source="test",
        kind="cap",
        external_id=external_id,
        sender=SENDER,
        sent=NOW - timedelta(hours=1) + timedelta(minutes=minutes),
        **fields,
    )


@pytest.fixture
def store_document(migrated):
    """Store documents (lists of parsed events) in one transaction each; returns the outcome."""
    database = Database.from_url(migrated)

    def store(events: list[ParsedEvent]):
        with database.write() as session:
            source = session.scalars(select(Source)).first()
            if source is None:
                source = Source(name="test", kind="cap", trust="official", created_at=NOW)
                session.add(source)
                session.flush()
            lifetimes = Lifetimes(official=timedelta(hours=6), news=timedelta(hours=2))
            return EventStore(session, resolve_area=county, lifetimes=lifetimes, now=NOW).store(
                source, [(event, None) for event in events]
            )

    yield store, database
    database.dispose()


def county(area: Area) -> ResolvedArea:
    """A fake resolver: every area is the county whose FIPS code is its description's length, repeated."""
    return ResolvedArea(
        Precision.COUNTY, description=area.description, county_fips=frozenset({str(len(area.description)) * 5})
    )


def stored(database: Database) -> dict[str, dict]:
    """Every stored event by external id, as plain values with its areas (and their codes) and references."""
    with database.read() as session:
        return {
            event.external_id: {
                "id": event.id,
                "headline": event.headline,
                "first_seen_at": event.first_seen_at,
                "valid_until": event.valid_until,
                "ended_by": event.ended_by,
                "references": [ref.ref_identifier for ref in event.references],
                "areas": [(area.description, [code.code for code in area.codes]) for area in event.areas],
            }
            for event in session.scalars(select(Event))
        }


def test_an_item_repeated_in_one_document_is_stored_once_and_its_later_version_wins(store_document):
    store, database = store_document
    outcome = store(
        [
            message("A", headline="first"),
            message("A", headline="first"),
            message("A", headline="second", areas=(Area(description="Suffolk"),)),
        ]
    )
    assert (outcome.new, outcome.unchanged, outcome.updated) == (1, 1, 1)
    (event,) = stored(database).values()
    assert (event["headline"], event["areas"]) == ("second", [("Suffolk", ["77777"])])
    assert outcome.changed == {event["id"]}


def test_an_alternate_id_given_earlier_in_the_document_finds_the_same_event(store_document):
    store, database = store_document
    outcome = store(
        [message("us1000", alternate_ids=("ci38",)), message("ci38", alternate_ids=("us1000",), headline="revised")]
    )
    assert (outcome.new, outcome.updated) == (1, 1)
    assert [event["headline"] for event in stored(database).values()] == ["revised"]
    with database.read() as session:
        assert sorted(session.scalars(select(EventAlias.alias))) == ["ci38", "us1000"]


def test_a_cancel_ends_an_alert_stored_later_in_the_same_document_but_counts_only_what_came_before(store_document):
    store, database = store_document
    cancel = message("A-cancel", minutes=30, msg_type="Cancel", references=(Reference(SENDER, "A", None),))
    outcome = store([cancel, message("A")])
    assert (outcome.new, outcome.cancelled) == (2, 0)
    alert = stored(database)["A"]
    assert alert["valid_until"] == NOW - timedelta(minutes=30)
    assert alert["ended_by"].startswith("cancelled by A-cancel")

    outcome = store(
        [message("A-cancel-again", minutes=40, msg_type="Cancel", references=(Reference(SENDER, "A", None),))]
    )
    assert outcome.cancelled == 1 and alert["id"] in outcome.changed


def test_an_update_rewrites_the_stored_row_its_areas_and_references(store_document):
    store, database = store_document
    store(
        [
            message(
                "A",
                areas=(Area(description="Suffolk"), Area(description="Norfolk")),
                references=(Reference(SENDER, "older", None),),
            )
        ]
    )
    first = stored(database)["A"]
    assert first["references"] == ["older"]
    outcome = store([message("A", headline="moved", areas=(Area(description="Essex"),))])
    assert (outcome.new, outcome.updated) == (0, 1)
    event = stored(database)["A"]
    assert (event["id"], event["headline"], event["first_seen_at"]) == (first["id"], "moved", first["first_seen_at"])
    assert (event["areas"], event["references"]) == ([("Essex", ["55555"])], [])
    with database.read() as session:
        assert sorted(session.scalars(select(EventAreaCode.code))) == ["55555"]
