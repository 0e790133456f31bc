"""API fixtures: an app on the test ledger, two creditors with keys, and an admin key."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from serving.api.app import create_app
from serving.api.model_store import ModelStore
from serving.api.security import create_api_key
from tests import factories


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
