"""A private MLflow registry holding a payment-time model, for the tests of what serves it (the
Overview's cash forecast, the plan state's days late): the real training run on a synthetic
ledger, cut small, registered as ``payment-time@champion``."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import mlflow
import pytest

from tests.conftest import MlflowTemplate
from tests.features.synthetic_ledger import synthetic_frames
from training.payment_time import PaymentTimeConfig
from training.payment_time_run import run_payment_time

URI = "models:/payment-time@champion"


@contextmanager
def tracking(folder: Path) -> Iterator[None]:
    """MLflow's tracking and registry in a private SQLite file for the block."""
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    before = mlflow.get_tracking_uri(), mlflow.get_registry_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        yield
    mlflow.set_tracking_uri(before[0])
    mlflow.set_registry_uri(before[1])


def payment_time_registry(folder: Path, mlflow_template: MlflowTemplate) -> Path:
    """``folder`` made a registry with the payment-time model as ``URI`` (version 1)."""
    mlflow_template.store_at(folder / "mlflow.db")
    with tracking(folder):
        fast = PaymentTimeConfig(num_boost_round=30, learning_rate=0.2, complexity_grid=())
        report = run_payment_time(
            synthetic_frames(400, seed=4, span_days=365),
            test_from=date(2023, 10, 1),
            config=fast,
            data_dir=folder / "data",
        )
        assert report.model_version == "1"
    return folder
