"""Training tests never write into the repository: MLflow and data/processed go to tmp_path."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.settings import get_settings as ledger_settings
from tests.conftest import MlflowTemplate
from training.tracking import get_settings as training_settings


@pytest.fixture
def mlflow_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlflow_template: MlflowTemplate
) -> Iterator[Path]:
    """A private MLflow store (SQLite, artifacts beside it) and data dir under tmp_path."""
    uri = mlflow_template.store_at(tmp_path / "mlruns" / "mlflow.db")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("DUNFLOW_DATA_DIR", str(tmp_path / "data"))
    ledger_settings.cache_clear()
    training_settings.cache_clear()
    yield tmp_path
    ledger_settings.cache_clear()
    training_settings.cache_clear()
