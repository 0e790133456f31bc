"""Live feature rows: one snapshot per creditor and day, as of the start of that day (UTC).

Features pool over a creditor's debtors (response rates shrink toward the creditor's), so they are
built for the whole creditor at once with the same ``features.build_features`` that made the
training rows, from events strictly before the day began, and cached until the day changes.
The first request of a day pays for the build (the scheduler's morning cycle does); the rest read.
"""

import threading
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Engine

from features import build_features, load_frames
from features.loading import LedgerFrames


class FeatureSnapshots:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[pd.Timestamp, pd.DataFrame]] = {}

    @staticmethod
    def day_start(now: datetime) -> pd.Timestamp:
        return pd.Timestamp(now).tz_convert("UTC").floor("D")

    def base(
        self, creditor_id: int, creditor_name: str, debtor_ids: list[int], now: datetime
    ) -> pd.DataFrame:
        """Feature rows (index: debtor id) of these debtors as of the start of ``now``'s day."""
        as_of = self.day_start(now)
        with self._lock:
            cached = self._cache.get(creditor_id)
            if cached is None or cached[0] != as_of or not set(debtor_ids) <= set(cached[1].index):
                frames = load_frames(self.engine, creditor_name)
                cached = (as_of, self.build(frames, as_of))
                self._cache[creditor_id] = cached
        return cached[1].loc[debtor_ids]

    @staticmethod
    def build(frames: LedgerFrames, as_of: pd.Timestamp) -> pd.DataFrame:
        debtors = frames.debtors["debtor_id"].astype("int64")
        requests = pd.DataFrame({"debtor_id": debtors.to_numpy(), "as_of": as_of})
        rows = build_features(frames, requests)
        rows.index = pd.Index(requests["debtor_id"].to_numpy(), name="debtor_id")
        return rows

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
