"""Loads the champion policy from the MLflow model registry for the model store."""

from serving.api.model_store import LoadedModel, ModelStore
from serving.api.settings import get_api_settings


def load_from_registry(name: str, alias: str) -> LoadedModel:
    import mlflow
    from mlflow import MlflowClient

    version = MlflowClient().get_model_version_by_alias(name, alias)
    pyfunc = mlflow.pyfunc.load_model(f"models:/{name}@{alias}")
    return LoadedModel(version=f"{name}/{version.version}", model=pyfunc.unwrap_python_model())


def registry_store() -> ModelStore:
    settings = get_api_settings()
    return ModelStore(
        lambda: load_from_registry(settings.policy_model_name, settings.policy_model_alias),
        poll_seconds=settings.model_poll_seconds,
    )
