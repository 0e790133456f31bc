"""Health, readiness (degraded without a model), metrics, and API-key authentication."""

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from serving.api.security import authenticate, revoke
from tests.serving.api.conftest import Tenants


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_is_degraded_without_a_model(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "degraded"
    assert body["fallback"] == "ladder"
    assert "no model registry" in body["reason"]


def test_metrics_count_requests_and_show_the_model(client: TestClient) -> None:
    client.get("/healthz")
    text = client.get("/metrics").text
    assert 'dunflow_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'dunflow_model_info{mode="ladder",version="ladder"} 1.0' in text
    assert "dunflow_http_request_seconds_bucket" in text


def test_keys_are_hashed_and_revocable(engine: Engine, tenants: Tenants) -> None:
    with Session(engine) as session:
        principal = authenticate(session, tenants.key_a)
        assert principal is not None
        assert principal.creditor_id == tenants.creditor_a
        assert not principal.is_admin
        assert authenticate(session, tenants.key_a + "x") is None
        assert authenticate(session, "garbage") is None
        from ledger.tables import ApiKey

        stored = {row.key_hash for row in session.exec(select(ApiKey))}
        assert tenants.key_a not in stored
        revoke(session, principal.key_id)
        session.commit()
        assert authenticate(session, tenants.key_a) is None


def test_openapi_docs_are_served(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    schema = client.get("/openapi.json").json()
    for path in ("/v1/recommendations", "/v1/recommendations/{recommendation_id}", "/v1/outcomes"):
        assert path in schema["paths"]


def test_readyz_is_ready_with_a_model(engine: Engine) -> None:
    from serving.api.app import create_app
    from serving.api.model_store import LoadedModel, ModelStore

    store = ModelStore(lambda: LoadedModel("test/9", object()))
    with TestClient(create_app(engine=engine, model_store=store)) as c:
        assert c.get("/readyz").json() == {
            "status": "ready",
            "database": "ok",
            "model_version": "test/9",
        }
        assert 'dunflow_model_info{mode="model",version="test/9"} 1.0' in c.get("/metrics").text
