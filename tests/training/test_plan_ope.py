"""OPE of plan policies measures what replay measures: on the rows where a candidate agrees with
the logging policy, the logged value IS the replayed value (known truth), and the estimators see
at least 20 candidates."""

from dataclasses import replace

import numpy as np
import pytest

from policy.plan_model import PlanModelParams
from simulator.config import SimConfig
from simulator.replay import run
from simulator.world import World
from simulator.world_file import default_world
from training.plan_learner import CHOSEN, learn, log_history
from training.plan_ope import candidates, first_stage
from training.plan_policy import PlanPolicy

CFG = replace(
    CHOSEN,
    history_debtors=80,
    history_days=60,
    params=PlanModelParams(rounds=20, baseline_rounds=10),
)
SEED, N, DAYS = 21, 80, 60


def test_logged_first_stage_equals_replay_where_the_candidate_agrees() -> None:
    obj = CFG.plan_objective
    log = log_history(default_world(), SEED, N, DAYS, CFG.arms)
    logged = first_stage(log, obj)
    model = learn(default_world(), SEED, CFG)
    pool = candidates(model, CFG)
    assert len(pool) >= 20
    agreed = 0
    for name in ("always email/neutral/7d", "always phone/firm/7d", "learned"):
        world = World(SEED, SimConfig(n_debtors=N, days=DAYS, world=default_world()))
        policy = PlanPolicy(world, pool[name], name, log=True, arms=CFG.arms)
        run(world, name, lambda _w, p=policy: p)
        assert policy.log is not None
        replayed = first_stage(policy.log, obj)
        # the same debtors reach a first checkpoint in the same state, whatever the policy
        assert replayed["state"].equals(logged["state"])
        same = replayed["arm"] == logged["arm"]
        agreed += int(same.sum())
        np.testing.assert_allclose(replayed["net"][same], logged["net"][same], atol=1e-9)
    assert agreed > 0
    assert np.all(logged["propensity"] == pytest.approx(1 / logged["available"].sum(axis=1)))
