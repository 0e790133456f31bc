"""The tenant-isolation matrix: every route that takes an id × another creditor's id answers 404
with the same body as an id that does not exist (no existence leak); every route that needs a key
answers 401 naming ``header.X-API-Key`` without one or with a wrong one; key kinds are kept apart.

The delivery-status callback is not in the matrix: it is authenticated by the provider's HMAC
signature, not by a creditor's key (``tests/serving/senders/test_delivery_route.py``).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact, Segment
from serving.api.model_store import ModelStore
from tests.serving.api.conftest import World, build_world, make_app

MISSING_DEBTOR = 987_654_321
MISSING_CONTACT = 987_654_322
MISSING_REC = "00000000-0000-4000-8000-00000000dead"  # the same length as a real id
MISSING_CREDITOR = 987_654_323
MISSING_SEGMENT = 987_654_324
MISSING_CASE = "CC-MISSING-987654325"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str  # may contain {rec}, {debtor}, {creditor}, {segment} and {case}
    body: Callable[[int, int, str], dict[str, Any]] | None = None  # (debtor, contact, rec) -> body


CASES = [
    Case(
        "recommend another's debtor",
        "POST",
        "/v1/recommendations",
        lambda d, c, r: {"debtor_ids": [d], "at": "2026-11-24T09:00:00+01:00"},
    ),
    Case("read another's recommendation", "GET", "/v1/recommendations/{rec}"),
    Case(
        "outcome for another's debtor",
        "POST",
        "/v1/outcomes",
        lambda d, c, r: {"debtor_id": d, "kind": "complaint"},
    ),
    Case(
        "outcome on another's contact",
        "POST",
        "/v1/outcomes",
        lambda d, c, r: {"debtor_id": "OWN", "contact_id": c, "kind": "complaint"},
    ),
    Case("decision page of another's recommendation", "GET", "/reports/decisions/{rec}"),
    Case("decision PDF of another's recommendation", "GET", "/reports/decisions/{rec}.pdf"),
    Case(
        "signed link to another's decision",
        "POST",
        "/reports/links",
        lambda d, c, r: {"path": f"/reports/decisions/{r}"},
    ),
    Case("read another's settings", "GET", "/v1/creditors/{creditor}/settings"),
    Case(
        "change another's settings",
        "PATCH",
        "/v1/creditors/{creditor}/settings",
        lambda d, c, r: {"min_gap_days": 4},
    ),
    Case("read another's settings history", "GET", "/v1/creditors/{creditor}/settings/history"),
    Case("read another's segment", "GET", "/v1/segments/{segment}"),
    Case(
        "change another's segment",
        "PATCH",
        "/v1/segments/{segment}",
        lambda d, c, r: {"priority": 5},
    ),
    Case(
        "put another's debtor in a segment",
        "PUT",
        "/v1/debtors/{debtor}/segment",
        lambda d, c, r: {"segment_id": None},
    ),
    Case(
        "act on another's dossier",
        "POST",
        "/v1/debtors/{debtor}/actions",
        lambda d, c, r: {"action": "note", "text": "hello"},
    ),
    Case("read another's dossier", "GET", "/v1/debtors/{debtor}/dossier"),
    Case("export another's dossier", "GET", "/v1/debtors/{debtor}/export.zip"),
    Case("read another's call case", "GET", "/v1/calls/cases/{case}"),
    Case(
        "report a call on another's row key",
        "POST",
        "/v1/calls/outcomes",
        lambda d, c, r: {"row_key": "CASE", "outcome": "no_answer"},
    ),
]


def _contact_of(engine: Engine, creditor_id: int) -> int:
    with Session(engine) as session:
        row = session.exec(select(Contact).where(Contact.creditor_id == creditor_id)).first()
        assert row is not None
        return int(row.id or 0)


def _segment_of(engine: Engine, creditor_id: int) -> int:
    with Session(engine) as session:
        row = Segment(creditor_id=creditor_id, name="matrix")
        session.add(row)
        session.commit()
        return int(row.id or 0)


def _case_of(engine: Engine, world: World) -> str:
    from datetime import UTC, datetime

    from serving.operate.call_cases import open_case

    with Session(engine) as session:
        debtor = world.b.debtors["D4"]
        row = open_case(session, world.b.creditor, debtor, [], datetime.now(UTC))
        session.commit()
        return row.key


def _call(
    client: TestClient,
    case: Case,
    world: World,
    headers: dict[str, str],
    ids: tuple[int, int, str, int, int, str],
) -> Any:
    debtor, contact, rec, creditor, segment, call_case = ids
    body = case.body(debtor, contact, rec) if case.body else None
    if body is not None and body.get("debtor_id") == "OWN":
        body["debtor_id"] = world.a.debtors["D1"].id
    if body is not None and body.get("row_key") == "CASE":
        body["row_key"] = call_case
    path = case.path.format(
        rec=rec, debtor=debtor, creditor=creditor, segment=segment, case=call_case
    )
    return client.request(case.method, path, json=body, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_another_creditors_ids_answer_like_missing_ones(
    learned_client: TestClient, world: World, engine: Engine, case: Case
) -> None:
    theirs = (
        int(world.b.debtors["D4"].id or 0),
        _contact_of(engine, world.b.creditor.id or 0),
        world.rec_b,
        int(world.b.creditor.id or 0),
        _segment_of(engine, world.b.creditor.id or 0),
        _case_of(engine, world),
    )
    missing = (
        MISSING_DEBTOR,
        MISSING_CONTACT,
        MISSING_REC,
        MISSING_CREDITOR,
        MISSING_SEGMENT,
        MISSING_CASE,
    )
    got_theirs = _call(learned_client, case, world, world.headers_a, theirs)
    got_missing = _call(learned_client, case, world, world.headers_a, missing)
    assert got_theirs.status_code == 404, got_theirs.text
    assert got_missing.status_code == 404, got_missing.text
    expected = got_missing.text  # the missing ids are long and unique: safe to substitute
    for other, mine in zip(missing, theirs, strict=True):
        expected = expected.replace(str(other), str(mine))
    assert got_theirs.text == expected
    problem = got_theirs.json()["detail"][0]
    assert problem["field"]
    assert problem["problem"]
    # and B itself sees its own row (the 404 is about tenancy, not a broken route)
    got_own = _call(learned_client, case, world, {"X-API-Key": world.key_b}, theirs)
    if case.name != "outcome on another's contact":  # that body names A's debtor
        assert got_own.status_code in (200, 201), got_own.text


@pytest.fixture(scope="module")
def read_only(module_engine: Engine) -> Iterator[tuple[TestClient, World]]:
    """One world and ladder client for the tests below, which only read (a refused request
    writes nothing): built once per database instead of once for each of their 262 cases."""
    world = build_world(module_engine)
    with TestClient(make_app(module_engine, ModelStore(None))) as client:
        yield client, world


KEYED = [
    ("POST", "/v1/recommendations", {"debtor_ids": [1]}),
    ("GET", "/v1/recommendations/{rec}", None),
    ("POST", "/v1/outcomes", {"debtor_id": 1, "kind": "complaint"}),
    ("POST", "/v1/admin/reload", None),
    ("GET", "/reports/weekly", None),
    ("GET", "/reports/weekly.pdf", None),
    ("GET", "/reports/decisions/{rec}", None),
    ("GET", "/reports/decisions/{rec}.pdf", None),
    ("POST", "/reports/links", {"path": "/reports/weekly"}),
    ("GET", "/v1/creditors", None),
    ("POST", "/v1/creditors", {"name": "X"}),
    ("GET", "/v1/creditors/1/settings", None),
    ("PATCH", "/v1/creditors/1/settings", {"min_gap_days": 4}),
    ("GET", "/v1/creditors/1/settings/history", None),
    ("GET", "/v1/segments", None),
    ("POST", "/v1/segments", {"name": "x"}),
    ("GET", "/v1/segments/1", None),
    ("PATCH", "/v1/segments/1", {"priority": 5}),
    ("POST", "/v1/segments/assign", None),
    ("PUT", "/v1/debtors/1/segment", {"segment_id": None}),
    ("POST", "/v1/debtors/1/actions", {"action": "note", "text": "x"}),
    ("GET", "/v1/debtors/1/dossier", None),
    ("GET", "/v1/notifications", None),
    ("GET", "/v1/debtors/1/export.zip", None),
    ("POST", "/v1/imports/debtors", {"content": "external_id,name\n"}),
    ("GET", "/v1/debtors", None),
    ("POST", "/v1/creditors/1/keys", {"label": "x"}),
    ("GET", "/v1/calls/worklist", None),
    ("GET", "/v1/calls/cases/CC-1", None),
    ("POST", "/v1/calls/outcomes", {"row_key": "CC-1", "outcome": "no_answer"}),
    ("POST", "/v1/calls/outcomes.csv", {"content": "row_key,outcome\n"}),
    ("PUT", "/v1/invoices/X-1/call-after", {"days": 3}),
]


@pytest.mark.parametrize(("method", "path", "body"), KEYED, ids=[f"{m} {p}" for m, p, _ in KEYED])
@pytest.mark.parametrize(
    "key",
    [None, "", "garbage", "dfk_000000000000_wrong"],
    ids=["none", "empty", "malformed", "wrong"],
)
def test_no_or_a_wrong_key_is_a_401_naming_the_header(
    read_only: tuple[TestClient, World],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    key: str | None,
) -> None:
    ladder_client, world = read_only
    headers = {} if key is None else {"X-API-Key": key}
    resp = ladder_client.request(method, path.format(rec=world.rec_a), json=body, headers=headers)
    assert resp.status_code == 401, resp.text
    (problem,) = resp.json()["detail"]
    assert problem["field"] == "header.X-API-Key"
    assert problem["problem"]


def test_a_revoked_key_is_refused(ladder_client: TestClient, world: World, engine: Engine) -> None:
    from serving.api.security import authenticate, revoke

    with Session(engine) as session:
        principal = authenticate(session, world.key_a)
        assert principal is not None
        revoke(session, principal.key_id)
        session.commit()
    resp = ladder_client.get(f"/v1/recommendations/{world.rec_a}", headers=world.headers_a)
    assert resp.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/recommendations", {"debtor_ids": [1]}),
        ("GET", "/v1/recommendations/x", None),
        ("POST", "/v1/outcomes", {"debtor_id": 1, "kind": "complaint"}),
    ],
)
def test_an_admin_key_sees_no_creditors_data(
    read_only: tuple[TestClient, World], method: str, path: str, body: dict[str, Any] | None
) -> None:
    ladder_client, world = read_only
    resp = ladder_client.request(method, path, json=body, headers={"X-API-Key": world.admin_key})
    assert resp.status_code == 403
    assert resp.json()["detail"][0]["field"] == "header.X-API-Key"
