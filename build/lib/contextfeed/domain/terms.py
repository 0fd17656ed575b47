"""The domain's closed sets of words: flag levels, source kinds and trust, API key scopes."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """What a flag asks of the people and machines that call, weakest first (so levels compare by rank)."""

    INFO = "info"
    CAUTION = "caution"
    DO_NOT_CHASE = "do_not_chase"

    @property
    def rank(self) -> int:
        """1 for info up to 3 for do_not_chase."""
        return LEVELS.index(self) + 1


LEVELS: tuple[Level, ...] = tuple(Level)


class Kind(StrEnum):
    """The document formats a source can publish."""

    CAP = "cap"
    NWS = "nws"
    USGS = "usgs"
    GDACS = "gdacs"
    FEMA = "fema"
    RSS = "rss"


KINDS: tuple[Kind, ...] = tuple(Kind)
# Official alerting authorities; everything else (news) is advisory unless configured as trusted.
OFFICIAL_KINDS = frozenset({Kind.CAP, Kind.NWS, Kind.USGS, Kind.GDACS, Kind.FEMA})


class Trust(StrEnum):
    """How far a source's word is taken: official alerts may suppress, news advises."""

    OFFICIAL = "official"
    NEWS = "news"


def default_trust(kind: str) -> Trust:
    """The trust a source of this kind gets unless the config says otherwise."""
    return Trust.OFFICIAL if kind in OFFICIAL_KINDS else Trust.NEWS


class Scope(StrEnum):
    """What an API key may do: read briefings, check suppression, administer."""

    AGENT = "agent"
    DIALER = "dialer"
    ADMIN = "admin"


SCOPES: tuple[Scope, ...] = tuple(Scope)
