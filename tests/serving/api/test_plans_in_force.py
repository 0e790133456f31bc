"""The plans in force as one read of the decision log (``serving.api.plans_in_force``): each
debtor's latest answer of the served version names its plan, and the latest outcome that calls for
a second look is found whenever one falls on or after the day that plan was chosen, however long
before that day other outcomes were, whichever version other answers came from. Checked against
the same facts read row by row with the ORM (SQLite and PostgreSQL)."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ledger.enums import OutcomeKind
from ledger.tables import Outcome, Recommendation
from policy import states_from_ledger
from policy.plan_clock import PlanInForce
from serving.api.plans_in_force import LOOK_AGAIN, _read, plans_in_force
from tests.serving.api.conftest import AT, World

VERSION = "dunning-policy/plan-7"
TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime.fromisoformat(AT)


def _answer(s: Session, world: World, debtor: int, at: datetime, version: str, arm: int) -> None:
    plan = {"arm": arm, "chosen_on": at.astimezone(TZ).date().isoformat(), "dpd": 10 + arm,
            "propensity": 0.25 * arm, "label": f"plan {arm}"}  # fmt: skip
    s.add(
        Recommendation(
            id=str(uuid.uuid4()), creditor_id=world.a.creditor.id or 0, debtor_id=debtor,
            created_at=at, model_version=version, propensity=1.0, body={"plan": plan},
        )
    )  # fmt: skip


def _outcome(s: Session, world: World, debtor: int, at: datetime, kind: OutcomeKind) -> None:
    s.add(Outcome(creditor_id=world.a.creditor.id or 0, debtor_id=debtor, kind=kind.value,
                  occurred_at=at))  # fmt: skip


def _by_rows(s: Session, ids: list[int]) -> tuple[dict[int, PlanInForce], dict[int, date]]:
    """What the one read must give, from every row of the log: the latest answer's plan and the
    local day of the latest outcome that calls for a second look, per debtor with a plan."""
    known: dict[int, PlanInForce] = {}
    newest: dict[int, datetime] = {}
    rows = s.exec(select(Recommendation).where(Recommendation.model_version == VERSION)).all()
    for r in rows:
        if r.debtor_id in ids and r.created_at > newest.get(
            r.debtor_id, datetime.min.replace(tzinfo=TZ)
        ):
            newest[r.debtor_id] = r.created_at
            p = r.body["plan"]
            known[r.debtor_id] = PlanInForce(
                p["arm"], date.fromisoformat(p["chosen_on"]), p["dpd"], p["propensity"]
            )
    since: dict[int, date] = {}
    for o in s.exec(select(Outcome).where(col(Outcome.kind).in_(LOOK_AGAIN))).all():
        day = o.occurred_at.astimezone(TZ).date()
        if o.debtor_id in known and day >= known[o.debtor_id].chosen_on:
            since[o.debtor_id] = max(day, since.get(o.debtor_id, day))
    return known, since


def test_the_one_read_finds_the_plans_and_the_outcomes_since_as_the_rows_say(
    engine: Engine, world: World
) -> None:
    d = world.debtor_ids()
    day = timedelta(days=1)
    with Session(engine) as s:
        _answer(s, world, d[0], NOW - 5 * day, VERSION, 1)
        _answer(s, world, d[0], NOW - 2 * day, VERSION, 2)  # the latest names the plan
        _answer(s, world, d[0], NOW - day, "another/1", 3)  # another version's answer
        _outcome(s, world, d[0], NOW - 4 * day, OutcomeKind.COMPLAINT)  # before the choice
        _answer(s, world, d[1], NOW - 3 * day, VERSION, 0)
        _outcome(s, world, d[1], NOW - 30 * day, OutcomeKind.DISPUTE)  # long before
        _outcome(s, world, d[1], NOW - day, OutcomeKind.PROMISE)  # since: a second look
        _outcome(s, world, d[1], NOW - 2 * day, OutcomeKind.COMPLAINT)
        _answer(s, world, d[2], NOW - 3 * day, VERSION, 2)
        _outcome(s, world, d[2], NOW - day, OutcomeKind.PAID)  # not a kind that calls for one
        _answer(s, world, d[3], NOW - day, "another/1", 1)  # no answer of the served version
        _outcome(s, world, d[3], NOW - day, OutcomeKind.COMPLAINT)
        s.commit()
        known, at = _read(s.connection(), d, VERSION)
        since = {k: v.astimezone(TZ).date() for k, v in at.items()}
        expected_known, expected_since = _by_rows(s, d)
        assert set(known) == {d[0], d[1], d[2]}
        assert known == expected_known
        assert {k: v for k, v in since.items() if v >= known[k].chosen_on} == expected_since
        assert set(expected_since) == {d[1]}
        states = states_from_ledger(s, d, NOW)
        in_force = plans_in_force(s.connection(), states, VERSION, NOW, TZ)
    assert in_force[d[1]] is None  # the promise since the choice makes a checkpoint
    assert in_force[d[3]] is None  # no plan of this version yet
    assert in_force[d[4]] is None
    for k in (d[0], d[2]):  # in force unless the ledger itself moved on (dpd, stage)
        assert in_force[k] in (None, known[k])
