"""Inputs schemathesis found answering 500: times outside the flow's calendar and amounts past a
BIGINT are now a 422 naming the field (``ledger.types``: FIRST_DAY, LAST_DAY, MAX_AMOUNT_CENTS)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ledger.types import MAX_AMOUNT_CENTS
from tests.serving.api.conftest import World


@pytest.mark.parametrize(
    "at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1969-12-31T23:59:59Z"]
)
def test_times_outside_the_calendar_are_refused(
    ladder_client: TestClient, world: World, at: str
) -> None:
    debtor = world.debtor_ids()[0]
    calls: list[tuple[str, dict[str, Any], str]] = [
        ("/v1/recommendations", {"debtor_ids": [debtor], "at": at}, "body.at"),
        ("/v1/outcomes", {"debtor_id": debtor, "kind": "complaint", "occurred_at": at},
         "body.occurred_at"),
    ]  # fmt: skip
    for path, body, field in calls:
        resp = ladder_client.post(path, json=body, headers=world.headers_a)
        assert resp.status_code == 422, resp.text
        (problem,) = resp.json()["detail"]
        assert problem["field"] == field
        assert "1970-01-01 and 2199-12-31" in problem["problem"]
    resp = ladder_client.get(f"/reports/weekly?as_of={at[:10]}", headers=world.headers_a)
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["field"] == "query.as_of"


def test_an_amount_past_the_limit_is_refused(ladder_client: TestClient, world: World) -> None:
    body = {
        "debtor_id": world.debtor_ids()[0],
        "kind": "paid",
        "amount_cents": MAX_AMOUNT_CENTS + 1,
    }
    resp = ladder_client.post("/v1/outcomes", json=body, headers=world.headers_a)
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["field"] == "body.amount_cents"
