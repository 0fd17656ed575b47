"""The garbage collector tuned for bulk work, in the CLI and in the API's worker processes."""

from __future__ import annotations

import gc

# An alert over a metro area or a bulk check allocates a hundred thousand objects at once; at the
# default threshold (700 allocations) the collector runs hundreds of times for nothing: rows hold no cycles.
GC_THRESHOLDS = (50_000, 20, 10)


def collect_less() -> None:
    """Collect garbage after GC_THRESHOLDS allocations, not Python's default 700."""
    gc.set_threshold(*GC_THRESHOLDS)


def settle() -> None:
    """Take everything alive now (modules, settings, indexes) out of the collector's sight for good.

    A full collection walks every object alive. The half-million objects of SQLAlchemy, numpy and
    pydantic live as long as the process and are never garbage, yet each collection would walk them.
    """
    gc.freeze()
