"""The payment-time model against a plain LightGBM over as-of customer history (issue: cold start).

The baseline's features are point in time (a later settlement never reaches an earlier invoice),
and on the IBM sample the model matches or beats it at every chronological cut from 70 % to 85 %:
at no cut is it worse by a paired bootstrap over customers (the 95 % interval of the difference
wholly on the worse side of 0), a judgement that does tell a worse model.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from dunflow.cli import app
from features import load_frames
from tests.features.synthetic_ledger import synthetic_frames
from training.payment_time_baseline import compare_at_cuts, history_features, paired_differences


def test_history_features_only_see_invoices_settled_before_issue() -> None:
    frames = synthetic_frames(400, seed=3, span_days=200)
    ids = frames.invoices["invoice_id"]
    before = history_features(frames, ids)
    inv = frames.invoices
    last_issue = inv["issue_ts"].max()
    # every payment after the last issue date moves to the far future: nothing may change
    later = inv["paid_ts"] > last_issue - pd.Timedelta(days=30)
    cut = last_issue - pd.Timedelta(days=30)
    frames.invoices.loc[later, "paid_ts"] = last_issue + pd.Timedelta(days=365)
    after = history_features(frames, ids)
    early = (inv["issue_ts"] <= cut).to_numpy()
    pd.testing.assert_frame_equal(before[early], after[early])
    assert (before["n_settled"] > 0).mean() > 0.3  # the history is not empty


@pytest.mark.slow
@pytest.mark.realdata
def test_model_matches_or_beats_the_plain_baseline_on_the_ibm_sample(
    real_data: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'ibm.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", "--db", url]).exit_code == 0
    imported = runner.invoke(
        app,
        ["import", "invoices", str(real_data / "ibm_accounts_receivable.csv"), "--format", "ibm",
         "--creditor", "IBM", "--create-creditor", "--db", url],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.stderr
    rows = compare_at_cuts(load_frames(create_engine(url)))
    assert len(rows) == 4
    for row in rows:
        paired = row["paired"]
        assert isinstance(paired, dict)
        assert all(paired[m]["verdict"] != "worse" for m in paired), row
        assert row["n_test_customers"] > 20  # type: ignore[operator]
        got = paired["auc"]["difference"]
        assert got == pytest.approx(row["model_auc"] - row["baseline_auc"])  # type: ignore[operator]


def _held_out(n_customers: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels of invoices whose customers pay alike (three invoices each)."""
    rng = np.random.default_rng(seed)
    late_customer = rng.random(n_customers) < 0.4
    customer = np.repeat(np.arange(n_customers), 3)
    late = late_customer[customer].astype(float)
    days = np.where(late == 1, rng.integers(1, 30, customer.size), 0).astype(float)
    return late, days, customer


def test_the_paired_bootstrap_tells_better_worse_and_no_difference() -> None:
    late, days, customer = _held_out(200, seed=1)
    rng = np.random.default_rng(2)
    sharp = (np.clip(0.5 + 0.35 * (2 * late - 1) + rng.normal(0, 0.1, late.size), 0.01, 0.99),
             days + rng.normal(0, 1, late.size))  # fmt: skip
    blurred = (np.clip(0.5 + 0.05 * (2 * late - 1) + rng.normal(0, 0.2, late.size), 0.01, 0.99),
               days + rng.normal(0, 8, late.size))  # fmt: skip
    better = paired_differences(late, days, customer, sharp, blurred, draws=200)
    assert {m: v["verdict"] for m, v in better.items()} == dict.fromkeys(better, "better")
    assert better["auc"]["difference"] > 0
    assert better["logloss"]["difference"] < 0
    worse = paired_differences(late, days, customer, blurred, sharp, draws=200)
    assert {m: v["verdict"] for m, v in worse.items()} == dict.fromkeys(worse, "worse")
    same = paired_differences(late, days, customer, sharp, sharp, draws=200)
    assert all(v["ci95"] == [0.0, 0.0] for v in same.values())
    assert {m: v["verdict"] for m, v in same.items()} == dict.fromkeys(same, "no difference")


def test_resampling_customers_not_invoices_widens_the_interval() -> None:
    late, days, customer = _held_out(150, seed=3)
    rng = np.random.default_rng(4)
    # each model errs alike on one customer's invoices: the errors come in clusters
    a = (np.clip(0.5 + 0.2 * (2 * late - 1) + rng.normal(0, 0.2, 150)[customer], 0.01, 0.99), days)
    b = (np.clip(0.5 + 0.2 * (2 * late - 1) + rng.normal(0, 0.2, 150)[customer], 0.01, 0.99), days)
    by_customer = paired_differences(late, days, customer, a, b, draws=300)
    by_invoice = paired_differences(late, days, np.arange(late.size), a, b, draws=300)

    def width(d: dict[str, dict[str, object]]) -> float:
        lo, hi = d["logloss"]["ci95"]  # type: ignore[misc]
        return float(hi - lo)

    assert width(by_customer) > width(by_invoice)
