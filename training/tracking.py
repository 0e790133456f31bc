"""MLflow helpers: where runs go, the experiment, and registering a model under an alias.

Tracking store: ``MLFLOW_TRACKING_URI`` if set, else ``DUNFLOW_MLFLOW_TRACKING_URI``, else a SQLite
database ``mlruns/mlflow.db`` under the project (git-ignored, removed by ``make clean``). A
database-backed store is what MLflow 3 recommends and what the model registry needs. Artifacts of a
SQLite store go next to the database (``<db folder>/artifacts``), never into the working
directory. Promotion uses registry **aliases** (``champion``), not the deprecated stages.
"""

import os
from functools import lru_cache
from pathlib import Path

import mlflow
from mlflow.tracking import MlflowClient
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.settings import PROJECT_ROOT

CHAMPION = "champion"


class TrainingSettings(BaseSettings):
    """Training settings, read from ``DUNFLOW_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="DUNFLOW_", extra="ignore")

    mlflow_tracking_uri: str = Field(
        default="", description="MLflow tracking URI; empty: SQLite under mlruns/."
    )
    mlflow_experiment: str = Field(default="dunflow", description="MLflow experiment name.")


@lru_cache
def get_settings() -> TrainingSettings:
    return TrainingSettings()


def tracking_uri() -> str:
    """The tracking URI in force (see the module docstring for the order)."""
    uri = os.environ.get("MLFLOW_TRACKING_URI") or get_settings().mlflow_tracking_uri
    if uri:
        return uri
    folder = PROJECT_ROOT / "mlruns"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def _artifact_location(uri: str) -> str | None:
    if uri.startswith("sqlite:///"):
        return (Path(uri.removeprefix("sqlite:///")).parent / "artifacts").resolve().as_uri()
    return None


def start(experiment: str | None = None) -> str:
    """Point MLflow at the tracking store and the experiment; returns the experiment id."""
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    name = experiment or get_settings().mlflow_experiment
    found = mlflow.get_experiment_by_name(name)
    exp_id = (
        found.experiment_id
        if found is not None
        else mlflow.create_experiment(name, artifact_location=_artifact_location(uri))
    )
    mlflow.set_experiment(experiment_id=exp_id)
    return str(exp_id)


def register(model_uri: str, name: str, *, alias: str | None = CHAMPION) -> str:
    """Register the logged model at ``model_uri`` as a new version of ``name``; set ``alias``."""
    version = mlflow.register_model(model_uri, name)
    if alias:
        MlflowClient().set_registered_model_alias(name, alias, version.version)
    return str(version.version)
