"""A debtor's state at a plan checkpoint, from the ledger: the debtor features of
:func:`features.build_features` plus what a dunning plan turns on, all as of the request's time.

``CHECKPOINT_FEATURES`` (from events strictly before ``as_of``, like every feature here):

- ``dpd``: days past the due date of the oldest invoice issued, due and not paid before ``as_of``
  (0 when none is overdue);
- ``contacts_recent``: contacts sent in the ``FATIGUE_DAYS`` before ``as_of``;
- ``episode_contacts``: contacts sent since the oldest overdue invoice fell due.

Beside them ``creditor``: the debtor's creditor (its ledger id, a category). A segment is the
creditor's own (two creditors' "zakelijk" are two segments, each with its own plan:
:func:`segment_keys`), and what works differs per creditor.

The plan learner trained from the ledger's decision log (``training.plan_ledger``) and the scoring
API that serves it read these same rows, so training and serving cannot drift apart.
"""

import numpy as np
import pandas as pd
from pandas.api.types import is_string_dtype

from features.build import build_features
from features.loading import LedgerFrames
from features.point_in_time import DAY
from features.specs import Entity, feature_names

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
)
"""The plan model's state columns (the debtor features, the segment and its creditor, the
checkpoint's)."""


def checkpoint_features(frames: LedgerFrames, requests: pd.DataFrame) -> pd.DataFrame:
    """``CHECKPOINT_FEATURES`` and ``CREDITOR`` per request ``[debtor_id, as_of]`` (same
    index)."""
    f = frames.normalised()
    req = pd.DataFrame(
        {
            "row": np.arange(len(requests)),
            "debtor_id": requests["debtor_id"].astype("int64").to_numpy(),
            "as_of": pd.to_datetime(requests["as_of"], utc=True).to_numpy(),
        }
    )
    req["as_of"] = pd.to_datetime(req["as_of"], utc=True)
    owner = f.debtors.set_index("debtor_id")["creditor_id"].astype("int64")
    creditor = req["debtor_id"].map(owner).astype("Int64").astype("str").to_numpy()
    levels = sorted(str(c) for c in owner.unique())  # the ledger's, never the rows asked for
    inv = f.invoices[["debtor_id", "issue_ts", "due_ts", "paid_ts"]].astype({"debtor_id": "int64"})
    due = req.merge(inv, on="debtor_id", how="inner")
    overdue = due[
        (due["issue_ts"] < due["as_of"])
        & (due["due_ts"] < due["as_of"])
        & (due["paid_ts"].isna() | (due["paid_ts"] >= due["as_of"]))
    ]
    oldest = overdue.groupby("row")["due_ts"].min()
    first_due = req["row"].map(oldest)
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


def plan_state(frames: LedgerFrames, requests: pd.DataFrame) -> pd.DataFrame:
    """The plan model's state rows (``PLAN_STATE_FEATURES``) per request ``[debtor_id, as_of]``,
    with the index of ``requests``."""
    rows = build_features(frames, requests[["debtor_id", "as_of"]])
    rows.index = requests.index
    extra = checkpoint_features(frames, requests)
    return pd.concat([rows, extra], axis=1)[list(PLAN_STATE_FEATURES)]
