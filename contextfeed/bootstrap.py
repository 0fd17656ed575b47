"""The one place that wires real dependencies: settings, clock, database, gazetteer, locator, HTTP fetcher.

Every part of the graph can be passed in (tests pass fakes); what is not passed is built on first use,
so a quick command stays quick. Also the process set-up the CLI and the API's workers share.
"""

from __future__ import annotations

import gc
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from contextfeed.clock import Clock, SystemClock
from contextfeed.config import Settings, load_settings

if TYPE_CHECKING:
    import httpx

    from contextfeed.db.engine import Database
    from contextfeed.events.store import Lifetimes
    from contextfeed.geo.areas import ResolvedArea
    from contextfeed.geo.gazetteer import Gazetteer
    from contextfeed.geo.geoparse import PlaceMention
    from contextfeed.geo.model import AccountAddress, Location
    from contextfeed.services.crawl import FetcherLike
    from contextfeed.sources.model import Area

# An alert over a metro area or a bulk check allocates a hundred thousand objects at once; at the
# default threshold (700 allocations) the collector runs hundreds of times for nothing: rows hold no cycles.
GC_THRESHOLDS = (50_000, 20, 10)


class AccountLocator(Protocol):
    """Places an account's address (offline gazetteer, or the online tier over it)."""

    def locate(self, address: AccountAddress) -> Location:
        """The most precise location the address supports."""
        ...


class NewsGeoparser(Protocol):
    """Finds place mentions in news text."""

    def parse(self, text: str, *, home: str | None = None) -> list[PlaceMention]:
        """The places named in `text`, with offsets; `home` is the region its source covers, when known."""
        ...


class App:
    """Everything a command, job or request needs; each part given, or built from the settings on first use."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        database: Database | None = None,
        gazetteer: Gazetteer | None = None,
        locator: AccountLocator | None = None,
        geoparser: NewsGeoparser | None = None,
        fetcher: FetcherLike | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._database = database
        self._gazetteer = gazetteer
        self._locator = locator
        self._geoparser = geoparser
        self._fetcher = fetcher
        self._webhook_client: httpx.Client | None = None

    @property
    def database(self) -> Database:
        """The database named by the settings."""
        if self._database is None:
            from contextfeed.db.engine import Database

            self._database = Database.from_url(self.settings.database_url)
        return self._database

    @property
    def gazetteer(self) -> Gazetteer:
        """The offline gazetteer, built into the data directory on first use (one per directory and process)."""
        if self._gazetteer is None:
            self._gazetteer = shared_gazetteer(self.settings.data_dir)
        return self._gazetteer

    @property
    def locator(self) -> AccountLocator:
        """Locates accounts: offline, then (when configured) the online geocoder for what is left unknown."""
        if self._locator is None:
            self._locator = self._build_locator()
        return self._locator

    def _build_locator(self) -> AccountLocator:
        from contextfeed.geo.locate import Locator

        offline = Locator(self.gazetteer)
        geocoder = self.settings.geocoder
        if geocoder.tier == "offline":
            return offline
        from contextfeed.db.geocode_cache import DatabaseGeocodeCache
        from contextfeed.geo.online import OnlineLocator, nominatim_geocoder

        agent = geocoder.user_agent or self.settings.service.user_agent
        cache = DatabaseGeocodeCache(self.database, provider=geocoder.provider, clock=self.clock)
        return OnlineLocator(offline, nominatim_geocoder(agent), cache, min_delay_seconds=geocoder.min_delay_seconds)

    @property
    def geoparser(self) -> NewsGeoparser:
        """The news geoparser over the gazetteer."""
        if self._geoparser is None:
            from contextfeed.geo.geoparse import Geoparser

            self._geoparser = Geoparser(self.gazetteer)
        return self._geoparser

    @property
    def fetcher(self) -> FetcherLike:
        """The crawler's fetcher over one shared HTTP client with the configured User-Agent."""
        if self._fetcher is None:
            from contextfeed.sources.http import Fetcher, FetchSettings, build_client

            fetch = self.settings.fetch
            settings = FetchSettings(
                user_agent=self.settings.service.user_agent,
                connect_timeout_s=fetch.connect_timeout_seconds,
                read_timeout_s=fetch.read_timeout_seconds,
                max_body_bytes=int(fetch.max_body_mb * 1024 * 1024),
                max_attempts=fetch.attempts,
                total_timeout_s=fetch.total_timeout_seconds,
                allow_networks=tuple(str(network) for network in fetch.allow_networks),
            )
            self._fetcher = Fetcher(build_client(settings), settings=settings)
        return self._fetcher

    @property
    def webhook_client(self) -> httpx.Client:
        """The HTTP client that delivers webhooks to dialers, with the configured User-Agent."""
        if self._webhook_client is None:
            import httpx

            self._webhook_client = httpx.Client(timeout=10.0, headers={"User-Agent": self.settings.service.user_agent})
        return self._webhook_client

    def close(self) -> None:
        """Close the HTTP clients this App built (the database pool stays for whoever shares it)."""
        if self._webhook_client is not None:
            self._webhook_client.close()
            self._webhook_client = None

    def resolve_area(self, area: Area) -> ResolvedArea:
        """An event area resolved against the gazetteer."""
        from contextfeed.geo.areas import resolve_area

        return resolve_area(area, self.gazetteer)

    @property
    def lifetimes(self) -> Lifetimes:
        """Default event lifetimes from the policy."""
        from contextfeed.events.store import Lifetimes

        policy = self.settings.policy
        return Lifetimes(
            official=timedelta(hours=policy.default_ttl_hours), news=timedelta(hours=policy.news_ttl_hours)
        )


@lru_cache(maxsize=4)
def shared_gazetteer(data_dir: Path) -> Gazetteer:
    """One read-only gazetteer per data directory and process: its indexes load once, however many Apps."""
    from contextfeed.geo.gazetteer import Gazetteer

    return Gazetteer.load(data_dir)


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    """An App from the given or configured settings and the given or system clock, every other part real."""
    return App(settings or load_settings(), clock=clock)


def collect_less() -> None:
    """Collect garbage after GC_THRESHOLDS allocations, not Python's default 700."""
    gc.set_threshold(*GC_THRESHOLDS)


def settle() -> None:
    """Take everything alive now (modules, settings, indexes) out of the collector's sight for good.

    A full collection walks every object alive. The half-million objects of SQLAlchemy, numpy and
    pydantic live as long as the process and are never garbage, yet each collection would walk them.
    """
    gc.freeze()
