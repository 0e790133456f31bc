"""Leakage tests that cannot be fooled: rewrite the future, the past must not move.

For a time t, features as of t are built on a ledger; then every event at or after t is deleted,
altered or supplemented (payments of the very invoices asked about, contacts, outcomes, dossier
events, new invoices) and the features must be bit-identical. The last tests prove the check has
teeth: a ``<=`` slip, or a lateness stamped at the due date instead of the payment date, is caught.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features import debtor_history, point_in_time
from features.build import build_features
from features.loading import LedgerFrames
from features.training_set import decision_requests, invoice_issue_requests
from tests.features.mutations import MODES, mutate_future
from tests.features.synthetic_ledger import synthetic_frames


def _requests_at(frames: LedgerFrames, t: pd.Timestamp, seed: int) -> pd.DataFrame:
    """Every debtor as of t: with an invoice issued by t, one issued exactly at t, and none."""
    rng = np.random.default_rng(seed)
    inv = frames.invoices
    known = inv[inv["issue_ts"] <= t].groupby("debtor_id")["invoice_id"].max()
    deb = frames.debtors["debtor_id"]
    rows = pd.DataFrame({"debtor_id": deb, "invoice_id": known.reindex(deb).to_numpy()})
    rows = pd.concat([rows, rows.assign(invoice_id=pd.NA)], ignore_index=True)
    rows["invoice_id"] = rows["invoice_id"].astype("Int64")
    rows["as_of"] = t
    rows["channel"] = rng.choice(["email", "sms", "letter", "phone", "robocall", "none"], len(rows))
    rows["tone"] = rng.choice(["friendly", "neutral", "firm"], len(rows))
    rows["send_at"] = t + pd.Timedelta(hours=9)
    return rows


def _leak_check(frames: LedgerFrames, t: pd.Timestamp, mode: str, seed: int) -> None:
    req = _requests_at(frames, t, seed)
    keep = frozenset(int(i) for i in req["invoice_id"].dropna())
    before = build_features(frames, req)
    after = build_features(mutate_future(frames, t, mode, seed=seed, keep_invoices=keep), req)
    pd.testing.assert_frame_equal(before, after, check_exact=True)


def _t_with_events_at(frames: LedgerFrames, seed: int) -> pd.Timestamp:
    """A day start on which some invoice is paid, so that events sit exactly at t."""
    paid = frames.invoices["paid_ts"].dropna().sort_values()
    return pd.Timestamp(paid.iloc[int(len(paid) * (0.3 + 0.4 * (seed % 7) / 7))])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), mode=st.sampled_from(MODES))
def test_future_events_never_change_features_as_of_t(seed: int, mode: str) -> None:
    frames = synthetic_frames(300, seed=seed, span_days=120, invoices_per_debtor=15)
    _leak_check(frames, _t_with_events_at(frames, seed), mode, seed)


@pytest.mark.parametrize("mode", MODES)
def test_future_events_never_change_features_at_an_arbitrary_instant(mode: str) -> None:
    frames = synthetic_frames(400, seed=7, span_days=120)
    _leak_check(frames, pd.Timestamp("2023-02-17 13:45:12.5", tz="UTC"), mode, seed=3)


def test_issue_date_rows_do_not_move_when_the_future_is_deleted() -> None:
    """The payment-time model's rows: each invoice as of its issue date, with the future cut."""
    frames = synthetic_frames(300, seed=11, span_days=90)
    requests = invoice_issue_requests(frames).sample(15, random_state=1)
    full = build_features(frames, requests)
    for i, row in requests.iterrows():
        cut = mutate_future(
            frames, row["as_of"], "delete", keep_invoices=frozenset({int(row["invoice_id"])})
        )
        alone = build_features(cut, requests.loc[[i]])
        pd.testing.assert_frame_equal(full.loc[[i]], alone, check_exact=True)


def test_a_decision_row_never_sees_its_own_outcome() -> None:
    """Features as of a contact's send time ignore that contact, its outcome and the payment."""
    frames = synthetic_frames(300, seed=5, span_days=90)
    requests = decision_requests(frames)
    with_outcome = requests[requests["contact_id"].isin(frames.outcomes["contact_id"].dropna())]
    assert len(with_outcome) > 10
    sample = with_outcome.sample(10, random_state=2)
    rows = build_features(frames, sample)
    for i, req in sample.iterrows():
        cid, inv_id = int(req["contact_id"]), int(req["invoice_id"])
        f = frames
        own_outcomes = f.outcomes["contact_id"] == cid
        assert (f.outcomes.loc[own_outcomes, "ts"] >= req["as_of"]).all()
        stripped = LedgerFrames(
            f.debtors,
            f.invoices.assign(
                paid_ts=f.invoices["paid_ts"].where(f.invoices["invoice_id"] != inv_id)
            ),
            f.contacts[f.contacts["contact_id"] != cid],
            f.contact_invoices[f.contact_invoices["contact_id"] != cid],
            f.outcomes[~own_outcomes],
            f.dossier,
        )
        pd.testing.assert_frame_equal(
            rows.loc[[i]], build_features(stripped, sample.loc[[i]]), check_exact=True
        )
    assert (
        rows["inv_reminders"] < sample.groupby("invoice_id")["contact_id"].transform("size") + 9
    ).all()


def test_the_check_catches_a_less_or_equal_slip(monkeypatch: pytest.MonkeyPatch) -> None:
    frames = synthetic_frames(300, seed=1, span_days=120, invoices_per_debtor=15)
    t = _t_with_events_at(frames, 1)
    _leak_check(frames, t, "delete", 1)  # sound as written
    monkeypatch.setattr(point_in_time, "ALLOW_EXACT_MATCHES", True)  # e <= t
    with pytest.raises(AssertionError):
        _leak_check(frames, t, "delete", 1)


def test_the_check_catches_lateness_stamped_at_the_due_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = debtor_history._settlements

    def leaky(f: LedgerFrames) -> pd.DataFrame:
        ev = real(f)
        ev["ts"] = f.invoices.loc[ev.index, "due_ts"]  # "late" is not known at the due date
        return ev

    frames = synthetic_frames(300, seed=2, span_days=120, invoices_per_debtor=15)
    monkeypatch.setattr(debtor_history, "_settlements", leaky)
    with pytest.raises(AssertionError):
        _leak_check(frames, _t_with_events_at(frames, 2), "alter", 2)
