"""Report fixtures: the sample ledger (``sample_ledger.py``) of "Bakkerij de Vries B.V." next to
another creditor with its own rows, API keys for both, and an app with the reports router."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from serving.api.app import create_app
from serving.api.model_store import ModelStore
from serving.api.routes import reports
from serving.api.security import create_api_key
from serving.reports.settings import ReportsSettings
from tests.serving.reports import sample_ledger

SECRET = "test-reports-secret"
OTHER = "Andere Klant B.V."


@dataclass
class Ledger:
    creditor_id: int
    other_id: int
    key: str
    other_key: str
    other_rec_id: str


@pytest.fixture
def ledger(engine: Engine) -> Ledger:
    with Session(engine, expire_on_commit=False) as session:
        mine = sample_ledger.build(session)
        other = sample_ledger.build(session, name=OTHER)
        assert mine.creditor.id is not None
        assert other.creditor.id is not None
        key = create_api_key(session, creditor_id=mine.creditor.id)
        other_key = create_api_key(session, creditor_id=other.creditor.id)
        session.commit()
        other_rec = sample_ledger.recommendation(other.creditor, other.debtors["D4"]).id
        return Ledger(mine.creditor.id, other.creditor.id, key, other_key, other_rec)


def reports_app(engine: Engine, settings: ReportsSettings | None = None) -> FastAPI:
    """The API with the reports router, as ``serving/api/app.py`` will include it."""
    app = create_app(engine=engine, model_store=ModelStore(None))
    app.include_router(reports.router)
    chosen = settings or ReportsSettings(secret=SECRET)
    app.dependency_overrides[reports.reports_settings] = lambda: chosen
    return app


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(reports_app(engine)) as c:
        yield c
