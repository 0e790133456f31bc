"""API fixtures: an app on the test ledger, two creditors with keys, and an admin key.

``tenants`` makes two bare creditors; ``world`` builds the reports' hand-checkable sample ledger
twice (creditor A "Bakkerij de Vries B.V." and creditor B) with keys for both and an admin key.
``ladder_client`` serves without a model (degraded), ``learned_client`` serves a tiny LightGBM
``DunningPolicy`` injected as ``ModelStore(lambda: LoadedModel("test/1", policy))``.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from policy.pyfunc import DunningPolicy
from serving.api.app import create_app
from serving.api.model_store import LoadedModel, ModelStore
from serving.api.routes import delivery, reports
from serving.api.security import create_api_key
from serving.api.settings import ApiSettings
from serving.reports.settings import ReportsSettings
from serving.senders.settings import SenderSettings
from tests import factories
from tests.serving.api.tiny_policy import tiny_policy
from tests.serving.reports import sample_ledger

AT = "2026-11-24T09:00:00+01:00"  # the sample ledger's "now" (a Tuesday morning in Amsterdam)
MODEL_VERSION = "test/1"


@dataclass
class Tenants:
    creditor_a: int
    creditor_b: int
    key_a: str
    key_b: str
    admin_key: str


@pytest.fixture
def tenants(engine: Engine) -> Tenants:
    with Session(engine) as session:
        a = factories.creditor(session, name="Tenant A")
        b = factories.creditor(session, name="Tenant B")
        assert a.id is not None
        assert b.id is not None
        key_a = create_api_key(session, creditor_id=a.id)
        key_b = create_api_key(session, creditor_id=b.id)
        admin = create_api_key(session, creditor_id=None, is_admin=True)
        session.commit()
        return Tenants(a.id, b.id, key_a, key_b, admin)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine=engine, model_store=ModelStore(None))) as c:
        yield c


@dataclass
class World:
    """Two creditors with the same shape of ledger; ids by the sample's names (D1…D5, I1…I10)."""

    a: sample_ledger.Sample
    b: sample_ledger.Sample
    key_a: str
    key_b: str
    admin_key: str
    rec_a: str  # a stored recommendation of A
    rec_b: str  # a stored recommendation of B

    def debtor_ids(self, which: str = "a") -> list[int]:
        sample = self.a if which == "a" else self.b
        return [int(d.id or 0) for d in sample.debtors.values()]

    @property
    def headers_a(self) -> dict[str, str]:
        return {"X-API-Key": self.key_a}


@pytest.fixture
def world(engine: Engine) -> World:
    return build_world(engine)


def build_world(engine: Engine) -> World:
    with Session(engine, expire_on_commit=False) as session:
        a = sample_ledger.build(session)
        b = sample_ledger.build(session, name="Andere Klant B.V.")
        assert a.creditor.id is not None
        assert b.creditor.id is not None
        key_a = create_api_key(session, creditor_id=a.creditor.id)
        key_b = create_api_key(session, creditor_id=b.creditor.id)
        admin = create_api_key(session, creditor_id=None, is_admin=True)
        session.commit()
    rec_a = sample_ledger.recommendation(a.creditor, a.debtors["D4"]).id
    rec_b = sample_ledger.recommendation(b.creditor, b.debtors["D4"]).id
    return World(a, b, key_a, key_b, admin, rec_a, rec_b)


@pytest.fixture(scope="session")
def policy() -> DunningPolicy:
    return tiny_policy()


def make_app(engine: Engine, store: ModelStore, **settings: object) -> FastAPI:
    """The app as ``dunflow serve`` builds it, with report and webhook secrets configured."""
    app = create_app(engine=engine, model_store=store, settings=ApiSettings(seed=7, **settings))  # type: ignore[arg-type]
    chosen = ReportsSettings(secret="test-reports-secret")
    app.dependency_overrides[reports.reports_settings] = lambda: chosen
    senders = SenderSettings(sms_webhook_secret="test-webhook-secret")  # type: ignore[arg-type]
    app.dependency_overrides[delivery.settings_dep] = lambda: senders
    return app


@pytest.fixture
def ladder_client(engine: Engine, world: World) -> Iterator[TestClient]:
    with TestClient(make_app(engine, ModelStore(None))) as c:
        yield c


@pytest.fixture
def learned_client(engine: Engine, world: World, policy: DunningPolicy) -> Iterator[TestClient]:
    store = ModelStore(lambda: LoadedModel(MODEL_VERSION, policy))
    with TestClient(make_app(engine, store)) as c:
        yield c
