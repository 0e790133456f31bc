"""The plan state's payment-time column (``features.plan_state.EXPECTED_DAYS_LATE``) for the plan
learner's checkpoints, fitted out of fold so that no checkpoint reads its own debtor's labels.

The column is the payment-time model's expected days late of the debtor's oldest overdue invoice.
Computed for training with a model fitted on the same ledger, a checkpoint's value would have
seen how that very debtor paid, after the checkpoint too: the learner would trust the column
more than it deserves. So it is cross-fitted: the ledger's debtors fall into ``folds`` groups by
a fixed hash of their id; per group, a days-late booster (:func:`training.payment_time.
fit_days_late`, on :func:`features.training_set.payment_time_table` rows as of issue and as of
later contacts, the registered model's rows) is fitted on the other groups' invoices, and each
checkpoint is predicted by the booster that never saw its debtor. A group whose booster would
learn from fewer than ``MIN_LABELLED`` paid invoice rows gets NaN (what the learner also sees
for a debtor with nothing overdue). Other debtors' labels do move a debtor's column, as they
move the registered model; the debtor's own reach it only through the creditor's pooled
response rates, which every feature row carries.

Serving uses the full registered model instead (``serving.api.payment_time``), as stacking does:
out of fold in training, the model fitted on everything when answering, whose errors on a new
checkpoint are those the out-of-fold columns showed the learner. A ledger plan champion replayed in
a simulated world is served so too (:func:`registered_days_late`).
"""

from __future__ import annotations

import logging

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from features.loading import LedgerFrames
from features.plan_state import DaysLatePredictor, ModelDaysLate
from features.specs import payment_time_feature_names
from features.training_set import payment_time_table
from training.payment_time import MODEL_NAME, PaymentTimeConfig, fit_days_late

log = logging.getLogger(__name__)

FOLDS = 3
MIN_LABELLED = 60
CROSS_FIT = PaymentTimeConfig(complexity_grid=())
"""The boosters' settings: the registered model's, without its search over complexities (three
boosters per ledger instead of one; the search would triple their cost)."""


def debtor_folds(debtor_ids: NDArray[np.int64], folds: int = FOLDS) -> NDArray[np.int64]:
    """Each debtor's group, from its id alone (the same every run, and for every row of it)."""
    ids = np.asarray(debtor_ids, dtype=np.uint64)
    mixed = (ids * np.uint64(0x9E3779B1)) % np.uint64(2**32)  # ids in sequence spread over groups
    return (mixed % np.uint64(folds)).astype(np.int64)


def out_of_fold_days_late(
    frames: LedgerFrames, folds: int = FOLDS, config: PaymentTimeConfig = CROSS_FIT
) -> DaysLatePredictor:
    """A predictor over feature rows of invoices (``features.plan_state.expected_days_late``'s)
    that predicts each row with the booster fitted without the row's debtor (see the module's
    docstring; NaN for a group without enough paid invoices elsewhere)."""
    if folds < 2:
        raise ValueError(f"folds: {folds}, at least 2 are needed to hold a debtor out")
    names = payment_time_feature_names()
    table = payment_time_table(frames, at_decisions=True)
    paid = table[table["days_late"].notna()].sort_values("issue_ts", kind="stable")
    group = debtor_folds(paid["debtor_id"].to_numpy(), folds)
    boosters: list[lgb.Booster | None] = []
    for k in range(folds):
        train = paid[group != k]
        if len(train) < MIN_LABELLED:
            log.info("days-late group %d: %d paid rows elsewhere, its column is NaN", k, len(train))
            boosters.append(None)
            continue
        boosters.append(fit_days_late(train[names], train, config))

    def predict(rows: pd.DataFrame) -> pd.Series:
        out = np.full(len(rows), np.nan)
        at = debtor_folds(rows["debtor_id"].to_numpy(), folds)
        for k, booster in enumerate(boosters):
            mine = at == k
            if booster is not None and mine.any():
                out[mine] = np.asarray(booster.predict(rows.loc[mine, names]), dtype=float)
        return pd.Series(np.clip(out, 0.0, None), index=rows.index)

    return predict


def registered_days_late(alias: str = "champion") -> DaysLatePredictor | None:
    """The registered payment-time model (``payment-time@<alias>`` in the current MLflow registry)
    as a predictor, as the scoring API uses it; None when none is registered or it does not load
    (the column is NaN then, as in serving)."""
    import mlflow

    uri = f"models:/{MODEL_NAME}@{alias}"
    try:
        model = mlflow.pyfunc.load_model(uri)
    except Exception as err:  # nothing registered: served without the column's value too
        log.info("no payment-time model at %s (%s): the plan state's days late are NaN", uri, err)
        return None
    return ModelDaysLate(model)
