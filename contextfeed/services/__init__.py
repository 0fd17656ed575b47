"""Use cases: each takes a session (or the App) and data in, and returns data; the caller owns the transaction."""
