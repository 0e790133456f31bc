"""``POST /v1/imports/{entity}`` and ``GET /v1/debtors``: a creditor set up through the API alone;
a bad file is a 422 naming each row and column, and nothing is written."""

from fastapi.testclient import TestClient

from tests.serving.api.conftest import Tenants

DEBTORS = (
    "external_id,kind,name,email,phone\n"
    "K-1,b2b,Bakkerij Jansen,info@jansen.test,0612345678\n"
    "K-2,b2c,Piet Pieters,piet@example.test,\n"
)
INVOICES = (
    "number,debtor_external_id,issue_date,due_date,amount\nF-1,K-1,2026-01-01,2026-01-31,121.00\n"
)


def test_import_through_the_api(client: TestClient, tenants: Tenants) -> None:
    headers = {"X-API-Key": tenants.key_a}
    made = client.post("/v1/imports/debtors", json={"content": DEBTORS}, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["inserted"] == 2
    again = client.post("/v1/imports/debtors", json={"content": DEBTORS}, headers=headers)
    assert again.json()["unchanged"] == 2
    bad = INVOICES.replace("2026-01-31", "31-01-2026").replace("121.00", "x")
    refused = client.post(
        "/v1/imports/invoices", json={"content": bad, "filename": "f.csv"}, headers=headers
    )
    assert refused.status_code == 422
    fields = [p["field"] for p in refused.json()["detail"]]
    assert fields == ["body.content.row 1.due_date", "body.content.row 1.amount"]
    ok = client.post("/v1/imports/invoices", json={"content": INVOICES}, headers=headers)
    assert ok.json()["inserted"] == 1
    found = client.get("/v1/debtors", params={"number": "K-1"}, headers=headers).json()
    assert [(d["external_id"], d["name"]) for d in found] == [("K-1", "Bakkerij Jansen")]
    theirs = client.get("/v1/debtors", headers={"X-API-Key": tenants.key_b}).json()
    assert theirs == []
    wrong = client.post(
        "/v1/imports/payments", json={"format": "sap", "content": "x"}, headers=headers
    )
    assert wrong.json()["detail"][0]["field"] == "body.format"
