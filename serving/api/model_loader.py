"""Loads the champion policy from the MLflow model registry for the model store.

Tracking store, as training writes it: ``MLFLOW_TRACKING_URI`` if set, else
``DUNFLOW_MLFLOW_TRACKING_URI``, else the SQLite database ``mlruns/mlflow.db`` under the project.
The alias is resolved to a version first and that exact version is loaded, so a version number
always names what is served even when the alias moves during the load. Anything that is not a
:class:`~policy.pyfunc.DunningPolicy` with its outcome models or a
:class:`~policy.plan_pyfunc.PlanDunningPolicy` with its plan model (or the plan-logging policy,
:class:`~policy.plan_logging.PlanLoggingPolicy`, which has none) is refused (the store stays on
what it had, or on the ladder). The registry client is made on first use, never at import.
"""

import os
from typing import Any

from ledger.settings import PROJECT_ROOT
from policy.plan_logging import PlanLoggingPolicy
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import DunningPolicy
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.settings import ApiSettings, get_api_settings


def tracking_uri(settings: ApiSettings) -> str:
    uri = os.environ.get("MLFLOW_TRACKING_URI") or settings.mlflow_tracking_uri
    return uri or f"sqlite:///{PROJECT_ROOT / 'mlruns' / 'mlflow.db'}"


class RegistryLoader:
    """``probe()`` names the version the alias points at; ``load()`` loads it."""

    def __init__(self, name: str, alias: str, uri: str) -> None:
        self.name, self.alias, self.uri = name, alias, uri
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import mlflow
            from mlflow import MlflowClient

            mlflow.set_tracking_uri(self.uri)
            mlflow.set_registry_uri(self.uri)
            self._client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        return self._client

    def _version(self) -> str:
        return str(self.client().get_model_version_by_alias(self.name, self.alias).version)

    def probe(self) -> str:
        return f"{self.name}/{self._version()}"

    def load(self) -> LoadedModel:
        import mlflow

        version = self._version()
        self.client()
        pyfunc = mlflow.pyfunc.load_model(f"models:/{self.name}/{version}")
        model = pyfunc.unwrap_python_model()
        plan = isinstance(model, PlanDunningPolicy) and (
            model.model is not None or isinstance(model, PlanLoggingPolicy)
        )
        if not plan and (not isinstance(model, DunningPolicy) or model.models is None):
            raise TypeError(
                f"{self.name}/{version} is a {type(model).__name__}, not a dunning policy"
            )
        return LoadedModel(version=f"{self.name}/{version}", model=model)


def registry_store(settings: ApiSettings | None = None) -> ModelStore:
    settings = settings or get_api_settings()
    loader = RegistryLoader(
        settings.policy_model_name, settings.policy_model_alias, tracking_uri(settings)
    )
    return ModelStore(loader.load, poll_seconds=settings.model_poll_seconds, probe=loader.probe)
