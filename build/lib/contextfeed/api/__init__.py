"""The HTTP API (FastAPI) over the stored flags, events and accounts; see `create_api`."""
