"""A debtor's state at a plan checkpoint, from the ledger: the debtor features of
:func:`features.build_features` plus what a dunning plan turns on, all as of the request's time.

``CHECKPOINT_FEATURES`` (from events strictly before ``as_of``, like every feature here):

- ``dpd``: days past the due date of the oldest invoice issued, due and not paid before ``as_of``
  (0 when none is overdue);
- ``contacts_recent``: contacts sent in the ``FATIGUE_DAYS`` before ``as_of``;
- ``episode_contacts``: contacts sent since the oldest overdue invoice fell due.

and ``EXPECTED_DAYS_LATE``: the payment-time model's expected days late (its ``days_late``
output) of the debtor's oldest overdue invoice, from that invoice's features as of ``as_of``
(:func:`expected_days_late`); NaN when nothing is overdue or no model is given. This module never
loads a model: the caller hands it a predictor over :func:`features.build_features` rows of
invoices (serving the registered model, training an out-of-fold one, ``training.plan_days_late``).

Beside them ``creditor``: the debtor's creditor (its ledger id, a category). A segment is the
creditor's own (two creditors' "zakelijk" are two segments, each with its own plan:
:func:`segment_keys`), and what works differs per creditor.

The plan learner trained from the ledger's decision log (``training.plan_ledger``) and the scoring
API that serves it read these same rows, so training and serving cannot drift apart.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_string_dtype

from features.build import build_features
from features.loading import LedgerFrames
from features.point_in_time import DAY
from features.specs import Entity, feature_names, payment_time_feature_names

FATIGUE_DAYS = 14
CHECKPOINT_FEATURES: tuple[str, ...] = ("dpd", "contacts_recent", "episode_contacts")
CREDITOR = "creditor"
EXPECTED_DAYS_LATE = "expected_days_late"
"""What the payment-time model expects of the debtor's overdue claim, in days late: an input of
the plan model (issue 16, item 8)."""
PLAN_STATE_FEATURES: tuple[str, ...] = (
    *(n for n in feature_names([Entity.DEBTOR]) if n != "segment"),
    "segment",
    CREDITOR,
    *CHECKPOINT_FEATURES,
    EXPECTED_DAYS_LATE,
)
"""The plan model's state columns (the debtor features, the segment and its creditor, the
checkpoint's, the payment-time model's); a model keeps its own list, so one saved before a column
was added reads the rows as it always did."""

DaysLatePredictor = Callable[[pd.DataFrame], pd.Series]
"""Expected days late per :func:`features.build_features` row of an invoice (same index)."""


class ModelDaysLate:
    """The predictor of a loaded payment-time model (the registered pyfunc: ``predict`` of
    feature rows gives ``days_late``), never below 0; the caller loads it, this module never
    does. An object, not a closure, so a batch engine can ship it to its workers."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def __call__(self, rows: pd.DataFrame) -> pd.Series:
        out = self.model.predict(rows[payment_time_feature_names()])
        days = out["days_late"] if isinstance(out, pd.DataFrame) else out
        return pd.Series(np.asarray(days, dtype=float), index=rows.index).clip(lower=0.0)


def _requests(requests: pd.DataFrame) -> pd.DataFrame:
    req = pd.DataFrame(
        {
            "row": np.arange(len(requests)),
            "debtor_id": requests["debtor_id"].astype("int64").to_numpy(),
            "as_of": pd.to_datetime(requests["as_of"], utc=True).to_numpy(),
        }
    )
    req["as_of"] = pd.to_datetime(req["as_of"], utc=True)
    return req


def _oldest_overdue(f: LedgerFrames, req: pd.DataFrame) -> pd.DataFrame:
    """Per request row that has one, its oldest invoice issued, due and not paid before
    ``as_of`` (index: ``row``; columns ``invoice_id``, ``due_ts``); the earliest due date, then
    the earliest issued, then the lowest id, so a tie always picks the same one."""
    inv = f.invoices[["invoice_id", "debtor_id", "issue_ts", "due_ts", "paid_ts"]]
    due = req.merge(inv.astype({"debtor_id": "int64"}), on="debtor_id", how="inner")
    overdue = due[
        (due["issue_ts"] < due["as_of"])
        & (due["due_ts"] < due["as_of"])
        & (due["paid_ts"].isna() | (due["paid_ts"] >= due["as_of"]))
    ]
    ordered = overdue.sort_values(["row", "due_ts", "issue_ts", "invoice_id"], kind="stable")
    return ordered.drop_duplicates("row").set_index("row")[["invoice_id", "due_ts"]]


