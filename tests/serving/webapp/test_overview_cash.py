"""The Overview's expected cash per week for 4 weeks: the registered payment-time model's when
``DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI`` names one (its version beside the figures), the
baseline labelled as a fallback when none is set or it cannot be loaded."""

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from features.build import build_features
from features.loading import load_frames
from features.specs import payment_time_feature_names
from serving.reports.forecast import BaselineForecaster, open_invoices, weekly_cash
from serving.reports.i18n import Lang
from serving.reports.settings import get_reports_settings
from tests.conftest import MlflowTemplate
from tests.serving.payment_time_registry import URI, payment_time_registry, tracking
from tests.serving.reports import sample_ledger
from tests.serving.webapp.conftest import Tenants, log_in

# its tests share a module-scoped fixture: one worker builds it once
pytestmark = pytest.mark.xdist_group("overview-cash")

DUTCH = Lang("nl")


def _cash(page: str) -> list[tuple[str, str]]:
    """(invoices, euros) per week as the page shows them."""
    body = page.split('id="cash-rows">', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<td class="num">(\d+)</td><td class="num">([^<]*)</td>', body)


def _method(page: str) -> str:
    return page.split('id="cash-method">', 1)[1].split("</p>", 1)[0]


@pytest.fixture
def reports_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_reports_settings.cache_clear()
    yield monkeypatch
    get_reports_settings.cache_clear()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory, mlflow_template: MlflowTemplate) -> Path:
    """A private MLflow registry with the payment-time model registered as ``URI``."""
    return payment_time_registry(tmp_path_factory.mktemp("mlflow"), mlflow_template)


def _model_weeks(engine: Engine, creditor_id: int) -> list[tuple[str, str]]:
    """The 4 weeks as the registered model predicts them, computed here from its raw output."""
    model = mlflow.pyfunc.load_model(URI)
    with Session(engine) as session:
        invoices = open_invoices(session, creditor_id=creditor_id, as_of=sample_ledger.AS_OF)
    at = pd.Timestamp(sample_ledger.AS_OF + timedelta(days=1), tz="UTC")
    requests = pd.DataFrame(
        {
            "debtor_id": [i.debtor_id for i in invoices],
            "invoice_id": [i.invoice_id for i in invoices],
            "as_of": at,
        }
    )
    rows = build_features(load_frames(engine, sample_ledger.CREDITOR), requests)
    days = model.predict(rows[payment_time_feature_names()])["days_late"].tolist()
    weeks = weekly_cash(invoices, days, as_of=sample_ledger.AS_OF, weeks=4)
    return [(str(w.invoices), DUTCH.money(w.expected_cents)) for w in weeks]


@pytest.mark.slow
def test_the_overview_forecasts_cash_with_the_payment_time_model(
    client: TestClient,
    engine: Engine,
    tenants: Tenants,
    registry: Path,
    reports_env: pytest.MonkeyPatch,
) -> None:
    reports_env.setenv("DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI", URI)
    log_in(client, Tenants.email("finance"))
    with tracking(registry):
        page = client.get("/app").text
        assert _cash(page) == _model_weeks(engine, tenants.creditor_id)
    assert _method(page).startswith("Voorspeld door het betaaltijdmodel (payment-time/1)")
    assert sum(int(n) for n, _ in _cash(page)) > 0  # the model expects some of it within 4 weeks


def test_without_a_model_the_baseline_is_labelled_as_the_fallback(
    client: TestClient,
    engine: Engine,
    tenants: Tenants,
    reports_env: pytest.MonkeyPatch,
    tmp_path: Path,
    mlflow_template: MlflowTemplate,
) -> None:
    mlflow_template.store_at(tmp_path / "mlflow.db")
    log_in(client, Tenants.email("finance"))
    with Session(engine) as session:
        weeks = BaselineForecaster().forecast(
            session, creditor_id=tenants.creditor_id, as_of=sample_ledger.AS_OF
        )
    expected = [(str(w.invoices), DUTCH.money(w.expected_cents)) for w in weeks]
    for uri in ("", URI):  # unset; set, but the registry has no such model
        reports_env.setenv("DUNFLOW_REPORTS_PAYMENT_TIME_MODEL_URI", uri)
        get_reports_settings.cache_clear()
        with tracking(tmp_path):
            page = client.get("/app").text
        assert _method(page).startswith("Noodschatting, er is geen betaaltijdmodel geladen"), uri
        assert _cash(page) == expected
