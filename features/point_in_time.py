"""As-of joins: for each request (key, as_of), the state of an event stream strictly before as_of.

Two primitives carry every history feature:

- :func:`cumulate` turns a stream of events (key, ts, values) into running totals per key, in time
  order, so that the row of an event holds the totals *including* it;
- :func:`asof` picks, for each request, the last event row of its key with ``ts < as_of`` — a
  ``pandas.merge_asof`` with ``allow_exact_matches=False`` — and so its running totals.

Everything stays vectorised: a sort, a grouped cumulative op and one ``merge_asof`` per stream.
Requests must be sorted by ``as_of`` (:func:`sort_requests` does it and remembers the order).
The strictness lives in one place, :data:`ALLOW_EXACT_MATCHES`; the leakage tests flip it to prove
they would catch an ``e <= t`` slip. Never pass a request's own outcome in an event stream with a
timestamp before its decision.
"""

from collections.abc import Sequence
from typing import cast

import numpy as np
import pandas as pd

ALLOW_EXACT_MATCHES = False  # e < t. Only tests may change this, to prove they notice.
DAY = pd.Timedelta(days=1)
ROW = "_row"


def sort_requests(requests: pd.DataFrame) -> pd.DataFrame:
    """Requests sorted by as_of (stable), with their original position in ``_row``."""
    out = requests.reset_index(drop=True)
    out[ROW] = np.arange(len(out), dtype="int64")
    return out.sort_values("as_of", kind="stable").reset_index(drop=True)


def cumulate(
    events: pd.DataFrame,
    *,
    key: str,
    sums: Sequence[str] = (),
    maxes: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Running per-key sums and maxima in time order; ``keep`` columns pass through as they are.

    Ties (same key and ts) are all included in the last tied row, which is the one :func:`asof`
    picks, so the order among simultaneous events never matters.
    """
    ev = events.sort_values("ts", kind="stable").reset_index(drop=True)
    out = ev[[key, "ts", *keep]].copy()
    grouped = ev.groupby(key, sort=False)
    if sums:
        out[list(sums)] = grouped[list(sums)].cumsum()
    if maxes:
        out[list(maxes)] = grouped[list(maxes)].cummax()
    return out


def asof(
    requests: pd.DataFrame,
    stream: pd.DataFrame,
    *,
    key: str | None,
    columns: list[str],
    request_key: str | None = None,
) -> pd.DataFrame:
    """For each request (sorted by as_of), ``columns`` of the last stream row with ts < as_of.

    Rows with no earlier event get NaN/NA. The result is aligned with ``requests`` (same index).
    ``request_key`` names the key column in the requests when it differs from the stream's.
    """
    left_key = request_key or key
    left = requests[["as_of"]].copy()
    right = stream[["ts", *columns]].copy()
    by: str | None = None
    if key is not None and left_key is not None:
        by = "_key"
        left[by] = requests[left_key].to_numpy()
        right[by] = stream[key].to_numpy()
        valid = left[by].notna()
        if not bool(valid.all()):  # requests without a key (e.g. no invoice) match nothing
            left[by] = left[by].fillna(-1)
        left[by] = left[by].astype("int64")
        right[by] = right[by].astype("int64")
    right = right.sort_values("ts", kind="stable")
    merged = pd.merge_asof(
        left,
        right,
        left_on="as_of",
        right_on="ts",
        by=by,
        direction="backward",
        allow_exact_matches=ALLOW_EXACT_MATCHES,
    )
    merged.index = requests.index
    return merged[columns]


def first_at_or_after(
    left: pd.DataFrame, left_ts: str, right: pd.DataFrame, *, key: str, value: str
) -> pd.Series:
    """For each left row, the first right ``ts`` of the same key at or after ``left[left_ts]``.

    Used to resolve windows that start at an event (a contact, a promise) and end at the next
    payment; the caller must only *use* the answer once it lies before the as-of time.
    """
    lf = left[[key, left_ts]].reset_index()
    lf = lf.sort_values(left_ts, kind="stable")
    rt = right[[key, "ts"]].rename(columns={"ts": value}).sort_values(value, kind="stable")
    rt["_t"] = rt[value]
    merged = pd.merge_asof(
        lf,
        rt,
        left_on=left_ts,
        right_on="_t",
        by=key,
        direction="forward",
        allow_exact_matches=True,
    )
    return merged.set_index("index")[value].reindex(left.index)


def days_between(later: pd.Series, earlier: pd.Series) -> pd.Series:
    """(later − earlier) in days, as float64 (NaN where either is missing)."""
    return cast(pd.Series, (later - earlier) / DAY)  # type: ignore[operator]
