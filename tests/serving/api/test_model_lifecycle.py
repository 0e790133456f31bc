"""Model lifecycle: the champion from a real MLflow registry (SQLite store under tmp_path) is
loaded at start, followed when the alias moves (polling and ``POST /v1/admin/reload``), and its
absence leaves the API on the ladder with ``/readyz`` degraded and the reason."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from policy.pyfunc import DunningPolicy
from serving.api.model_loader import registry_store
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.settings import ApiSettings
from tests.conftest import MlflowTemplate
from tests.serving.api.conftest import AT, World, make_app
from tests.waits import HANG_GUARD_S

NAME = "dunning-policy"


@pytest.fixture
def registry(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine: Engine,
    mlflow_template: MlflowTemplate,
) -> Iterator[str]:
    import mlflow

    if engine.dialect.name != "sqlite":  # the registry is the subject here, not the ledger
        pytest.skip("MLflow registry tests run on the SQLite ledger only (slow)")

    store = tmp_path / "mlruns"
    uri = mlflow_template.store_at(store / "mlflow.db")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    exp = mlflow.create_experiment("api-tests", artifact_location=(store / "artifacts").as_uri())
    mlflow.set_experiment(experiment_id=exp)
    yield uri
    mlflow.set_tracking_uri("")


def _register(policy: DunningPolicy, folder: Path) -> str:
    """Log the policy as a pyfunc, register a new version, point ``champion`` at it."""
    import mlflow
    from mlflow import MlflowClient

    folder.mkdir(parents=True, exist_ok=True)
    policy.save_artifacts(folder)
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="policy",
            python_model=DunningPolicy(None, policy.weights, policy.exploration),
            artifacts={"policy": str(folder)},
            registered_model_name=NAME,
            # named, as training names them: MLflow's inference of them imports the model in a
            # subprocess (most of this module's time)
            pip_requirements=["mlflow", "lightgbm", "pandas"],
        )
    version = str(info.registered_model_version)
    MlflowClient().set_registered_model_alias(NAME, "champion", version)
    return version


def _ask(client: TestClient, world: World) -> dict[str, object]:
    resp = client.post(
        "/v1/recommendations",
        json={"debtor_ids": world.debtor_ids()[:2], "at": AT},
        headers=world.headers_a,
    )
    assert resp.status_code == 200, resp.text
    rec: dict[str, object] = resp.json()["recommendations"][0]
    return rec


@pytest.mark.slow
def test_champion_is_loaded_followed_and_reloaded(
    registry: str, engine: Engine, world: World, policy: DunningPolicy, tmp_path: Path
) -> None:
    first = _register(policy, tmp_path / "v1")
    settings = ApiSettings(model_poll_seconds=0.2)
    with TestClient(make_app(engine, registry_store(settings))) as client:
        ready = client.get("/readyz").json()
        assert ready == {"status": "ready", "database": "ok", "model_version": f"{NAME}/{first}"}
        assert f'dunflow_model_info{{mode="model",version="{NAME}/{first}"}} 1.0' in (
            client.get("/metrics").text
        )
        assert _ask(client, world)["model_version"] == f"{NAME}/{first}"

        second = _register(policy, tmp_path / "v2")  # the alias moves: polling follows
        deadline = time.monotonic() + HANG_GUARD_S
        while time.monotonic() < deadline:
            if client.get("/readyz").json()["model_version"] == f"{NAME}/{second}":
                break
            time.sleep(0.1)
        assert client.get("/readyz").json()["model_version"] == f"{NAME}/{second}"
        assert _ask(client, world)["model_version"] == f"{NAME}/{second}"
        assert f'version="{NAME}/{second}"' in client.get("/metrics").text


@pytest.mark.slow
def test_admin_reload_picks_up_a_moved_alias_at_once(
    registry: str, engine: Engine, world: World, policy: DunningPolicy, tmp_path: Path
) -> None:
    first = _register(policy, tmp_path / "v1")
    settings = ApiSettings(model_poll_seconds=0)  # no polling: only the admin route reloads
    with TestClient(make_app(engine, registry_store(settings))) as client:
        admin = {"X-API-Key": world.admin_key}
        again = client.post("/v1/admin/reload", headers=admin).json()
        assert again == {
            "changed": False,
            "model_version": f"{NAME}/{first}",
            "degraded_reason": None,
        }
        second = _register(policy, tmp_path / "v2")
        moved = client.post("/v1/admin/reload", headers=admin).json()
        assert moved == {
            "changed": True,
            "model_version": f"{NAME}/{second}",
            "degraded_reason": None,
        }
        assert _ask(client, world)["model_version"] == f"{NAME}/{second}"


@pytest.mark.slow
def test_no_registered_model_means_degraded_with_the_reason(
    registry: str, engine: Engine, world: World
) -> None:
    with TestClient(make_app(engine, registry_store(ApiSettings(model_poll_seconds=0)))) as client:
        ready = client.get("/readyz").json()
        assert ready["status"] == "degraded"
        assert ready["fallback"] == "ladder"
        assert "champion model not loadable" in ready["reason"]
        assert NAME in ready["reason"]
        rec = _ask(client, world)
        assert rec["degraded"] is True
        assert rec["model_version"] == "ladder"
        assert (
            'dunflow_model_info{mode="ladder",version="ladder"} 1.0' in client.get("/metrics").text
        )


def test_a_failed_reload_keeps_the_model_and_reports_the_error(
    engine: Engine, world: World, policy: DunningPolicy
) -> None:
    versions = iter(["test/1"])

    def loader() -> LoadedModel:
        return LoadedModel(next(versions), policy)  # the second call raises StopIteration

    with TestClient(make_app(engine, ModelStore(loader))) as client:
        assert client.get("/readyz").json()["status"] == "ready"
        resp = client.post("/v1/admin/reload", headers={"X-API-Key": world.admin_key})
        assert resp.json()["changed"] is False
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready"
        assert ready["model_version"] == "test/1"
        assert "not loadable" in ready["last_reload_error"]


def test_admin_reload_swaps_an_in_memory_model(
    engine: Engine, world: World, policy: DunningPolicy
) -> None:
    versions = iter(["test/1", "test/2"])
    store = ModelStore(lambda: LoadedModel(next(versions), policy))
    with TestClient(make_app(engine, store)) as client:
        assert _ask(client, world)["model_version"] == "test/1"
        resp = client.post("/v1/admin/reload", headers={"X-API-Key": world.admin_key})
        assert resp.status_code == 200
        assert resp.json()["model_version"] == "test/2"
        assert _ask(client, world)["model_version"] == "test/2"


def test_admin_reload_needs_an_admin_key(ladder_client: TestClient, world: World) -> None:
    resp = ladder_client.post("/v1/admin/reload", headers=world.headers_a)
    assert resp.status_code == 403
    assert resp.json()["detail"] == [
        {"field": "header.X-API-Key", "problem": "this route needs an admin key"}
    ]
    ok = ladder_client.post("/v1/admin/reload", headers={"X-API-Key": world.admin_key})
    assert ok.status_code == 200
    assert ok.json() == {
        "changed": False,
        "model_version": None,
        "degraded_reason": "no model registry configured",
    }
