"""``/v1/calls``: the worklist, a case, outcomes by row key (JSON and a CSV's text, every problem
naming the row and column), and an invoice's own call-after days (its creditor's invoice only)."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Creditor, Invoice
from serving.operate.call_cases import open_due_cases
from tests import factories
from tests.serving.api.conftest import Tenants


def test_calls_through_the_api(client: TestClient, tenants: Tenants, engine: Engine) -> None:
    headers = {"X-API-Key": tenants.key_a}
    now = datetime.now(UTC)
    with Session(engine) as session:
        a = session.get(Creditor, tenants.creditor_a)
        b = session.get(Creditor, tenants.creditor_b)
        assert a is not None
        assert b is not None
        for creditor in (a, b):
            d = factories.debtor(session, creditor, phone="0612345678", external_id="K-1")
            factories.invoice(session, d, number="F-1", due_date=now.date() - timedelta(days=5))
        session.commit()
    put = client.put("/v1/invoices/F-1/call-after", json={"days": 4}, headers=headers)
    assert put.status_code == 200, put.text
    assert client.put("/v1/invoices/F-9/call-after", json={"days": 4}, headers=headers).json() == {
        "detail": [{"field": "path.number", "problem": "no invoice 'F-9'"}]
    }
    with Session(engine) as session:
        days = session.exec(select(Invoice.creditor_id, Invoice.call_after_days)).all()
        assert sorted(days) == [(tenants.creditor_a, 4), (tenants.creditor_b, None)]
        a = session.get(Creditor, tenants.creditor_a)
        assert a is not None
        (case,) = open_due_cases(session, a, now)
        session.commit()
        key = case.key
    days_ahead = [(now + timedelta(days=n)).date().isoformat() for n in range(4)]
    listed = [
        item
        for day in days_ahead
        for item in client.get("/v1/calls/worklist", params={"day": day}, headers=headers).json()
    ]
    assert listed
    assert {i["row_key"] for i in listed} == {key}
    assert listed[0]["invoices"][0]["number"] == "F-1"
    bad = "row_key,outcome\n" + key + ",maybe\n"
    refused = client.post("/v1/calls/outcomes.csv", json={"content": bad}, headers=headers)
    assert refused.status_code == 422
    (problem,) = refused.json()["detail"]
    assert problem["field"] == "body.content.row 1.outcome"
    said = client.post(
        "/v1/calls/outcomes",
        json={"row_key": key, "outcome": "promise", "promised_date": days_ahead[3]},
        headers=headers,
    )
    assert said.status_code == 201, said.text
    assert said.json()["case_status"] == "closed"
    got = client.get(f"/v1/calls/cases/{key}", headers=headers).json()
    assert got["result"] == "promise"
    assert [a["outcome"] for a in got["attempts"]][:1] == ["promise"]
    unknown = client.post(
        "/v1/calls/outcomes", json={"row_key": "CC-X", "outcome": "no_answer"}, headers=headers
    )
    assert unknown.status_code == 404
    assert unknown.json()["detail"][0]["field"] == "body.row_key"
