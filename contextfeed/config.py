"""Settings: one typed object read from `config/contextfeed.toml`, overridable by environment variables."""

from __future__ import annotations

import os
import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, IPvAnyNetwork, ValidationError, field_validator

from contextfeed.domain.terms import Kind, Level, Trust, default_trust

# A rule may also say an event never flags (tests, administrative messages).
RuleLevel = Literal["do_not_chase", "caution", "info", "none"]

# The documented defaults, config/contextfeed.toml, travel inside the package (a link in a checkout, a copy in
# the wheel): an installed service with no config file of its own still has the policy, not an empty one.
DEFAULT_CONFIG = Path(__file__).resolve().parent / "defaults.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file, the key and the problem."""


class Strict(BaseModel):
    """Base for config sections: unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceSettings(Strict):
    """Where the service keeps its data and where it listens."""

    data_dir: str = "../data"
    database_url: str = ""
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    user_agent: str = "contextfeed/0.1 (call-centre emergency context; ops@example.com)"
    batch_niceness: Annotated[int, Field(ge=0, le=19)] = 10
    log_checks: bool = False


class FetchSettingsModel(Strict):
    """How feeds are fetched: timeouts, size limit, retries."""

    connect_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    read_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    max_body_mb: Annotated[float, Field(gt=0)] = 50.0
    attempts: Annotated[int, Field(ge=1, le=10)] = 4
    total_timeout_seconds: Annotated[float, Field(gt=0)] = 120.0
    allow_networks: list[IPvAnyNetwork] = []


class AccountsSettings(Strict):
    """Where accounts come from when the service starts (optional CSV in DESIGN.md's columns)."""

    csv: str = ""


class GeocoderSettings(Strict):
    """Offline gazetteer by default; the online tier only when asked for."""

    tier: Literal["offline", "online"] = "offline"
    provider: Literal["nominatim"] = "nominatim"
    user_agent: str = ""
    min_delay_seconds: Annotated[float, Field(ge=1.0)] = 1.0


class ScheduleSettings(Strict):
    """How often sources are crawled and expired flags swept."""

    interval_minutes: Annotated[float, Field(gt=0)] = 5.0
    jitter_seconds: Annotated[int, Field(ge=0)] = 30
    misfire_grace_seconds: Annotated[int, Field(ge=1)] = 120
    sweep_minutes: Annotated[float, Field(gt=0)] = 1.0
    leader_poll_seconds: Annotated[float, Field(gt=0)] = 15.0
    # While a source stays down, a WARNING naming it (and every other one down) this often.
    outage_summary_minutes: Annotated[float, Field(gt=0)] = 30.0


class SourceSettings(Strict):
    """One feed to crawl."""

    name: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.\-]+$")]
    kind: Kind
    url: str
    enabled: bool = True
    trust: Trust | None = None
    interval_minutes: Annotated[float, Field(gt=0)] | None = None
    # Other sources whose alerts this one may update, cancel or replace (a relay such as IPAWS
    # carrying a state agency's messages). Empty: a source only amends what it stored itself.
    may_amend: list[Annotated[str, Field(min_length=1)]] = []

    @property
    def effective_trust(self) -> str:
        """Configured trust, else the kind's default (alerting authorities official, news not)."""
        return self.trust or default_trust(self.kind)


# ISO 3166-2 ("US-TN") or ISO 3166-1 alpha-2 ("FR").
REGION_CODE_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$"
RegionCode = Annotated[str, Field(pattern=REGION_CODE_PATTERN)]


class NewsSettings(Strict):
    """How news text is read: the region each news source covers (a local paper's feed is about its area)."""

    # Source name -> its home region: names a story leaves open are read there ("Paris" in a Tennessee
    # paper), unless the story is about another country.
    home_regions: dict[str, RegionCode] = {}


class RuleSettings(Strict):
    """One policy rule: every listed criterion must hold (empty lists match anything).

    Values are case-insensitive shell patterns ("*.A", "* watch"). `event_codes`
    and `event_types` both say what the event is: its codes when it has any,
    its name only when it has none. Level "none" never flags.
    """

    name: Annotated[str, Field(min_length=1)]
    level: RuleLevel
    trust: list[Trust] = []
    kinds: list[Kind] = []
    categories: list[str] = []
    event_codes: list[str] = []
    event_types: list[str] = []
    severity: list[str] = []
    urgency: list[str] = []
    certainty: list[str] = []
    response_types: list[str] = []
    crisis: list[str] = []
    lasts_hours: Annotated[float, Field(gt=0)] | None = None
    linger_hours: Annotated[float, Field(ge=0)] = 0.0
    buffer_km: Annotated[float, Field(ge=0)] = 0.0
    max_distance_km: Annotated[float, Field(gt=0)] | None = None


class PolicySettings(Strict):
    """Which events give which flag level, and how long flags last."""

    news_max_level: Level = Level.CAUTION
    news_ttl_hours: Annotated[float, Field(gt=0)] = 24.0
    default_ttl_hours: Annotated[float, Field(gt=0)] = 24.0
    country_wide_max_level: Level = Level.INFO
    rules: list[RuleSettings] = []
    guidance: dict[Level, str] = {}
    crisis_keywords: dict[str, list[str]] = {}


