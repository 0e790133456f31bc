"""Dossier actions and outcomes through the API: each is a dossier event and changes what the
rules allow (paused, disputed, promised, a channel unreachable); a complaint pauses and tells the
creditor; "wants a copy" plans the invoice copy at the next allowed slot."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact, Invoice
from tests.serving.api.conftest import World


def _act(client: TestClient, world: World, debtor: int, **body: Any) -> Any:
    return client.post(f"/v1/debtors/{debtor}/actions", json=body, headers=world.headers_a)


def _dossier(client: TestClient, world: World, debtor: int) -> Any:
    return client.get(f"/v1/debtors/{debtor}/dossier", headers=world.headers_a).json()


def _next(client: TestClient, world: World, debtor: int) -> Any:
    now = datetime.now(UTC).isoformat()
    recs = client.post(
        "/v1/recommendations", json={"debtor_ids": [debtor], "at": now}, headers=world.headers_a
    ).json()["recommendations"]
    return recs[0]


def test_pause_resume_dispute_resolve_promise_note(
    learned_client: TestClient, world: World, engine: Engine
) -> None:
    d1 = int(world.a.debtors["D1"].id or 0)  # B2B, I1 long overdue: the rules would act
    assert _next(learned_client, world, d1)["action"]["channel"] is not None
    paused = _act(learned_client, world, d1, action="pause", reason="in overleg")
    assert paused.status_code == 201, paused.text
    assert _dossier(learned_client, world, d1)["paused"] is True
    waiting = _next(learned_client, world, d1)
    assert waiting["action"]["channel"] is None
    assert _act(learned_client, world, d1, action="resume").status_code == 201
    assert _dossier(learned_client, world, d1)["paused"] is False
    later = (date.today() + timedelta(days=10)).isoformat()
    _act(learned_client, world, d1, action="pause", reason="vakantie", until=later)
    assert _dossier(learned_client, world, d1)["paused"] is True
    _act(learned_client, world, d1, action="resume")

    disputed = _act(
        learned_client, world, d1, action="dispute", reason="levering", invoice_numbers=["BAD"]
    )
    assert disputed.status_code == 422
    assert disputed.json()["detail"][0]["field"] == "body.invoice_numbers"
    _act(learned_client, world, d1, action="dispute", reason="levering onvolledig")
    assert _dossier(learned_client, world, d1)["disputed"] is True
    assert _next(learned_client, world, d1)["action"]["channel"] is None
    number = world.a.invoices["I1"].number
    too_much = _act(
        learned_client,
        world,
        d1,
        action="resolve_dispute",
        resolution="credit_note",
        invoice_number=number,
        credit_cents=10**9,
    )
    assert too_much.json()["detail"][0]["field"] == "body.credit_cents"
    credited = _act(
        learned_client,
        world,
        d1,
        action="resolve_dispute",
        resolution="credit_note",
        invoice_number=number,
        credit_cents=21_000,
    )
    assert credited.json()["action"] == "resolve_dispute"
    assert _dossier(learned_client, world, d1)["disputed"] is False
    with Session(engine) as session:
        invoice = session.get(Invoice, world.a.invoices["I1"].id)
        assert invoice is not None
        assert invoice.open_amount_cents == 100_000
    assert _next(learned_client, world, d1)["action"]["channel"] is not None

    promised_on = (date.today() + timedelta(days=5)).isoformat()
    _act(
        learned_client, world, d1, action="promise", amount_cents=100_000, promised_date=promised_on
    )
    assert _dossier(learned_client, world, d1)["promise_date"] == promised_on
    assert _next(learned_client, world, d1)["action"]["channel"] is None
    _act(learned_client, world, d1, action="note", text="belt terug op vrijdag")
    kinds = [e["kind"] for e in _dossier(learned_client, world, d1)["events"]]
    for kind in (
        "paused",
        "resumed",
        "outcome_dispute",
        "dispute_resolved",
        "outcome_promise",
        "note",
    ):
        assert kind in kinds


def test_outcomes_act(learned_client: TestClient, world: World, engine: Engine) -> None:
    h = world.headers_a
    d2, d3 = int(world.a.debtors["D2"].id or 0), int(world.a.debtors["D5"].id or 0)
    assert "email" in _dossier(learned_client, world, d2)["usable_channels"]
    gone = learned_client.post(
        "/v1/outcomes", json={"debtor_id": d2, "kind": "unreachable", "channel": "email"}, headers=h
    )
    assert gone.json()["unreachable_channel"] == "email"
    assert "email" not in _dossier(learned_client, world, d2)["usable_channels"]
    assert _next(learned_client, world, d2)["action"]["channel"] != "email"

    copy = learned_client.post(
        "/v1/outcomes", json={"debtor_id": d3, "kind": "wants_copy"}, headers=h
    )
    assert copy.json()["copy_planned"] is True
    with Session(engine) as session:
        planned = session.exec(
            select(Contact).where(Contact.debtor_id == d3, Contact.template == "invoice_copy")
        ).all()
    assert len(planned) == 1
    assert planned[0].status == "planned"
    assert planned[0].scheduled_at is not None
    assert planned[0].scheduled_at >= datetime.now(UTC) - timedelta(minutes=1)

    complaint = learned_client.post(
        "/v1/outcomes",
        json={"debtor_id": d3, "kind": "complaint", "note": "te vaak gebeld"},
        headers=h,
    ).json()
    assert complaint["paused_days"] == 14
    assert complaint["creditor_notified"] is True
    assert complaint["cancelled_contacts"] >= 1
    with Session(engine) as session:
        held = session.get(Contact, planned[0].id)
        assert held is not None
        assert held.status == "cancelled"  # the copy waits too: the dossier is on hold
    assert _dossier(learned_client, world, d3)["paused"] is True
    told = learned_client.get("/v1/notifications", headers=h).json()
    assert told[0]["payload"]["reason"] == "complaint"
    assert "te vaak gebeld" in told[0]["payload"]["text"]
    theirs = learned_client.get("/v1/notifications", headers={"X-API-Key": world.key_b}).json()
    assert theirs == []
