"""The plan learner's payment-time column is cross-fitted: a debtor's own labels never reach its
column (the booster that predicts it never saw the debtor), other debtors' do; too few paid
invoices elsewhere leave it NaN."""

from dataclasses import replace

import numpy as np
import pandas as pd

from features.build import build_features
from features.loading import LedgerFrames, empty_frames
from tests.features.synthetic_ledger import synthetic_frames
from training.payment_time import PaymentTimeConfig
from training.plan_days_late import debtor_folds, out_of_fold_days_late

FAST = PaymentTimeConfig(num_boost_round=30, learning_rate=0.2, complexity_grid=())
AS_OF = pd.Timestamp("2023-07-01", tz="UTC")


def _ledger(n_invoices: int) -> LedgerFrames:
    """A synthetic ledger without contacts: a debtor's payments then reach no other debtor's
    features (the creditor's pooled response rates are the only way they could)."""
    frames = synthetic_frames(n_invoices, seed=3, invoices_per_debtor=8)
    empty = empty_frames()
    return replace(frames, contacts=empty.contacts, contact_invoices=empty.contact_invoices,
                   outcomes=empty.outcomes)  # fmt: skip


def _later(frames: LedgerFrames, debtors: set[int]) -> LedgerFrames:
    """The same ledger where ``debtors`` paid what they paid after ``AS_OF`` 60 days later: their
    labels change, nothing known at ``AS_OF`` does."""
    inv = frames.invoices.copy()
    moved = inv["debtor_id"].isin(debtors) & (inv["paid_ts"] >= AS_OF)
    inv.loc[moved, "paid_ts"] += pd.Timedelta(days=60)
    return replace(frames, invoices=inv)


def _open_at(frames: LedgerFrames, debtor: int) -> pd.DataFrame:
    inv = frames.invoices
    mine = inv[(inv["debtor_id"] == debtor) & (inv["issue_ts"] < AS_OF)]
    return pd.DataFrame({"debtor_id": debtor, "invoice_id": mine["invoice_id"], "as_of": AS_OF})


def test_a_debtors_own_labels_never_move_its_column_other_debtors_do() -> None:
    frames = _ledger(800)
    debtors = frames.debtors["debtor_id"].to_numpy()
    group = debtor_folds(debtors)
    mine, other = int(debtors[group == 0][0]), int(debtors[group == 1][0])
    changed = _later(frames, {int(d) for d in debtors[group == 0]})
    asked = pd.concat([_open_at(frames, mine), _open_at(frames, other)], ignore_index=True)
    rows, rows_changed = build_features(frames, asked), build_features(changed, asked)
    pd.testing.assert_frame_equal(rows, rows_changed)  # nothing known at AS_OF changed
    before = out_of_fold_days_late(frames, config=FAST)(rows)
    after = out_of_fold_days_late(changed, config=FAST)(rows)
    own = (asked["debtor_id"] == mine).to_numpy()
    assert before.notna().all()
    np.testing.assert_array_equal(before[own], after[own])  # its own group's labels: unseen
    assert not np.allclose(before[~own], after[~own])  # another group's: learnt from


def test_too_few_paid_invoices_elsewhere_leave_the_column_missing() -> None:
    frames = _ledger(60)
    asked = _open_at(frames, int(frames.invoices["debtor_id"].iloc[0]))
    assert out_of_fold_days_late(frames, config=FAST)(build_features(frames, asked)).isna().all()


def test_the_groups_are_fixed_by_the_debtor_and_spread() -> None:
    ids = np.arange(1, 301, dtype=np.int64)
    np.testing.assert_array_equal(debtor_folds(ids), debtor_folds(ids.copy()))
    assert sorted(np.bincount(debtor_folds(ids)).tolist())[0] > 80  # no group nearly empty
