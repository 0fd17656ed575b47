"""The online geocoder's answers, kept in the database so each address is asked once."""

from __future__ import annotations

import json
from dataclasses import asdict

from sqlalchemy import select

from contextfeed.clock import Clock
from contextfeed.db.engine import Database
from contextfeed.db.models import GeocodeCacheEntry
from contextfeed.geo.model import Location, Precision


class DatabaseGeocodeCache:
    """GeocodeCache on the geocode_cache table; each call is its own short transaction."""

    def __init__(self, database: Database, *, provider: str, clock: Clock) -> None:
        self.database = database
        self.provider = provider
        self.clock = clock

    def get(self, query: str) -> Location | None:
        """The cached answer for `query`, or None when it was never asked."""
        with self.database.read() as session:
            entry = session.scalars(
                select(GeocodeCacheEntry).where(
                    GeocodeCacheEntry.provider == self.provider, GeocodeCacheEntry.query == query
                )
            ).first()
        if entry is None or entry.result is None:
            return None
        values = json.loads(entry.result)
        return Location(**values | {"precision": Precision(values["precision"])})

    def put(self, query: str, location: Location) -> None:
        """Remember the answer (misses too, as precision unknown)."""
        with self.database.write() as session:
            session.add(
                GeocodeCacheEntry(
                    provider=self.provider,
                    query=query[:512],
                    result=json.dumps(asdict(location)),
                    created_at=self.clock.now(),
                )
            )
