"""The payment-time model in a plan champion's state: with one registered, the day's snapshot
carries each debtor's expected days late of its oldest overdue invoice (the registered model's,
loaded once) and an explanation words it; with none, the column is NaN and every debtor still
gets its answer. A plan model saved before the column (``tiny_plan_policy()``) never asks for it
(``test_plan_champion``)."""

from datetime import datetime
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from features.loading import load_frames
from features.plan_state import EXPECTED_DAYS_LATE, ModelDaysLate, expected_days_late
from policy.plan_pyfunc import PlanDunningPolicy
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.payment_time import PaymentTimeSource
from serving.reports.settings import get_reports_settings
from tests.conftest import MlflowTemplate
from tests.serving.api.conftest import AT, World, make_app
from tests.serving.api.tiny_plan_policy import tiny_plan_policy
from tests.serving.payment_time_registry import URI, payment_time_registry, tracking

pytestmark = pytest.mark.xdist_group("plan-payment-time")  # one registry per worker
VERSION = "dunning-policy/plan-days-late"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, mlflow_template: MlflowTemplate) -> Path:
    return payment_time_registry(tmp_path_factory.mktemp("mlflow"), mlflow_template)


@pytest.fixture(scope="module")
def plan_policy() -> PlanDunningPolicy:
    return tiny_plan_policy(days_late=True)


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The deployment names the payment-time model (as ``make demo`` does)."""
    monkeypatch.setenv("DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI", URI)
    get_reports_settings.cache_clear()
    yield
    get_reports_settings.cache_clear()


def _served(engine: Engine, world: World, policy: PlanDunningPolicy) -> tuple[list[Any], Any]:
    """The plan answers for creditor A's debtors and the day's plan state rows they read."""
    app = make_app(engine, ModelStore(lambda: LoadedModel(VERSION, policy)))
    ids = world.debtor_ids()
    with TestClient(app) as client:
        resp = client.post(
            "/v1/recommendations", json={"debtor_ids": ids, "at": AT}, headers=world.headers_a
        )
    assert resp.status_code == 200, resp.text
    a = world.a.creditor
    assert a.id is not None
    now = datetime.fromisoformat(AT)
    states = app.state.recommender.snapshots.plan_base(a.id, a.name, ids, now, policy, VERSION)
    return resp.json()["recommendations"], states.rows


def test_the_registered_model_gives_the_column_and_explanations_word_it(
    engine: Engine, world: World, registry: Path, plan_policy: PlanDunningPolicy, configured: Any
) -> None:
    with tracking(registry):
        recs, rows = _served(engine, world, plan_policy)
        model = mlflow.pyfunc.load_model(URI)
    asked = pd.DataFrame({"debtor_id": rows.index, "as_of": pd.Timestamp("2026-11-24", tz="UTC")})
    frames = load_frames(engine, world.a.creditor.name)
    want = expected_days_late(frames, asked, ModelDaysLate(model)).to_numpy()
    np.testing.assert_allclose(rows[EXPECTED_DAYS_LATE].to_numpy(), want)
    assert np.isfinite(want).any()  # some debtor has an overdue invoice the model sees
    assert all(r["plan"] is not None for r in recs)
    texts = [reason["text"] for r in recs for reason in r["explanation"]["reasons"]]
    assert any("het betaaltijdmodel verwacht de oudste achterstallige factuur" in t for t in texts)


def test_without_a_registered_model_the_column_is_missing_and_all_is_answered(
    engine: Engine,
    world: World,
    tmp_path: Path,
    mlflow_template: MlflowTemplate,
    plan_policy: PlanDunningPolicy,
    configured: Any,
) -> None:
    mlflow_template.store_at(tmp_path / "mlflow.db")  # a registry without a payment-time model
    with tracking(tmp_path):
        recs, rows = _served(engine, world, plan_policy)
    assert rows[EXPECTED_DAYS_LATE].isna().all()
    assert len(recs) == len(world.debtor_ids())
    assert all(r["plan"] is not None and r["explanation"]["reasons"] for r in recs)


def test_the_model_is_loaded_once_while_its_version_stays(
    registry: Path, monkeypatch: pytest.MonkeyPatch, configured: Any
) -> None:
    loads: list[str] = []
    real = mlflow.pyfunc.load_model

    def counted(uri: str) -> Any:
        loads.append(uri)
        return real(uri)

    monkeypatch.setattr(mlflow.pyfunc, "load_model", counted)
    source = PaymentTimeSource(URI)
    with tracking(registry):
        assert source.predictor() is not None
        assert source.predictor() is not None
    assert loads == ["models:/payment-time/1"]
    assert source.version == "payment-time/1"
    assert PaymentTimeSource("").predictor() is None  # nothing configured: never a model
    # every snapshot cache of a process (the API's, the scheduler's) shares one source
    assert PaymentTimeSource.configured() is PaymentTimeSource.configured()
    assert PaymentTimeSource.configured().model_uri == URI
