"""Creditor settings through the API: an admin creates, a creditor's key changes its own, every
change audited (who, when, old → new) and the rules use the new values."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Creditor, DossierEvent
from policy.ledger_state import creditor_settings
from serving.api.security import create_api_key
from tests.serving.api.conftest import Tenants


def _headers(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


def test_admin_creates_a_creditor_and_its_key_changes_its_settings(
    client: TestClient, tenants: Tenants, engine: Engine
) -> None:
    admin = _headers(tenants.admin_key)
    made = client.post(
        "/v1/creditors",
        json={"name": "Nieuw B.V.", "settings": {"min_gap_days": 5, "language": "en"}},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    assert made.json()["settings"]["min_gap_days"] == 5
    assert (
        client.post("/v1/creditors", json={"name": "Nieuw B.V."}, headers=admin).status_code == 409
    )
    with Session(engine) as session:
        key = create_api_key(session, creditor_id=cid)
        session.commit()
    mine = _headers(key)
    changed = client.patch(
        f"/v1/creditors/{cid}/settings",
        json={
            "allowed_weekdays": [0, 1, 2, 3, 4],
            "contact_start_minute": 9 * 60,
            "contact_end_minute": 17 * 60,
            "disabled_channels": ["robocall"],
            "digest_recipients": ["ar@nieuw.nl"],
        },
        headers=mine,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["changes"]["contact_start_minute"] == {"old": 420, "new": 540}
    history = client.get(f"/v1/creditors/{cid}/settings/history", headers=mine).json()
    assert [h["kind"] for h in history] == ["settings_changed", "creditor_created"]
    assert history[0]["actor"].startswith("api:key#")
    assert history[0]["changes"]["allowed_weekdays"]["new"] == [0, 1, 2, 3, 4]
    assert client.get("/v1/creditors", headers=mine).json()[0]["id"] == cid
    assert len(client.get("/v1/creditors", headers=admin).json()) == 3
    with Session(engine) as session:
        row = session.get(Creditor, cid)
        assert row is not None
        rules = creditor_settings(row)
        events = session.exec(select(DossierEvent).where(DossierEvent.creditor_id == cid)).all()
    assert rules.allowed_weekdays == frozenset(range(5))
    assert rules.contact_start_minute == 540
    assert "robocall" not in rules.enabled_channels
    assert {e.kind for e in events} == {"creditor_created", "settings_changed"}
    assert all(e.debtor_id is None and e.occurred_at <= datetime.now(UTC) for e in events)


def test_a_setting_wider_than_the_law_is_a_422_naming_it_and_nothing_changes(
    client: TestClient, tenants: Tenants, engine: Engine
) -> None:
    resp = client.patch(
        f"/v1/creditors/{tenants.creditor_a}/settings",
        json={"allowed_weekdays": [5, 6], "contact_end_minute": 21 * 60, "min_gap_days": 9},
        headers=_headers(tenants.key_a),
    )
    assert resp.status_code == 422
    fields = {p["field"] for p in resp.json()["detail"]}
    assert fields == {"body.allowed_weekdays", "body.contact_end_minute"}
    assert "Sunday" in resp.text
    with Session(engine) as session:
        row = session.get(Creditor, tenants.creditor_a)
        assert row is not None
        assert row.min_gap_days == 3
        history = session.exec(select(DossierEvent).where(DossierEvent.kind == "settings_changed"))
        assert history.all() == []


def test_a_creditor_key_cannot_create_creditors(client: TestClient, tenants: Tenants) -> None:
    resp = client.post("/v1/creditors", json={"name": "X"}, headers=_headers(tenants.key_a))
    assert resp.status_code == 403
    assert resp.json()["detail"][0]["field"] == "header.X-API-Key"


def test_admin_reads_and_changes_any_creditor(client: TestClient, tenants: Tenants) -> None:
    admin = _headers(tenants.admin_key)
    url = f"/v1/creditors/{tenants.creditor_b}/settings"
    resp = client.patch(url, json={"promise_confirmation_mail": False}, headers=admin)
    assert resp.status_code == 200, resp.text
    assert client.get(url, headers=admin).json()["settings"]["promise_confirmation_mail"] is False