def expected_days_late(
    frames: LedgerFrames, requests: pd.DataFrame, predict: DaysLatePredictor | None
) -> pd.Series:
    """``EXPECTED_DAYS_LATE`` per request ``[debtor_id, as_of]`` (same index): ``predict`` on the
    features of the debtor's oldest overdue invoice as of ``as_of``; NaN where none is overdue
    or ``predict`` is None. Reads ``frames`` only (a creditor's, in serving)."""
    values = np.full(len(requests), np.nan)
    out = pd.Series(values, index=requests.index, name=EXPECTED_DAYS_LATE)
    if predict is None or requests.empty:
        return out
    req = _requests(requests)
    oldest = _oldest_overdue(frames.normalised(), req)
    if oldest.empty:
        return out
    at = oldest.index.to_numpy()
    asked = pd.DataFrame(
        {
            "debtor_id": req["debtor_id"].to_numpy()[at],
            "invoice_id": oldest["invoice_id"].astype("int64").to_numpy(),
            "as_of": req["as_of"].iloc[at].to_numpy(),
        }
    )
    days = np.asarray(predict(build_features(frames, asked)), dtype=float)
    if days.shape != (len(asked),):
        raise ValueError(f"the days-late predictor gave {days.shape} values for {len(asked)} rows")
    values[at] = days
    return pd.Series(values, index=requests.index, name=EXPECTED_DAYS_LATE)


def checkpoint_features(frames: LedgerFrames, requests: pd.DataFrame) -> pd.DataFrame:
    """``CHECKPOINT_FEATURES`` and ``CREDITOR`` per request ``[debtor_id, as_of]`` (same
    index)."""
    f = frames.normalised()
    req = _requests(requests)
    owner = f.debtors.set_index("debtor_id")["creditor_id"].astype("int64")
    creditor = req["debtor_id"].map(owner).astype("Int64").astype("str").to_numpy()
    levels = sorted(str(c) for c in owner.unique())  # the ledger's, never the rows asked for
    # reindexed, not mapped: mapping by an empty series (nothing overdue) casts it to floats
    first_due = _oldest_overdue(f, req)["due_ts"].reindex(req["row"].to_numpy())
    first_due.index = req.index
    dpd = (req["as_of"] - first_due).dt.days.fillna(0)
    con = f.contacts[["debtor_id", "ts"]].astype({"debtor_id": "int64"})
    sent = req.assign(first_due=first_due).merge(con, on="debtor_id", how="inner")
    sent = sent[sent["ts"] < sent["as_of"]]
    recent = sent[sent["ts"] >= sent["as_of"] - FATIGUE_DAYS * DAY].groupby("row").size()
    episode = sent[sent["ts"] >= sent["first_due"]].groupby("row").size()
    out = pd.DataFrame(
        {
            "dpd": dpd.to_numpy(dtype=float),
            "contacts_recent": req["row"].map(recent).fillna(0).to_numpy(dtype=float),
            "episode_contacts": req["row"].map(episode).fillna(0).to_numpy(dtype=float),
            CREDITOR: pd.Categorical(creditor, categories=levels),
        },
        index=requests.index,
    )
    return out


def segment_keys(state: pd.DataFrame) -> list[str]:
    """Per plan state row, its segment as its creditor's own: ``"<creditor>:<segment>"``."""
    creditors = _texts(state[CREDITOR])
    return [f"{c}:{s}" for c, s in zip(creditors, _texts(state["segment"]), strict=True)]


def _texts(values: pd.Series) -> list[str]:
    """The column's values as ``astype("str")`` writes them (a missing one as "nan"), a text
    category looked up by its code: converting a categorical column to text cost ~0.1 ms even
    for the one row a scoring call asks about."""
    dtype = values.dtype
    if not isinstance(dtype, pd.CategoricalDtype) or not is_string_dtype(dtype.categories):
        # numbers are written as their column's dtype writes them (1.0 beside a missing one)
        return [str(v) for v in values.astype("str").tolist()]
    names = dtype.categories.tolist()
    return [str(names[code]) if code >= 0 else "nan" for code in values.array.codes.tolist()]


def plan_state(
    frames: LedgerFrames, requests: pd.DataFrame, days_late: DaysLatePredictor | None = None
) -> pd.DataFrame:
    """The plan model's state rows (``PLAN_STATE_FEATURES``) per request ``[debtor_id, as_of]``,
    with the index of ``requests``; ``days_late``: the payment-time model's predictor
    (:func:`expected_days_late`; None: that column is NaN)."""
    rows = build_features(frames, requests[["debtor_id", "as_of"]])
    rows.index = requests.index
    return beside(frames, rows, requests, days_late)


def beside(
    frames: LedgerFrames,
    built: pd.DataFrame,
    requests: pd.DataFrame,
    days_late: DaysLatePredictor | None = None,
) -> pd.DataFrame:
    """``PLAN_STATE_FEATURES`` from the debtor features ``built`` for ``requests`` (row for row,
    ``built``'s index kept): the checkpoint's features and the payment-time model's beside them
    (a snapshot builds its debtor features once and adds these)."""
    extra = checkpoint_features(frames, requests)
    extra[EXPECTED_DAYS_LATE] = expected_days_late(frames, requests, days_late).to_numpy()
    extra.index = built.index
    return pd.concat([built, extra], axis=1)[list(PLAN_STATE_FEATURES)]
