"""The HTTP API (FastAPI) over the stored flags, events and accounts; see `create_api`."""

from typing import Literal, get_args

Scope = Literal["agent", "dialer", "admin"]
# Kept here, import-light, so the CLI can offer them without loading FastAPI.
SCOPES: tuple[str, ...] = get_args(Scope)
