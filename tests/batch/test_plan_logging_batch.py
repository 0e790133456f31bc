"""The batch engine serves the plan-logging policy as the API does: the segments' stated plans
with targeted exploration at checkpoints (exact propensities, the plans chosen among), the ladder
for a debtor whose segment states none, and buckets change no decision."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from batch import inprocess
from ledger.db import make_engine
from ledger.tables import Recommendation
from policy.decision_path import LADDER_VERSION, Pinned
from policy.plan_logging import PlanLoggingPolicy
from tests.batch.ledgers import CYCLE, DAY, SEED, decided, simulate

EPS = 0.3
VERSION = "logging/1"
PINNED = Pinned(PlanLoggingPolicy(EPS, "letter/firm/14d", ("email/firm/14d",)), VERSION)
STATED = "email/neutral/14d"


def _state_plans(engine: Engine) -> None:
    with engine.begin() as conn:  # the businesses' segments state a plan, the consumers' none
        conn.execute(sa.text("UPDATE segment SET plan = :p WHERE name = 'zakelijk'"), {"p": STATED})


def test_the_batch_engine_serves_the_plan_logging_policy(engine: Engine, tmp_path: Path) -> None:
    simulate(engine, tmp_path, 120, days=100)
    other = make_engine(f"sqlite:///{tmp_path / 'one_bucket.db'}")
    SQLModel.metadata.create_all(other)
    simulate(other, tmp_path, 120, days=100)
    for ledger in (engine, other):
        _state_plans(ledger)
    first = inprocess.run(engine, DAY, PINNED, buckets=3, seed=SEED, cycle_time=CYCLE)
    inprocess.run(other, DAY, PINNED, buckets=1, seed=SEED, cycle_time=CYCLE)
    assert first.decided > 20
    pd.testing.assert_frame_equal(decided(engine, VERSION), decided(other, VERSION))
    since = datetime.combine(DAY - timedelta(days=1), time(), tzinfo=UTC)  # the cycle's UTC day
    with Session(engine) as s:
        recs = s.exec(select(Recommendation).where(Recommendation.created_at >= since)).all()
    today = [r for r in recs if r.model_version in (VERSION, LADDER_VERSION)]
    planned = [r for r in today if r.model_version == VERSION]
    assert planned
    assert any(r.model_version == LADDER_VERSION for r in today)  # no stated plan: the ladder
    for r in planned:
        plan = r.body["plan"]
        assert plan["checkpoint"]  # the first day it serves: every plan is chosen now
        among = plan["available"]
        chance = (1 - EPS if plan["label"] == STATED else EPS / (len(among) - 1)) if (
            STATED in among) else 1 / len(among)  # fmt: skip
        assert abs(r.propensity - chance) < 1e-9
    other.dispose()
