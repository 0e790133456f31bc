"""The closed loop's simulator side: deployment seeds apart from every declared family, the
ceiling's grouped plans worth what running them gives, and coverage of the action space."""

from pathlib import Path

import numpy as np
import pytest

from simulator.baselines import per_group, plan_stats
from simulator.config import ARCHETYPES
from simulator.families import FAMILIES, cases
from simulator.loop import _grouped_objective, ceiling_of, coverage, deploy_seed
from simulator.objective import Objective
from simulator.outcome import WorldCase, run_case, score, segments
from simulator.plans import GroupedPlanPolicy
from simulator.world_file import default_world

CASE = WorldCase("tiny", default_world(), 5, 90, 70)
OBJ = Objective()


def test_deployment_worlds_are_never_a_declared_familys_worlds() -> None:
    declared = {c.seed for fam in FAMILIES.values() for c in cases(fam)}
    assert not declared & {deploy_seed(r) for r in range(100)}


def test_the_ceilings_grouped_plans_are_worth_what_running_them_gives(cache_dir: Path) -> None:
    stats = plan_stats(CASE, OBJ)
    world = CASE.world()
    groups = {
        "archetype": world.pop.archetype,
        "cell": segments(world)[0] * len(ARCHETYPES) + world.pop.archetype,
    }
    for by, group in groups.items():
        plans = per_group([stats], by, OBJ)
        value, held = _grouped_objective(CASE, OBJ, by)
        policy = GroupedPlanPolicy(by, plans, group)

        def same(_w: object, p: GroupedPlanPolicy = policy) -> GroupedPlanPolicy:
            return p

        ran = score(run_case(CASE, by, same, OBJ), OBJ)
        assert value == pytest.approx(ran["objective_eur"], abs=0.01)
        assert held == ran["limits_held"]["complaints"]
    top = ceiling_of(CASE, OBJ)
    assert top["objective_eur"] == max(top["candidates"].values())
    assert top["policy"] in {"planner", "type-plan", "type-segment-plan"}


def test_coverage_counts_the_arms_tried_among_those_available() -> None:
    avail = np.zeros((8, 5), dtype=bool)
    avail[:, :4] = True
    uniform = coverage(np.array([0, 1, 2, 3, 0, 1, 2, 3]), avail)
    assert uniform["arms_tried"] == 4
    assert uniform["arms_available"] == 4
    assert uniform["coverage"] == 1.0
    assert uniform["entropy_bits"] == pytest.approx(2.0)
    narrow = coverage(np.zeros(8, dtype=np.int64), avail)
    assert narrow["coverage"] == 0.25
    assert narrow["entropy_bits"] == 0.0
    assert narrow["top_arm_share"] == 1.0
    assert coverage(np.zeros(0, dtype=np.int64), np.zeros((0, 5), dtype=bool))["checkpoints"] == 0
