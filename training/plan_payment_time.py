"""The payment-time model as an input of the plan learner in the simulator (issue 16, item 8).

In production the plan state carries ``expected_days_late``: what the registered payment-time
model expects of the debtor's oldest overdue invoice (:mod:`features.plan_state`). The simulator's
counterpart is fitted here on the history world the plan learner logs in (the creditor's past):
one LightGBM regressor per history, on one of two kinds of rows (``LearnerConfig.payment_time``):

* :func:`invoice_rows` ("issue"): every invoice of that world as of its issue date, with what the
  creditor knew then (segment, creditor, B2B or B2C, the invoice's amount, how many of the
  debtor's invoices were paid before and how late on average: ``FEATURES``), labelled with the
  days it was paid late, capped at ``CAP_DAYS`` (an invoice still open ``CAP_DAYS`` after its due
  date counts as the cap; one due later than that before the history's end and still open is
  left out: its label is not known yet). It learns from every invoice, the ones paid on time
  included, which the plan log never sees (a checkpoint is only passed by an overdue debtor);
* :func:`day_rows` ("days"): the plan state of the overdue debtors on some days of the history
  (all of ``STATE_FEATURES``), labelled with the days late at which the debtor's oldest overdue
  invoice was paid (days past due plus at most ``CAP_DAYS`` more): the registered model's rows as
  of later decisions.

At a checkpoint the column is the model's prediction from the state's own columns (for "issue",
read under the invoice's names: the overdue amount as the amount, the history as of then). The
plan model is fitted on get it out of fold: from a regressor fitted on the other half of the
history's debtors, so no training row's column has seen its own debtor's payments (stacking);
decisions in another world use the regressor fitted on all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from features.plan_state import EXPECTED_DAYS_LATE
from simulator.debtor_history import CATEGORICAL, STATE_FEATURES
from simulator.world import World

F = NDArray[np.float64]
CAP_DAYS = 60
FEATURES: tuple[str, ...] = (
    "segment",
    "creditor",
    "b2c",
    "log_overdue_eur",
    "prior_paid",
    "prior_mean_dpd",
)
"""The regressor's inputs, named as the plan state names them (for an invoice at issue:
``log_overdue_eur`` is its amount, the priors the debtor's invoices paid before its issue)."""
PARAMS = {
    "objective": "l1",  # the headline error is in days (the production model's choice too)
    "num_leaves": 15,
    "learning_rate": 0.05,
    "min_data_in_leaf": 40,
    "seed": 0,
    "deterministic": True,
    "num_threads": 1,
    "verbosity": -1,
}
ROUNDS = 200


def invoice_rows(world: World) -> pd.DataFrame:
    """Every invoice of ``world`` (after its run) as of its issue date: ``FEATURES``, ``debtor``
    and the label ``days_late`` (capped; invoices whose label is not known yet left out)."""
    pop, end = world.pop, world.cfg.days
    issue, due, paid = pop.inv_issue, pop.inv_due, world.inv_paid_day
    debtor = pop.inv_debtor
    # per invoice, the debtor's invoices paid strictly before its issue day (count, days late)
    inv = pd.DataFrame({"d": debtor, "issue": issue, "row": np.arange(debtor.size)})
    settled = pd.DataFrame({"d": debtor, "paid": paid, "dpd": paid - due})[paid >= 0]
    pairs = inv.merge(settled, on="d")
    before = pairs[pairs["paid"] < pairs["issue"]].groupby("row")["dpd"]
    prior_paid = inv["row"].map(before.size()).fillna(0).to_numpy(dtype=float)
    prior_dpd = inv["row"].map(before.mean()).fillna(0).to_numpy(dtype=float)
    late = np.where(paid >= 0, paid - due, end - due).clip(0, CAP_DAYS).astype(float)
    known = (paid >= 0) | (end - due >= CAP_DAYS)
    cred, b2c = pop.creditor[debtor], pop.b2c[debtor].astype(np.int64)
    rows = pd.DataFrame(
        {
            "segment": cred * 2 + b2c,
            "creditor": cred,
            "b2c": b2c,
            "log_overdue_eur": np.log1p(pop.inv_amount / 100.0),
            "prior_paid": prior_paid,
            "prior_mean_dpd": prior_dpd,
            "debtor": debtor,
            "days_late": late,
        }
    )
    return rows[known].reset_index(drop=True)


