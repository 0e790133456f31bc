"""The checkpoint's features are point in time: events at or after ``as_of`` change nothing."""

from dataclasses import replace

import numpy as np
import pandas as pd

from features.loading import LedgerFrames, empty_frames
from features.plan_state import (
    EXPECTED_DAYS_LATE,
    PLAN_STATE_FEATURES,
    checkpoint_features,
    expected_days_late,
    plan_state,
    segment_keys,
)

T = pd.Timestamp("2026-03-01", tz="UTC")


def _frames(contacts: list[str], paid: str | None) -> LedgerFrames:
    empty = empty_frames()
    return replace(
        empty,
        debtors=pd.DataFrame(
            {"debtor_id": [1], "creditor_id": [7], "kind": "b2b", "segment": "", "country": "NL"}
            | {f"reach_{c}": True for c in ("email", "phone", "letter")}
        ),
        invoices=pd.DataFrame(
            {
                "invoice_id": [1, 2],
                "debtor_id": [1, 1],
                "creditor_id": [7, 7],
                "issue_ts": pd.to_datetime(["2026-01-01", "2026-02-01"], utc=True),
                "due_ts": pd.to_datetime(["2026-01-31", "2026-02-20"], utc=True),
                "paid_ts": pd.to_datetime([paid, None], utc=True),
                "amount": [100.0, 50.0],
            }
        ),
        contacts=pd.DataFrame(
            {
                "contact_id": range(len(contacts)),
                "debtor_id": 1,
                "ts": pd.to_datetime(contacts, utc=True),
                "channel": "email",
                "tone": "neutral",
                "stage": "reminder",
            }
        ),
    )


def test_checkpoint_features_as_of_a_day_ignore_what_came_after() -> None:
    req = pd.DataFrame({"debtor_id": [1], "as_of": [T]})
    seen = checkpoint_features(_frames(["2026-01-10", "2026-02-10", "2026-02-20"], None), req)
    assert seen.iloc[0].to_dict() == {
        "dpd": 29.0, "contacts_recent": 1.0, "episode_contacts": 2.0, "creditor": "7"
    }  # fmt: skip
    later = _frames(["2026-01-10", "2026-02-10", "2026-02-20", "2026-03-01", "2026-03-05"],
                    "2026-03-01")  # fmt: skip
    assert checkpoint_features(later, req).equals(seen)
    early = pd.DataFrame({"debtor_id": [1], "as_of": [pd.Timestamp("2026-01-15", tz="UTC")]})
    assert checkpoint_features(_frames([], None), early)["dpd"].tolist() == [0.0]  # none due
    paid = checkpoint_features(_frames(["2026-02-20"], "2026-02-25"), req)
    assert paid.iloc[0]["dpd"] == 9.0  # the oldest was paid: the next one's due date counts


def test_a_segment_is_its_creditors_own() -> None:
    """Two creditors' segments of one name are two segments (each with its own plan)."""
    state = pd.DataFrame(
        {
            "segment": pd.Categorical(["zakelijk", "zakelijk", "particulier"]),
            "creditor": pd.Categorical(["1", "2", "2"]),
        }
    )
    assert segment_keys(state) == ["1:zakelijk", "2:zakelijk", "2:particulier"]


def _by_invoice(rows: pd.DataFrame) -> pd.Series:
    """A stand-in payment-time model: ten days late per invoice id, asked as of the request."""
    assert (rows["as_of"] == rows["as_of"].iloc[0]).all()
    return rows["invoice_id"].astype(float) * 10 + rows["as_of"].dt.day


def test_expected_days_late_reads_the_oldest_overdue_invoice_as_of_the_checkpoint() -> None:
    req = pd.DataFrame({"debtor_id": [1, 1], "as_of": [T, T - pd.Timedelta(days=45)]}, index=[5, 9])
    late = expected_days_late(_frames([], None), req, _by_invoice)
    # invoice 1 (due 31 January) before invoice 2; on 15 January nothing was due yet
    assert late.index.tolist() == [5, 9]
    assert late.iloc[0] == 11.0
    assert np.isnan(late.iloc[1])
    paid_after = expected_days_late(_frames([], "2026-03-05"), req, _by_invoice)
    assert paid_after.equals(late)  # paid after the checkpoint: not known then
    paid_before = expected_days_late(_frames([], "2026-02-25"), req, _by_invoice)
    assert paid_before.iloc[0] == 21.0  # the oldest was paid: the next one overdue counts
    assert expected_days_late(_frames([], None), req, None).isna().all()  # no model: NaN


def test_the_plan_state_holds_the_payment_time_column() -> None:
    req = pd.DataFrame({"debtor_id": [1], "as_of": [T]})
    frames = _frames(["2026-02-10"], None)
    assert list(plan_state(frames, req).columns) == list(PLAN_STATE_FEATURES)
    assert np.isnan(plan_state(frames, req)[EXPECTED_DAYS_LATE].iloc[0])
    assert plan_state(frames, req, _by_invoice)[EXPECTED_DAYS_LATE].iloc[0] == 11.0
