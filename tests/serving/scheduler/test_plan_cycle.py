"""The daily cycle with a plan champion, over real HTTP: each debtor gets a plan at its first
checkpoint, the contact planned today is that plan's own channel with the plan's exact propensity
logged on it, and the next day the plan in force holds (no re-draw, no contact before its
cadence)."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ledger.tables import Contact, Creditor, Recommendation
from serving.api.model_store import LoadedModel, ModelStore
from serving.scheduler.cycle import run_cycle
from serving.scheduler.scoring_client import ScoringClient
from tests.serving.api.tiny_plan_policy import tiny_plan_policy
from tests.serving.scheduler.conftest import CYCLE, Api, Book, served

VERSION = "dunning-policy/plan-7"


@pytest.fixture
def plan_api(engine: Engine) -> Iterator[Api]:
    policy = tiny_plan_policy()
    store = ModelStore(lambda: LoadedModel(VERSION, policy))
    with served(store, engine, "uvicorn-plan-test") as running:
        yield running


def test_the_cycle_runs_the_plans_a_plan_champion_chose(
    engine: Engine, book: Book, plan_api: Api
) -> None:
    client = ScoringClient(plan_api.url, lambda _name: book.key, batch_size=2)
    with Session(engine, expire_on_commit=False) as s:
        creditor = s.get(Creditor, book.creditor_id)
    assert creditor is not None
    first = run_cycle(engine, creditor, CYCLE, client)
    assert first.answered == 5
    with Session(engine) as s:
        recs = s.exec(select(Recommendation).where(Recommendation.model_version == VERSION)).all()
        plans = {r.debtor_id: r.body["plan"] for r in recs}
        contacts = s.exec(select(Contact)).all()
    assert len(plans) == 5
    assert all(p["checkpoint"] for p in plans.values())
    assert contacts  # 14 days past due: the plans' first contacts go out today
    for c in contacts:
        plan = plans[c.debtor_id]
        assert plan["label"].startswith(f"{c.channel}/")
        assert c.model_version == VERSION
        assert c.propensity == pytest.approx(plan["propensity"])

    run_cycle(engine, creditor, CYCLE + timedelta(days=1), client)
    with Session(engine) as s:
        later = s.exec(select(Recommendation).where(Recommendation.model_version == VERSION)).all()
        again = [r for r in later if r.created_at > max(x.created_at for x in recs)]
        assert len(s.exec(select(Contact)).all()) == len(contacts)  # weekly plans: none yet
    assert again
    for r in again:
        assert not r.body["plan"]["checkpoint"]
        assert r.body["plan"]["label"] == plans[r.debtor_id]["label"]
        assert r.propensity == 1.0
    client.close()
