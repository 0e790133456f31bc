"""The per-day trainer's decision log: a ledger whose decision log holds per-day answers and a
plan's answers (checkpoints and the days between) gives the per-day trainer only its own."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from ledger.tables import Recommendation
from tests import factories
from training.plan_ledger import ledger_checkpoints
from training.policy_data import read_decisions

DAY = datetime(2026, 3, 2, 7, tzinfo=UTC)


def _plan(checkpoint: bool) -> dict[str, Any]:
    return {"arm": 1, "label": "email/friendly/7d", "checkpoint": checkpoint,
            "chosen_on": DAY.date().isoformat(), "dpd": 14, "propensity": 0.25,
            "available": None}  # fmt: skip


def test_read_decisions_leaves_a_plans_answers_out(session: Session) -> None:
    creditor = factories.creditor(session)
    other = factories.creditor(session)
    debtors = [factories.debtor(session, c) for c in (creditor, creditor, other)]
    for d in debtors:
        factories.invoice(session, d)
    bodies: dict[str, dict[str, Any]] = {
        "api": {"plan": None, "stage": "reminder"},  # a per-day champion's answer
        "simulator": {"source": "simulator"},  # a simulated per-day logging decision
        "checkpoint": {"plan": _plan(True)},  # a plan chosen
        "between": {"plan": _plan(False)},  # the plan in force, acting today
    }
    for k, d in enumerate(debtors):
        for j, (kind, body) in enumerate(bodies.items()):
            session.add(
                Recommendation(id=f"{kind}-{k}", creditor_id=d.creditor_id, debtor_id=d.id or 0,
                               created_at=DAY + timedelta(days=j), model_version=kind,
                               channel="email", tone="friendly", propensity=0.25, body=body)
            )  # fmt: skip
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, Engine)

    own = {f"{kind}-{k}" for kind in ("api", "simulator") for k in range(len(debtors))}
    assert set(read_decisions(engine).frame["id"]) == own
    mine = read_decisions(engine, creditor.id).frame
    assert set(mine["id"]) == {i for i in own if not i.endswith("-2")}
    # the plan learner reads its checkpoints alone: one a debtor of the creditor
    plans = ledger_checkpoints(engine, creditor_id=creditor.id).log
    assert plans.day[0].tolist() == [0, 0]
