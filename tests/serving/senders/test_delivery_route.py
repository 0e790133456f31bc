"""POST /v1/delivery-status: signed provider callbacks update the contact and the dossier."""

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.enums import Channel
from ledger.tables import Contact, DossierEvent
from ledger.types import utcnow
from policy import state_from_ledger
from serving.api.app import create_app
from serving.api.model_store import ModelStore
from serving.api.routes.delivery import router, settings_dep
from serving.senders.settings import SenderSettings
from serving.senders.webhook import sign
from tests import factories

SECRET = "callback-secret"


@pytest.fixture
def contact_key(engine: Engine) -> str:
    with Session(engine) as session:
        creditor = factories.creditor(session)
        debtor = factories.debtor(session, creditor, phone="+31612345678")
        session.add(
            Contact(
                creditor_id=creditor.id,
                debtor_id=debtor.id,
                channel="sms",
                tone="neutral",
                status="sent",
                idempotency_key="7:2026-03-03:reminder",
                receipt="prov-123",
            )
        )
        session.commit()
    return "7:2026-03-03:reminder"


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(engine=engine, model_store=ModelStore(None))
    app.include_router(router)
    app.dependency_overrides[settings_dep] = lambda: SenderSettings(
        sms_webhook_secret=SecretStr(SECRET)
    )
    with TestClient(app) as c:
        yield c


def _post(
    client: TestClient, payload: dict[str, Any], *, secret: str = SECRET, age_s: int = 0
) -> Any:
    body = json.dumps(payload).encode()
    ts = str(int(time.time()) - age_s)
    headers = {
        "Content-Type": "application/json",
        "X-Dunflow-Timestamp": ts,
        "X-Dunflow-Signature": sign(secret, ts, body),
    }
    return client.post("/v1/delivery-status", content=body, headers=headers)


def _contact(engine: Engine, key: str) -> Contact:
    with Session(engine) as session:
        return session.exec(select(Contact).where(Contact.idempotency_key == key)).one()


def _events(engine: Engine) -> list[DossierEvent]:
    with Session(engine) as session:
        return list(session.exec(select(DossierEvent)))


def test_good_signature_marks_delivered_and_records_the_event(
    client: TestClient, engine: Engine, contact_key: str
) -> None:
    payload = {
        "idempotency_key": contact_key,
        "status": "delivered",
        "provider_id": "prov-123",
        "detail": "handset",
    }
    response = _post(client, payload)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "idempotency_key": contact_key,
        "contact_status": "delivered",
        "changed": True,
    }
    contact = _contact(engine, contact_key)
    assert contact.status == "delivered"
    assert contact.receipt == "prov-123"
    [event] = _events(engine)
    assert event.kind == "contact_delivered"
    assert event.actor == "provider"
    assert event.debtor_id == contact.debtor_id
    assert event.payload["contact_id"] == contact.id

    again = _post(client, payload)  # providers retry callbacks: no second event
    assert again.status_code == 200
    assert again.json()["changed"] is False
    assert len(_events(engine)) == 1


def test_failed_delivery_keeps_the_reason(
    client: TestClient, engine: Engine, contact_key: str
) -> None:
    payload = {"idempotency_key": contact_key, "status": "failed", "detail": "number unknown"}
    assert _post(client, payload).status_code == 200
    contact = _contact(engine, contact_key)
    assert contact.status == "failed"
    assert contact.last_error == "number unknown"
    assert [e.kind for e in _events(engine)] == ["contact_failed"]


def test_a_number_the_provider_cannot_reach_makes_the_channel_unusable(
    client: TestClient, engine: Engine, contact_key: str
) -> None:
    payload = {
        "idempotency_key": contact_key,
        "status": "failed",
        "detail": "30006 landline or unreachable carrier",
        "address_unusable": True,
    }
    assert _post(client, payload).status_code == 200
    contact = _contact(engine, contact_key)
    unusable, failed = _events(engine)
    assert (unusable.kind, failed.kind) == ("channel_unusable", "contact_failed")
    assert unusable.actor == "provider"
    assert unusable.debtor_id == contact.debtor_id
    assert unusable.payload == {
        "channel": "sms",
        "address": "+31612345678",
        "reason": "30006 landline or unreachable carrier",
        "contact_id": contact.id,
        "idempotency_key": contact_key,
    }
    with Session(engine) as session:
        state = state_from_ledger(session, contact.debtor_id, utcnow())
    assert state.unusable == {Channel.SMS}  # the number may still take a call
    assert _post(client, payload).json()["changed"] is False
    assert len(_events(engine)) == 2


def test_bad_signature_is_401_naming_the_header(
    client: TestClient, engine: Engine, contact_key: str
) -> None:
    payload = {"idempotency_key": contact_key, "status": "delivered"}
    response = _post(client, payload, secret="wrong")
    assert response.status_code == 401
    assert response.json()["detail"][0]["field"] == "header.X-Dunflow-Signature"
    assert _contact(engine, contact_key).status == "sent"
    assert _events(engine) == []


def test_stale_or_missing_timestamp_is_401_naming_the_header(
    client: TestClient, contact_key: str
) -> None:
    payload = {"idempotency_key": contact_key, "status": "delivered"}
    stale = _post(client, payload, age_s=3600)
    assert stale.status_code == 401
    assert stale.json()["detail"][0]["field"] == "header.X-Dunflow-Timestamp"
    unsigned = client.post("/v1/delivery-status", json=payload)
    assert unsigned.status_code == 401
    assert unsigned.json()["detail"][0]["field"].startswith("header.X-Dunflow-")


def test_unknown_key_is_404_naming_the_field(client: TestClient, contact_key: str) -> None:
    response = _post(client, {"idempotency_key": "no-such-key", "status": "delivered"})
    assert response.status_code == 404
    assert response.json()["detail"][0]["field"] == "body.idempotency_key"


def test_invalid_status_is_422_naming_the_field(client: TestClient, contact_key: str) -> None:
    response = _post(client, {"idempotency_key": contact_key, "status": "read"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "body.status"


def test_cancelled_contact_is_409(client: TestClient, engine: Engine, contact_key: str) -> None:
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
        contact.status = "cancelled"
        session.add(contact)
        session.commit()
    response = _post(client, {"idempotency_key": contact_key, "status": "delivered"})
    assert response.status_code == 409
