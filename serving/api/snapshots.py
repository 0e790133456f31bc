"""Live feature rows: one snapshot per creditor and day, as of the start of that day (UTC).

Features pool over a creditor's debtors (response rates shrink toward the creditor's), so they are
built for the whole creditor at once with the same ``features.build_features`` that made the
training rows, from events strictly before the day began, and cached until the day changes (or a
debtor not in the snapshot is asked for). The first request of a day pays for the build (the
scheduler's morning cycle does); the rest read. Each snapshot is also kept encoded for the model
being served (:func:`policy.encoding.encode_base`), so a request only picks rows out of a matrix.
A plan champion reads the same rows with the checkpoint's features beside them
(:func:`features.plan_state.checkpoint_features`), built, encoded and scored for its model's plans
(:func:`policy.plan_encoding.encode_plan_states`) once per creditor, day and version on first use;
for a plan model that reads ``EXPECTED_DAYS_LATE`` that build also asks the payment-time model
(:class:`serving.api.payment_time.PaymentTimeSource`, the version in force when the day's rows are
built), so a request never does.
"""

import threading
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy.engine import Engine

from features import build_features, load_frames
from features.loading import LedgerFrames
from features.plan_state import DaysLatePredictor, beside
from policy.encoding import EncodedBase, encode_base
from policy.model import OutcomeModels
from policy.plan_encoding import EncodedPlanStates, encode_plan_states
from policy.plan_pyfunc import PlanDunningPolicy
from serving.api.payment_time import PaymentTimeSource, reads_days_late


class FeatureSnapshots:
    def __init__(self, engine: Engine, payment_time: PaymentTimeSource | None = None) -> None:
        """``payment_time``: the days-late model of the plan state (None: the configured one)."""
        self.engine = engine
        self.payment_time = payment_time or PaymentTimeSource.configured()
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[pd.Timestamp, pd.DataFrame]] = {}
        self._frames: dict[int, LedgerFrames] = {}  # what the day's snapshot was built from
        self._plan: dict[tuple[int, str], tuple[pd.Timestamp, EncodedPlanStates]] = {}
        self._encoded: dict[tuple[int, str], tuple[pd.Timestamp, EncodedBase]] = {}

    @staticmethod
    def day_start(now: datetime) -> pd.Timestamp:
        return pd.Timestamp(now).tz_convert("UTC").floor("D")

    @staticmethod
    def _same_day(as_of: pd.Timestamp, now: datetime) -> bool:
        """``now`` falls on the day that starts at ``as_of``: compared as a date, since building
        the pandas timestamp of :meth:`day_start` costs more than the lookup it guards."""
        return bool(as_of.date() == now.astimezone(UTC).date())

    def _snapshot(
        self, creditor_id: int, creditor_name: str, debtor_ids: list[int], as_of: pd.Timestamp
    ) -> pd.DataFrame:
        cached = self._cache.get(creditor_id)
        if cached is None or cached[0] != as_of or not set(debtor_ids) <= set(cached[1].index):
            frames = load_frames(self.engine, creditor_name)
            cached = (as_of, self.build(frames, as_of))
            self._cache[creditor_id] = cached
            self._frames[creditor_id] = frames
            self._plan = {k: v for k, v in self._plan.items() if k[0] != creditor_id}
            self._encoded = {k: v for k, v in self._encoded.items() if k[0] != creditor_id}
        return cached[1]

    def base(
        self, creditor_id: int, creditor_name: str, debtor_ids: list[int], now: datetime
    ) -> pd.DataFrame:
        """Feature rows (index: debtor id) of these debtors as of the start of ``now``'s day."""
        with self._lock:
            frame = self._snapshot(creditor_id, creditor_name, debtor_ids, self.day_start(now))
        return frame.loc[debtor_ids]

    def plan_base(
        self,
        creditor_id: int,
        creditor_name: str,
        debtor_ids: list[int],
        now: datetime,
        policy: PlanDunningPolicy,
        version: str,
    ) -> EncodedPlanStates:
        """The creditor's plan state rows (``PLAN_STATE_FEATURES``, index: debtor id) as of the
        start of ``now``'s day, encoded for ``policy``'s model (served as ``version``; the
        plan-logging policy's, which has none, as they are)."""
        with self._lock:
            key = (creditor_id, version)
            hit = self._plan.get(key)
            if (
                hit is not None
                and self._same_day(hit[0], now)
                and all(d in hit[1].rows.index for d in debtor_ids)
            ):
                return hit[1]
            as_of = self.day_start(now)
            frame = self._snapshot(creditor_id, creditor_name, debtor_ids, as_of)
            days_late = self._days_late(policy)
            rows = self.plan_rows(self._frames[creditor_id], frame, as_of, days_late)
            states = (  # the plan-logging policy (no model) reads the rows as they are
                EncodedPlanStates(rows.copy(), None)
                if policy.model is None
                else encode_plan_states(policy.model, rows, policy)
            )
            self._plan[key] = (as_of, states)
            return states

    def _days_late(self, policy: PlanDunningPolicy) -> DaysLatePredictor | None:
        """The payment-time model, for a plan model that reads its column (a model saved before
        it, or the plan-logging policy, reads none: the registry is not asked)."""
        return self.payment_time.predictor() if reads_days_late(policy) else None

    def encoded(
        self,
        creditor_id: int,
        creditor_name: str,
        debtor_ids: list[int],
        now: datetime,
        models: OutcomeModels,
        version: str,
    ) -> EncodedBase:
        """The creditor's snapshot encoded for ``models`` (served as ``version``)."""
        key = (creditor_id, version)
        with self._lock:
            hit = self._encoded.get(key)
            if (
                hit is not None
                and self._same_day(hit[0], now)
                and all(d in hit[1].index for d in debtor_ids)
            ):
                return hit[1]
            as_of = self.day_start(now)
            frame = self._snapshot(creditor_id, creditor_name, debtor_ids, as_of)
            enc = encode_base(models, frame)
            self._encoded[key] = (as_of, enc)
            return enc

    @staticmethod
    def plan_rows(
        frames: LedgerFrames,
        built: pd.DataFrame,
        as_of: pd.Timestamp,
        days_late: DaysLatePredictor | None = None,
    ) -> pd.DataFrame:
        """Plan state rows: the feature rows :meth:`build` made from ``frames``, with the
        checkpoint's features and the payment-time model's (``days_late``; None: NaN) beside them
        (the batch engine builds them per bucket so)."""
        requests = pd.DataFrame({"debtor_id": built.index.to_numpy(), "as_of": as_of})
        return beside(frames, built, requests, days_late)

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
            self._encoded.clear()
            self._frames.clear()
            self._plan.clear()
