"""The flow as deployed: the plan model where the gate's replay checks pass it, else its anchors
(greedy, or the plan-logging policy with its exploration); a model that never leaves its anchors
cannot pass."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policy.plan_choice import Evidence
from policy.plan_model import PlanModelParams
from simulator.checkpoints import N_ARMS
from simulator.families import Family, cases
from simulator.objective import Objective
from simulator.outcome import WorldCase, run_case
from simulator.plans import PLANS, Plan
from simulator.world_file import default_world
from training.plan_gated import (
    DEPLOYED,
    deployed_factory,
    gate_verdicts,
    replay_gate,
    verdict_row,
    world_key,
)
from training.plan_learner import LearnerConfig, escalation_rule_factory, plan_factory
from training.policy_gate import Check, GateConfig, Verdict

CASE = WorldCase("tiny", default_world(), 5, 60, 60)
OBJ = Objective()
CFG = LearnerConfig(
    history_debtors=120, history_days=60, iterations=1, params=PlanModelParams(rounds=20),
    cadences=(7,), segment_plans_only=True, defaults=("phone/neutral/7d",) * 6, margin_eur=0.0,
    evidence=Evidence("promises_broken", 1.0, then=PLANS.index(Plan.parse("letter/firm/14d"))),
)  # fmt: skip
PASS = Verdict((Check("replay_vs_anchors", True, "rule", {}),))
REFUSE = Verdict((Check("replay_vs_anchors", False, "rule", {}),))


def _same(a: object, b: object) -> bool:
    return all(
        np.array_equal(getattr(a, k), getattr(b, k)) for k in ("collected", "cost", "contacts")
    )


def test_the_deployed_flow_is_the_model_where_the_gate_passed_else_the_anchors() -> None:
    key = world_key(CASE.world())
    model = run_case(CASE, "plan-learner", plan_factory(CFG), OBJ)
    anchors = run_case(CASE, "anchors", escalation_rule_factory(CFG), OBJ)
    assert not _same(model, anchors)  # else this test could not tell them apart
    passed = run_case(CASE, DEPLOYED, deployed_factory(CFG, {key: PASS}), OBJ)
    refused = run_case(CASE, DEPLOYED, deployed_factory(CFG, {key: REFUSE}), OBJ)
    assert _same(passed, model)
    assert _same(refused, anchors)
    with pytest.raises(KeyError, match="no gate verdict"):
        deployed_factory(CFG, {})(CASE.world())
    with pytest.raises(ValueError, match="segment plans"):
        deployed_factory(replace(CFG, defaults=()), {key: PASS})


def test_refused_with_exploration_it_serves_the_plan_logging_policy() -> None:
    key = world_key(CASE.world())
    phone = PLANS.index(Plan.parse("phone/neutral/7d"))
    policy = deployed_factory(CFG, {key: REFUSE}, exploring=True, epsilon=0.5)(CASE.world())
    n = 2000
    state = pd.DataFrame({"segment": np.zeros(n, dtype=np.int64), "promises_broken": 0.0})
    avail = np.ones((n, N_ARMS), dtype=bool)
    c = policy.chooser(state, avail, np.random.default_rng(0))
    anchor = c.arm == phone
    assert 0.45 < 1 - anchor.mean() < 0.55  # a neighbouring plan with chance epsilon
    np.testing.assert_allclose(c.propensity[anchor], 0.5)
    assert (c.propensity[~anchor] < 0.5).all()  # epsilon shared among the neighbours
    greedy = deployed_factory(CFG, {key: REFUSE}, exploring=True, epsilon=0.0)
    same = run_case(CASE, DEPLOYED, greedy, OBJ)
    assert _same(same, run_case(CASE, "anchors", escalation_rule_factory(CFG), OBJ))


def test_a_model_that_never_leaves_its_anchors_is_refused(mlflow_tmp: Path) -> None:
    family = Family("gated-test", seeds=(77,), debtors=120, days=60)
    gate = GateConfig(family=family)
    never = replace(CFG, margin_eur=1e9)  # no gain clears the margin: the anchors everywhere
    verdicts = gate_verdicts([CASE], never, gate)
    verdict = verdicts[world_key(CASE.world())]
    names = [c.name for c in verdict.checks]
    assert names == ["replay_vs_segment-fixed", "limits_held", "replay_vs_anchors"]
    assert "replay_vs_anchors" in verdict.failed
    anchors = next(c for c in verdict.checks if c.name == "replay_vs_anchors")
    # the same decisions as its anchors but where a debtor cannot be reached by its anchor
    # (the model then takes its best reachable plan, the plan-logging policy a neighbour)
    assert abs(anchors.figures["per_world"][0]) < 1.0
    row = verdict_row(verdict)
    assert row["decision"] == "refuse"
    assert row["anchors"] == anchors.figures["eur_per_debtor"]
    assert row["limits_held"] == "1/1"
    assert set(verdicts) == {world_key(c.world()) for c in [CASE]}
    again = replay_gate(CASE, never, gate)
    assert again.checks == verdict.checks
    assert len(cases(family)) == 1