@dataclass(frozen=True)
class PaymentTime:
    """The history's regressor on all its debtors, and one per half of them (out of fold)."""

    full: lgb.Booster
    halves: tuple[lgb.Booster, lgb.Booster]  # [k]: fitted on the debtors not in half k
    features: tuple[str, ...] = FEATURES
    decide_on_halves: bool = False  # decisions read the halves' mean, as large as training's

    def column(self, state: pd.DataFrame) -> F:
        """``EXPECTED_DAYS_LATE`` for state rows of another world's debtors."""
        if self.decide_on_halves:
            return (self._predict(self.halves[0], state) + self._predict(self.halves[1], state)) / 2
        return self._predict(self.full, state)

    def out_of_fold(self, state: pd.DataFrame, debtor: NDArray[np.int64]) -> F:
        """``EXPECTED_DAYS_LATE`` for the history's own checkpoints, each from the regressor that
        did not see its debtor."""
        half = _half(debtor)
        out = np.empty(len(state))
        for k in (0, 1):
            at = np.flatnonzero(half == k)
            if at.size:
                out[at] = self._predict(self.halves[k], state.iloc[at])
        return out

    def with_column(self, state: pd.DataFrame) -> pd.DataFrame:
        return state.assign(**{EXPECTED_DAYS_LATE: self.column(state)})

    def _predict(self, booster: lgb.Booster, state: pd.DataFrame) -> F:
        x = state[list(self.features)].to_numpy(dtype=float)
        return np.asarray(booster.predict(x), dtype=float).clip(0, None)


def day_rows(world: World, states: pd.DataFrame, debtor: NDArray[np.int64],
             day: NDArray[np.int64]) -> pd.DataFrame:  # fmt: skip
    """Plan state rows of ``world``'s debtors on some days (``states``, with ``debtor`` and
    ``day`` per row, taken during the run) labelled, after the run, with the days late at which
    the debtor's oldest overdue invoice of that day was paid (``dpd`` plus the days it still took,
    those capped at ``CAP_DAYS``; rows whose label is not known yet left out)."""
    pop, paid, end = world.pop, world.inv_paid_day, world.cfg.days
    req = pd.DataFrame({"row": np.arange(len(states)), "d": debtor, "day": day})
    inv = pd.DataFrame({"d": pop.inv_debtor, "due": pop.inv_due, "paid": paid})
    pairs = req.merge(inv, on="d")
    overdue = pairs[
        (pairs["due"] < pairs["day"]) & ((pairs["paid"] < 0) | (pairs["paid"] >= pairs["day"]))
    ]
    oldest = overdue.sort_values(["row", "due"]).drop_duplicates("row").set_index("row")
    at = oldest.index.to_numpy()
    d_day, d_due, d_paid = (oldest[c].to_numpy() for c in ("day", "due", "paid"))
    still = np.where(d_paid >= 0, d_paid, end) - d_day
    known = (d_paid >= 0) | (end - d_day >= CAP_DAYS)
    rows = states.iloc[at[known]].reset_index(drop=True)
    late = (d_day - d_due + np.minimum(still, CAP_DAYS))[known]
    return rows.assign(debtor=debtor[at[known]], day=d_day[known], days_late=late.astype(float))


def _half(debtor: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.asarray(debtor, dtype=np.int64) % 2


def _fit(rows: pd.DataFrame, features: tuple[str, ...]) -> lgb.Booster:
    data = lgb.Dataset(
        rows[list(features)].to_numpy(dtype=float),
        rows["days_late"].to_numpy(dtype=float),
        feature_name=list(features),
        categorical_feature=[c for c in CATEGORICAL if c in features],
        free_raw_data=True,
    )
    return lgb.train(PARAMS, data, num_boost_round=ROUNDS)


def fit_payment_time(rows: pd.DataFrame, decide_on_halves: bool = False) -> PaymentTime:
    """The regressors on :func:`invoice_rows` or :func:`day_rows` of a history world (over the
    plan state's columns those rows carry)."""
    features = FEATURES if "stage" not in rows.columns else STATE_FEATURES
    half = _half(rows["debtor"].to_numpy())
    halves = (_fit(rows[half != 0], features), _fit(rows[half != 1], features))
    return PaymentTime(_fit(rows, features), halves, features, decide_on_halves)