class CallingSettings(Strict):
    """What the dialer is told about calling hours and unknown accounts."""

    hours_start: time = time(8, 0)
    hours_end: time = time(21, 0)
    unknown_account_suppress: bool = True
    unknown_location_suppress: bool = False

    @field_validator("hours_end")
    @classmethod
    def _end_after_start(cls, end: time, info) -> time:
        start = info.data.get("hours_start")
        if start is not None and end <= start:
            raise ValueError("must be later than hours_start")
        return end


class MapSettings(Strict):
    """The agent page's map: offline outlines always; an online tile layer only when configured."""

    # e.g. "https://tile.openstreetmap.org/{z}/{x}/{y}.png". Empty: no request leaves the agent's browser.
    tile_url: Annotated[str, Field(pattern=r"^(https://[^\s'\";]+)?$")] = ""
    tile_attribution: str = ""


class Settings(Strict):
    """Everything contextfeed is configured with."""

    service: ServiceSettings = ServiceSettings()
    accounts: AccountsSettings = AccountsSettings()
    fetch: FetchSettingsModel = FetchSettingsModel()
    geocoder: GeocoderSettings = GeocoderSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    calling: CallingSettings = CallingSettings()
    policy: PolicySettings = PolicySettings()
    map: MapSettings = MapSettings()
    news: NewsSettings = NewsSettings()
    sources: list[SourceSettings] = []
    config_path: Path | None = Field(default=None, exclude=True)

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceSettings]) -> list[SourceSettings]:
        names = [source.name for source in sources]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"source names must be unique; repeated: {', '.join(duplicated)}")
        return sources

    @property
    def data_dir(self) -> Path:
        """The data directory; a relative path is taken from the config file's folder."""
        path = Path(self.service.data_dir).expanduser()
        if not path.is_absolute() and self.config_path is not None:
            path = self.config_path.parent / path
        return path.resolve()

    @property
    def database_url(self) -> str:
        """The database URL; the embedded default is a SQLite file in the data directory."""
        return self.service.database_url or f"sqlite:///{self.data_dir / 'contextfeed.db'}"

    def source(self, name: str) -> SourceSettings | None:
        """The configured source of that name, if any."""
        return next((source for source in self.sources if source.name == name), None)

    @property
    def may_amend(self) -> dict[str, frozenset[str]]:
        """Source name -> the other sources whose alerts it may update, cancel or replace."""
        return {source.name: frozenset(source.may_amend) for source in self.sources if source.may_amend}


# Environment variable -> (section, key). CONTEXTFEED_CONFIG picks the file itself.
ENVIRONMENT_OVERRIDES = {
    "CONTEXTFEED_DATABASE_URL": ("service", "database_url"),
    "CONTEXTFEED_DATA_DIR": ("service", "data_dir"),
    "CONTEXTFEED_HOST": ("service", "host"),
    "CONTEXTFEED_PORT": ("service", "port"),
    "CONTEXTFEED_USER_AGENT": ("service", "user_agent"),
    "CONTEXTFEED_GEOCODER": ("geocoder", "tier"),
    "CONTEXTFEED_ACCOUNTS_CSV": ("accounts", "csv"),
}


def config_file(environ: dict[str, str] | os._Environ = os.environ) -> Path | None:
    """The config file to read: $CONTEXTFEED_CONFIG, else ./config/contextfeed.toml, else the packaged defaults."""
    explicit = environ.get("CONTEXTFEED_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    for candidate in (Path.cwd() / "config" / "contextfeed.toml", DEFAULT_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def load_settings(environ: dict[str, str] | os._Environ = os.environ) -> Settings:
    """Read the config file, apply environment overrides, validate; raises ConfigError with a readable message."""
    path = config_file(environ)
    raw: dict = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found (set by CONTEXTFEED_CONFIG)") from None
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{path}: not valid TOML: {error}") from None
    for variable, (section, key) in ENVIRONMENT_OVERRIDES.items():
        if environ.get(variable):
            raw.setdefault(section, {})[key] = environ[variable]
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, origin=str(path or "defaults"))) from None
    if path is not None:
        settings = settings.model_copy(update={"config_path": anchor(path)})
    return settings


def anchor(path: Path) -> Path:
    """Where relative paths of a config file start from: its own folder, except for the installed defaults.

    In a checkout the defaults are a link to config/contextfeed.toml and resolve to it. Installed from a
    wheel they are a file inside site-packages: they then behave as if copied to ./config/, so the data
    directory is ./data of the folder the service runs in, never a folder inside the installation.
    """
    resolved = path.resolve()
    if path == DEFAULT_CONFIG and not DEFAULT_CONFIG.is_symlink():
        return Path.cwd().resolve() / "config" / "contextfeed.toml"
    return resolved


def describe_validation_error(error: ValidationError, *, origin: str) -> str:
    """One line per problem, each naming the dotted key ("policy.rules[2].level") and what is wrong."""
    lines = []
    for problem in error.errors():
        key = ""
        for part in problem["loc"]:
            key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            message = "unknown key"
        lines.append(f"{origin}: {key or '(top level)'}: {message}")
    return "\n".join(lines)
