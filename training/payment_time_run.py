"""One training run of the payment-time model, end to end: ledger frames → feature table (Parquet
under ``data/processed/``) → chronological fit and evaluation → MLflow run (params, metrics,
calibration plot, feature importance, the pyfunc model) → registry version with alias ``champion``.

The CLI (``dunflow train payment-time``) is a thin wrapper around :func:`run_payment_time`.
"""

import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import mlflow
import numpy as np

from features.loading import LedgerFrames
from features.store import SCHEMA_VERSION, schema_fingerprint, write_feature_table
from features.training_set import payment_time_table
from training import plots, tracking
from training.payment_time import (
    MODEL_NAME,
    PaymentTimeConfig,
    PaymentTimeResult,
    train_payment_time,
)
from training.payment_time_model import PaymentTimeModel, save_boosters


@dataclass
class PaymentTimeReport:
    metrics: dict[str, float]
    run_id: str
    model_version: str | None
    feature_table: Path

    def as_json(self) -> dict[str, Any]:
        """The CLI's JSON: metrics (counts as ints, NaN as null), run id, version, table path."""
        out: dict[str, Any] = {}
        for key, value in self.metrics.items():
            if key.startswith(("n_", "best_rounds")):
                out[key] = int(value)
            else:
                out[key] = None if np.isnan(value) else round(value, 6)
        out |= {
            "run_id": self.run_id,
            "model_name": MODEL_NAME,
            "model_version": self.model_version,
            "feature_table": str(self.feature_table),
        }
        return out


def log_payment_time(
    result: PaymentTimeResult, *, feature_table: Path, register: bool = True, run_name: str = ""
) -> tuple[str, str | None]:
    """Log a fitted result as an MLflow run; register it as ``payment-time`` @ champion."""
    tracking.start()
    with mlflow.start_run(run_name=run_name or "payment-time") as run:
        mlflow.log_params({k: str(v) for k, v in result.params.items()})
        mlflow.log_params(
            {"feature_schema_version": SCHEMA_VERSION, "feature_fingerprint": schema_fingerprint()}
        )
        mlflow.log_metrics({k: v for k, v in result.metrics.items() if not np.isnan(v)})
        pred = result.predictions
        y, p = pred["paid_late"].to_numpy(), pred["p_late"].to_numpy()
        title = "payment-time: held-out calibration"
        mlflow.log_figure(plots.calibration_figure(y, p, title=title), "calibration.png")
        for model in ("classifier", "regressor"):
            fig = plots.importance_figure(result.importance, f"gain_{model}")
            mlflow.log_figure(fig, f"importance_{model}.png")
        mlflow.log_text(result.importance.to_csv(index=False), "feature_importance.csv")
        mlflow.log_text(json.dumps(result.features), "features.json")
        mlflow.log_text(str(feature_table), "feature_table.txt")
        with tempfile.TemporaryDirectory() as tmp:
            artifacts = save_boosters(result.classifier, result.regressor, Path(tmp))
            info = mlflow.pyfunc.log_model(
                name="model",
                python_model=PaymentTimeModel(result.features),
                artifacts=artifacts,
                pip_requirements=["lightgbm", "pandas", "mlflow"],
            )
        run_id = str(run.info.run_id)
    version = tracking.register(info.model_uri, MODEL_NAME) if register else None
    return run_id, version


def run_payment_time(
    frames: LedgerFrames,
    *,
    test_from: date,
    config: PaymentTimeConfig | None = None,
    table_name: str = "payment_time",
    data_dir: Path | None = None,
    register: bool = True,
    at_decisions: bool = True,
) -> PaymentTimeReport:
    """Build features as of each issue date (and decision), write them, train, log, register."""
    table = payment_time_table(frames, at_decisions=at_decisions)
    path = write_feature_table(table, table_name, data_dir=data_dir)
    result = train_payment_time(table, test_from=test_from, config=config)
    run_id, version = log_payment_time(
        result, feature_table=path, register=register, run_name=f"payment-time {table_name}"
    )
    return PaymentTimeReport(result.metrics, run_id, version, path)
