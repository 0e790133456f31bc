"""A user of creditor A can neither see nor change anything of creditor B, over EVERY ``/app``
route (walked from the routers the app installs, ``serving.webapp.ROUTERS``, so a new page is
tried without a line more; ``app.routes`` holds the included routers unexpanded): a route with an
id of B's answers 404, a page without ids shows none of B's, and no POST changes any of B's rows.
A new path parameter must be given one of B's values below, or this test fails and says so."""

from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from ledger.tables import (
    CallAttempt,
    Contact,
    Creditor,
    Debtor,
    DossierEvent,
    Invoice,
    Outcome,
    Recommendation,
    Segment,
    User,
)
from serving.webapp import ROUTERS
from tests.serving.webapp.conftest import Tenants, csrf_of, log_in, webapp

# not a creditor's page: the log-in form and log-out (tried in test_login_routes)
NOT_SCOPED = {"/app/login", "/app/logout"}
TABLES: list[type[SQLModel]] = [
    Creditor, Debtor, Invoice, Contact, Outcome, DossierEvent, Segment, User, CallAttempt,
    Recommendation,
]  # fmt: skip
FORM: dict[str, Any] = {
    "action": "note", "text": "from A", "reason": "from A", "row_key": "case-other",
    "outcome": "no_answer", "name": "from A", "allowed_weekdays": ["0"], "language": "en",
    "contact_start_minute": "08:00", "contact_end_minute": "18:00", "digest_minute": "08:00",
    "min_gap_days": "3", "bundle_days": "0", "complaint_pause_days": "1", "digest_weekday": "0",
    "payment_reference_scheme": "invoice_number", "default_tone": "neutral", "priority": "1",
}  # fmt: skip


def _of_b(engine: Engine, other_id: int) -> str:
    """Every row of B, as text: equal before and after means nothing of B changed."""
    with Session(engine) as session:
        rows = []
        for table in TABLES:
            column = table.id if table is Creditor else table.creditor_id  # type: ignore[attr-defined]
            found = session.exec(select(table).where(column == other_id)).all()
            rows += sorted(repr(r.model_dump()) for r in found)
        return "\n".join(rows)


def _ids_of_b(engine: Engine, other_id: int) -> dict[str, str]:
    with Session(engine) as session:
        segment = Segment(creditor_id=other_id, name="B's own")
        session.add(segment)
        session.commit()

        def first(table: Any) -> Any:
            return session.exec(select(table).where(table.creditor_id == other_id)).first()

        return {
            "debtor_id": str(first(Debtor).id),
            "contact_id": str(first(Contact).id),
            "recommendation_id": str(first(Recommendation).id),
            "segment_id": str(segment.id),
        }


def test_a_user_of_a_sees_and_changes_nothing_of_b(engine: Engine, tenants: Tenants) -> None:
    ids = _ids_of_b(engine, tenants.other_id)
    app = webapp(engine)
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) >= 10
    tried = 0
    with TestClient(app) as client:
        log_in(client, Tenants.email("admin"))
        for route in routes:
            if route.path in NOT_SCOPED:
                continue
            params = [p.name for p in route.dependant.path_params]
            unknown = [p for p in params if p not in ids]
            assert not unknown, f"{route.path}: give {unknown} one of B's values in _ids_of_b"
            path = route.path.format(**ids)
            for method in sorted(route.methods):
                before = _of_b(engine, tenants.other_id)
                if method == "GET":
                    answer = client.get(path)
                else:
                    answer = client.post(path, data={**FORM, "csrf": csrf_of(client)})
                where = f"{method} {path}"
                assert answer.status_code != 500, where
                if params:
                    assert answer.status_code == 404, where
                else:
                    assert answer.status_code in (200, 303, 422), where
                    links = (
                        f'/app/debtors/{ids["debtor_id"]}"',
                        f'/app/segments/{ids["segment_id"]}"',
                        ids["recommendation_id"],
                    )
                    for link in links:
                        assert link not in answer.text, where
                    assert "case-other" not in answer.text or method == "POST", where
                assert _of_b(engine, tenants.other_id) == before, where
                tried += 1
    assert tried >= 12
