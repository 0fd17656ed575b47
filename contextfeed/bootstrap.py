"""The one place that wires real dependencies: settings, clock, database, gazetteer, HTTP client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property, lru_cache
from pathlib import Path

from contextfeed.clock import Clock, SystemClock
from contextfeed.config import Settings, load_settings
from contextfeed.db.engine import Database
from contextfeed.events.store import Lifetimes


@dataclass
class App:
    """Everything a command, job or request needs, built lazily so a quick command stays quick."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def database(self) -> Database:
        """The database named by the settings."""
        return Database.from_url(self.settings.database_url)

    @property
    def gazetteer(self):
        """The offline gazetteer, built into the data directory on first use."""
        return shared_gazetteer(self.settings.data_dir)

    @cached_property
    def locator(self):
        """Locates accounts: offline, then (when configured) the online geocoder for what is left unknown."""
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

    def resolve_area(self, area):
        """An event area resolved against the gazetteer."""
        from contextfeed.geo.areas import resolve_area

        return resolve_area(area, self.gazetteer)

    @cached_property
    def geoparser(self):
        """The news geoparser over the gazetteer."""
        from contextfeed.geo.geoparse import Geoparser

        return Geoparser(self.gazetteer)

    @cached_property
    def fetcher(self):
        """The crawler's fetcher over one shared HTTP client with the configured User-Agent."""
        from contextfeed.sources.http import FetchSettings, Fetcher, build_client

        fetch = self.settings.fetch
        settings = FetchSettings(
            user_agent=self.settings.service.user_agent, connect_timeout_s=fetch.connect_timeout_seconds,
            read_timeout_s=fetch.read_timeout_seconds, max_body_bytes=int(fetch.max_body_mb * 1024 * 1024),
            max_attempts=fetch.attempts, total_timeout_s=fetch.total_timeout_seconds,
            allow_networks=tuple(str(network) for network in fetch.allow_networks),
        )
        return Fetcher(build_client(settings), settings=settings)

    @property
    def lifetimes(self) -> Lifetimes:
        """Default event lifetimes from the policy."""
        policy = self.settings.policy
        return Lifetimes(official=timedelta(hours=policy.default_ttl_hours),
                         news=timedelta(hours=policy.news_ttl_hours))


@lru_cache(maxsize=4)
def shared_gazetteer(data_dir: Path):
    """One read-only gazetteer per data directory and process: its indexes load once, however many Apps."""
    from contextfeed.geo.gazetteer import Gazetteer

    return Gazetteer.load(data_dir)


def build_app(settings: Settings | None = None, *, clock: Clock | None = None) -> App:
    """An App from the given or configured settings and the given or system clock."""
    return App(settings=settings or load_settings(), clock=clock or SystemClock())
