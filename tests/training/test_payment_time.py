"""The payment-time model: chronological protocol, label cutoff, baselines, MLflow registry."""

import json
from datetime import date
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from features.training_set import payment_time_table
from tests.features.mutations import mutate_future
from tests.features.synthetic_ledger import synthetic_frames
from training.payment_time import (
    EmptySplitError,
    PaymentTimeConfig,
    chronological_split,
    fit_payment_time,
    train_payment_time,
    training_rows,
)
from training.payment_time_run import run_payment_time

# its tests share a module-scoped fixture: one worker builds it once
pytestmark = pytest.mark.xdist_group("payment-time")

TEST_FROM = date(2023, 10, 1)
CUT = pd.Timestamp(TEST_FROM, tz="UTC")
FAST = PaymentTimeConfig(num_boost_round=60, learning_rate=0.1)


@pytest.fixture(scope="module")
def frames():  # type: ignore[no-untyped-def]
    return synthetic_frames(3000, seed=4, span_days=365)


@pytest.fixture(scope="module")
def table(frames) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return payment_time_table(frames)


def test_split_is_chronological_and_labels_known_before_the_cut(table: pd.DataFrame) -> None:
    train, test = chronological_split(table, TEST_FROM)
    assert (train["issue_ts"] < CUT).all()
    assert (test["issue_ts"] >= CUT).all()
    assert test["settled"].all()
    with_days = train[train["days_late"].notna()]
    assert (with_days["paid_ts"] < CUT).all()  # a regression label is a payment before the cut
    unpaid_then = train[~(train["paid_ts"] < CUT)]
    assert len(unpaid_then) > 0
    assert (unpaid_then["paid_late"] == 1).all()  # only "already overdue at the cut" is known
    assert (unpaid_then["due_ts"] + pd.Timedelta(days=1) < CUT).all()
    loose, _ = chronological_split(table, TEST_FROM, strict_labels=False)
    assert len(loose) > len(with_days)


def test_model_beats_predict_zero_and_ranks_late_payers(table: pd.DataFrame) -> None:
    result = train_payment_time(table, test_from=TEST_FROM, config=FAST)
    m = result.metrics
    assert m["auc"] > 0.7
    assert m["mae_days"] < 0.8 * m["baseline_mae_days"]
    assert m["brier"] < 0.25
    assert m["n_test"] == len(result.predictions)
    assert set(result.importance["feature"]) == set(result.features)


def test_nothing_after_test_from_reaches_the_model(frames) -> None:  # type: ignore[no-untyped-def]
    """Rewrite every event from test_from on: the trained boosters must be byte-identical."""

    def fit(f):  # type: ignore[no-untyped-def]
        table = payment_time_table(f, at_decisions=True)
        clf, reg = fit_payment_time(training_rows(table, TEST_FROM), FAST)
        return clf.model_to_string(), reg.model_to_string()

    base = fit(frames)
    for mode in ("alter", "delete", "append"):
        assert fit(mutate_future(frames, CUT, mode, seed=1)) == base, mode


def test_decision_rows_train_but_the_headline_is_as_of_issue(frames) -> None:  # type: ignore[no-untyped-def]
    table = payment_time_table(frames, at_decisions=True)
    decisions = table[table["row_kind"] == "decision"]
    assert len(decisions) > 100
    assert (decisions["inv_reminders"] >= 0).all()
    assert not (decisions["paid_ts"] < decisions["as_of"]).any()  # unpaid when decided
    train, test = chronological_split(table, TEST_FROM)
    assert (train["as_of"] < CUT).all()
    assert (train["row_kind"] == "decision").any()
    assert (test["row_kind"] == "issue").all()
    result = train_payment_time(table, test_from=TEST_FROM, config=FAST)
    assert result.metrics["n_train"] > result.metrics["n_train_invoices"]


def test_empty_splits_are_refused(table: pd.DataFrame) -> None:
    with pytest.raises(EmptySplitError, match="before 2000-01-01"):
        train_payment_time(table, test_from=date(2000, 1, 1), config=FAST)
    with pytest.raises(EmptySplitError, match="on or after 2030-01-01"):
        train_payment_time(table, test_from=date(2030, 1, 1), config=FAST)


@pytest.mark.slow
def test_run_logs_registers_champion_and_writes_features(frames, mlflow_tmp: Path) -> None:  # type: ignore[no-untyped-def]
    report = run_payment_time(frames, test_from=TEST_FROM, config=FAST)
    assert report.feature_table == mlflow_tmp / "data" / "processed" / "payment_time.v1.parquet"
    assert report.feature_table.exists()
    assert report.model_version == "1"
    client = mlflow.MlflowClient()
    version = client.get_model_version_by_alias("payment-time", "champion")
    assert str(version.version) == "1"
    run = client.get_run(report.run_id)
    assert run.data.metrics["auc"] == pytest.approx(report.metrics["auc"])
    names = {a.path for a in client.list_artifacts(report.run_id)}
    assert {"calibration.png", "importance_classifier.png", "feature_importance.csv"} <= names
    model = mlflow.pyfunc.load_model("models:/payment-time@champion")
    rows = payment_time_table(frames).head(20)
    pred = model.predict(rows)
    assert list(pred.columns) == ["p_late", "days_late"]
    assert ((pred["p_late"] > 0) & (pred["p_late"] < 1)).all()
    assert (pred["days_late"] >= 0).all()
    assert json.loads(json.dumps(report.as_json()))["n_test"] == int(report.metrics["n_test"])
    assert np.isfinite(report.metrics["logloss"])
