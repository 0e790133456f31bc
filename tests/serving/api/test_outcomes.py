"""``POST /v1/outcomes``: each kind of feedback lands in the ledger and the dossier; a payment is
allocated and a payment or dispute cancels the pending contacts no longer wanted; every refusal
names its field."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact, ContactInvoice, DossierEvent, Invoice, Outcome, Payment
from tests.serving.api.conftest import World

KINDS = ["paid", "promise", "dispute", "wants_copy", "unreachable", "complaint"]


def _planned_contact(engine: Engine, world: World, debtor: str, invoice: str) -> int:
    """A planned e-mail to ``debtor`` covering ``invoice``, a day from now."""
    c, d, i = world.a.creditor, world.a.debtors[debtor], world.a.invoices[invoice]
    with Session(engine) as session:
        row = Contact(
            creditor_id=c.id or 0,
            debtor_id=d.id or 0,
            channel="email",
            tone="neutral",
            scheduled_at=datetime.now(UTC) + timedelta(days=1),
            status="planned",
            idempotency_key=f"test-{debtor}-{invoice}",
        )
        session.add(row)
        session.flush()
        session.add(ContactInvoice(contact_id=row.id, invoice_id=i.id, creditor_id=c.id))
        session.commit()
        return int(row.id or 0)


def _post(client: TestClient, world: World, **body: Any) -> Any:
    return client.post("/v1/outcomes", json=body, headers=world.headers_a)


def _status(engine: Engine, contact_id: int) -> str:
    with Session(engine) as session:
        row = session.get(Contact, contact_id)
        assert row is not None
        return row.status


def _kinds_in_dossier(engine: Engine, debtor_id: int) -> list[str]:
    with Session(engine) as session:
        return [
            e.kind
            for e in session.exec(select(DossierEvent).where(DossierEvent.debtor_id == debtor_id))
        ]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_written_to_the_ledger_and_the_dossier(
    ladder_client: TestClient, world: World, engine: Engine, kind: str
) -> None:
    debtor = world.a.debtors["D1"]
    contact = _planned_contact(engine, world, "D1", "I1")
    extra: dict[str, Any] = {}
    if kind == "paid":
        extra["amount_cents"] = 1_000
    if kind == "promise":
        extra["promised_date"] = (date.today() + timedelta(days=7)).isoformat()
    resp = _post(
        ladder_client, world, debtor_id=debtor.id, kind=kind, contact_id=contact, note="t", **extra
    )
    assert resp.status_code == 201, resp.text
    outcome_id = resp.json()["outcome_id"]
    with Session(engine) as session:
        row = session.get(Outcome, outcome_id)
        assert row is not None
        assert (row.kind, row.debtor_id, row.contact_id, row.note) == (
            kind,
            debtor.id,
            contact,
            "t",
        )
        assert row.creditor_id == world.a.creditor.id
    assert f"outcome_{kind}" in _kinds_in_dossier(engine, debtor.id or 0)


def test_a_payment_is_allocated_and_cancels_pending_contacts(
    ladder_client: TestClient, world: World, engine: Engine
) -> None:
    debtor, invoice = world.a.debtors["D1"], world.a.invoices["I1"]
    contact = _planned_contact(engine, world, "D1", "I1")
    resp = _post(ladder_client, world, debtor_id=debtor.id, kind="paid", amount_cents=121_000)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["cancelled_contacts"] >= 1
    assert _status(engine, contact) == "cancelled"
    with Session(engine) as session:
        payment = session.get(Payment, body["payment_id"])
        assert payment is not None
        assert payment.amount_cents == 121_000
        paid = session.get(Invoice, invoice.id)
        assert paid is not None
        assert paid.open_amount_cents == 0
    assert "contact_cancelled" in _kinds_in_dossier(engine, debtor.id or 0)


def test_a_part_payment_keeps_the_contact(
    ladder_client: TestClient, world: World, engine: Engine
) -> None:
    debtor = world.a.debtors["D1"]
    contact = _planned_contact(engine, world, "D1", "I1")
    resp = _post(ladder_client, world, debtor_id=debtor.id, kind="paid", amount_cents=1_000)
    assert resp.status_code == 201
    assert _status(engine, contact) == "planned"


def test_a_dispute_cancels_pending_contacts(
    ladder_client: TestClient, world: World, engine: Engine
) -> None:
    debtor = world.a.debtors["D1"]
    contact = _planned_contact(engine, world, "D1", "I1")
    resp = _post(ladder_client, world, debtor_id=debtor.id, kind="dispute", contact_id=contact)
    assert resp.status_code == 201, resp.text
    assert resp.json()["cancelled_contacts"] >= 1
    assert _status(engine, contact) == "cancelled"


def test_a_promise_records_its_date(
    ladder_client: TestClient, world: World, engine: Engine
) -> None:
    debtor = world.a.debtors["D2"]
    promised = date.today() + timedelta(days=10)
    resp = _post(
        ladder_client,
        world,
        debtor_id=debtor.id,
        kind="promise",
        promised_date=promised.isoformat(),
    )
    assert resp.status_code == 201
    with Session(engine) as session:
        row = session.get(Outcome, resp.json()["outcome_id"])
        assert row is not None
        assert row.promised_date == promised


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "promise"}, "body.promised_date"),
        ({"kind": "promise", "promised_date": "2000-01-01"}, "body.promised_date"),
        ({"kind": "paid"}, "body.amount_cents"),
        ({"kind": "paid", "amount_cents": 0}, "body.amount_cents"),
        ({"kind": "refund"}, "body.kind"),
        ({"kind": "complaint", "occurred_at": "2026-01-01T10:00:00"}, "body.occurred_at"),
        ({"kind": "complaint", "occurred_at": "2999-01-01T10:00:00+00:00"}, "body.occurred_at"),
        ({"kind": "complaint", "note": "x" * 501}, "body.note"),
        ({"kind": "complaint", "extra": 1}, "body.extra"),
    ],
)
def test_invalid_outcomes_name_the_field(
    ladder_client: TestClient, world: World, body: dict[str, Any], field: str
) -> None:
    resp = _post(ladder_client, world, debtor_id=world.a.debtors["D1"].id, **body)
    assert resp.status_code == 422, resp.text
    assert resp.json()["detail"][0]["field"] == field
    assert resp.json()["detail"][0]["problem"]


def test_unknown_contact_is_a_404_naming_the_contact(
    ladder_client: TestClient, world: World
) -> None:
    resp = _post(
        ladder_client,
        world,
        debtor_id=world.a.debtors["D1"].id,
        kind="complaint",
        contact_id=987_654,
    )
    assert resp.status_code == 404
    assert resp.json()["detail"][0]["field"] == "body.contact_id"


def test_another_debtors_contact_is_a_404(
    ladder_client: TestClient, world: World, engine: Engine
) -> None:
    contact = _planned_contact(engine, world, "D1", "I1")
    resp = _post(
        ladder_client,
        world,
        debtor_id=world.a.debtors["D2"].id,
        kind="complaint",
        contact_id=contact,
    )
    assert resp.status_code == 404
    assert resp.json()["detail"][0]["field"] == "body.contact_id"
