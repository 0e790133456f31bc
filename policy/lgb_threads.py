"""How many OpenMP threads a LightGBM prediction may use: one for a small batch of rows.

Unless told otherwise LightGBM wakes OpenMP's whole pool for every ``predict``, and for the few
rows of one answer that costs far more than the trees (measured: 7.8 ms of CPU against 0.18 ms for
three rows of a plan booster on 2 cores). Rows are scored independently, so the thread count never
changes a prediction or a SHAP value; only large batches (replay, the batch engine) gain from more.
"""

from typing import Any

SMALL_BATCH = 4096  # rows: below this one thread beats waking the pool


def threads(rows: int) -> dict[str, Any]:
    """The ``predict`` keyword arguments for a batch of ``rows`` rows."""
    return {"num_threads": 1} if rows < SMALL_BATCH else {}
