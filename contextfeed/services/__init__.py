"""Use cases: each takes its data (or a session) in and returns data, owning its transaction."""
