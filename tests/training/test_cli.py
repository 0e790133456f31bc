"""``dunflow train payment-time``: JSON metrics on a real database, clear errors on bad input,
and the IBM sample end to end (import + train) when the real data is present."""

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunflow.cli import app
from tests.features.synthetic_ledger import synthetic_frames
from tests.training.ledger_db import write_ledger

KEYS = {"auc", "logloss", "brier", "mae_days", "baseline_mae_days", "n_train", "n_test"}


@pytest.fixture
def ledger_url(engine: Engine, db_url: str) -> str:
    write_ledger(engine, synthetic_frames(1500, seed=9, span_days=300), creditor="Acme")
    return db_url


def _train(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["train", "payment-time", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_json_metrics_registry_and_feature_table(ledger_url: str, mlflow_tmp: Path) -> None:
    code, out, err = _train(
        "--db", ledger_url, "--test-from", "2023-09-01", "--creditor", "Acme", "--rounds", "40",
        "--json",
    )  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    assert set(report) >= KEYS
    assert report["n_train"] > 500
    assert report["n_test"] > 100
    assert report["mae_days"] < report["baseline_mae_days"]
    assert report["model_version"] == "1"
    assert Path(report["feature_table"]).parent == mlflow_tmp / "data" / "processed"
    assert Path(report["feature_table"]).name == "payment_time_acme.v1.parquet"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--test-from", "01-09-2023"], "--test-from"),
        (["--test-from", "2023-09-01", "--creditor", "Nobody"], "--creditor"),
        (["--test-from", "2030-01-01"], "--test-from"),
        (["--test-from", "2000-01-01"], "--test-from"),
    ],
)
def test_bad_input_names_the_option(
    ledger_url: str, mlflow_tmp: Path, args: list[str], option: str
) -> None:
    code, _, err = _train("--db", ledger_url, *args)
    assert code != 0
    assert option in err


def test_an_empty_ledger_is_refused(db_url: str, engine: Engine, mlflow_tmp: Path) -> None:
    code, _, err = _train("--db", db_url, "--test-from", "2023-09-01")
    assert code != 0
    assert "no invoices" in err


@pytest.mark.slow
@pytest.mark.realdata
def test_ibm_sample_end_to_end(real_data: Path, tmp_path: Path, mlflow_tmp: Path) -> None:
    """Import the IBM sample, train with a chronological split; the model must beat predict-0."""
    url = f"sqlite:///{tmp_path / 'ibm.db'}"
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade", "--db", url]).exit_code == 0
    imported = runner.invoke(
        app,
        ["import", "invoices", str(real_data / "ibm_accounts_receivable.csv"), "--format", "ibm",
         "--creditor", "IBM", "--create-creditor", "--db", url, "--json"],
    )  # fmt: skip
    assert imported.exit_code == 0, imported.stderr
    code, out, err = _train("--db", url, "--test-from", "2013-07-01", "--rounds", "150", "--json")
    assert code == 0, err
    m = json.loads(out)
    assert m["n_train"] + m["n_test"] <= 2466
    assert m["n_test"] > 400
    assert m["auc"] > 0.75
    assert m["mae_days"] < m["baseline_mae_days"]
    assert date.fromisoformat("2013-07-01")  # the split date the report quotes
