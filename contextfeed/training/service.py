"""A replay ready to serve: its own database, the scenario's accounts, a key per scope, the clock and the API."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from contextfeed.bootstrap import App, build_app
from contextfeed.config import Settings
from contextfeed.db.api_keys import create_key
from contextfeed.db.migrate import upgrade
from contextfeed.dialer.webhooks import deliver_webhooks
from contextfeed.domain.terms import SCOPES
from contextfeed.services.accounts import import_accounts_file
from contextfeed.services.flags import sweep_expired
from contextfeed.services.ingest import IngestReport, ingest_document
from contextfeed.training.replay import RecordedDocument, Replay, ReplayClock, Scenario


@dataclass
class ReplayService:
    """A replay ready to serve: its App (on the replay's own database), the Replay and a key per scope."""

    app: App
    replay: Replay
    keys: dict[str, str]

    @contextmanager
    def running(self, *, paused: bool = False) -> Iterator[None]:
        """The replay clock (unless `paused`) and feeder running for the block, stopped and closed whatever happens."""
        self.replay.start(paused=paused)
        try:
            yield
        finally:
            self.replay.stop()
            self.app.close()


def replay_settings(settings: Settings, scenario: str) -> tuple[Settings, Path]:
    """A replay's settings and folder: its own SQLite file in <data_dir>/replay/<scenario>/, offline geocoding."""
    # data_dir itself is kept: the gazetteer index built there is reused, not built again.
    folder = settings.data_dir / "replay" / scenario
    service = settings.service.model_copy(update={"database_url": f"sqlite:///{folder / 'contextfeed.db'}"})
    # A demo or a drill must work without a network, and must not send addresses to an online geocoder.
    geocoder = settings.geocoder.model_copy(update={"tier": "offline"})
    return settings.model_copy(update={"service": service, "geocoder": geocoder}), folder


def ingest_recorded(app: App, document: RecordedDocument) -> IngestReport:
    """Ingest a recorded document through the live crawl's path, at the App's (replay) now, as the source's answer."""
    return ingest_document(app, document.source, document.result, kind=document.kind, as_answer=True)


def housekeeping(app: App) -> Callable[[], None]:
    """The scheduler's jobs but crawling, on the replay clock: the expiry sweep and webhook delivery."""

    def run() -> None:
        sweep_expired(app)
        deliver_webhooks(app, app.webhook_client)

    return run


def prepare_replay(settings: Settings, scenario: Scenario, *, start: datetime | None, speed: float) -> ReplayService:
    """Wipe and migrate the replay's database, import the scenario's accounts, make a key per scope."""
    replay_config, folder = replay_settings(settings, scenario.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    upgrade(replay_config.database_url)
    # Paused until running(): at 3600x, the seconds spent importing would skip hours of the scenario.
    clock = ReplayClock(start or scenario.first_instant, speed=speed, paused=True)
    app = build_app(replay_config, clock=clock)
    import_accounts_file(app, scenario.accounts)
    with app.database.write() as session:
        keys = {
            scope: create_key(session, name=f"replay-{scope}", scope=scope, now=clock.now()).key for scope in SCOPES
        }
    replay = Replay(
        scenario, clock, ingest=lambda document: ingest_recorded(app, document), housekeeping=housekeeping(app)
    )
    return ReplayService(app, replay, keys)
