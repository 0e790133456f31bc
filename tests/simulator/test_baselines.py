"""Fixed-plan baselines: all plans side by side give what each plan gives alone, and the searches
respect the creditor's limits."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ledger.checkpoints import STAGE_DPD
from simulator.baselines import (
    PlanStats,
    _replay_plans,
    best_fixed,
    cost_over,
    escalation_stats,
    first_stage_plans,
    per_group,
    staged_stats,
)
from simulator.config import ARCHETYPES
from simulator.objective import Objective
from simulator.outcome import WorldCase, run_case, segments
from simulator.plans import (
    PLANS,
    EscalatingPlanPolicy,
    GroupedPlanPolicy,
    Plan,
    StagedPlanPolicy,
)
from simulator.world_file import default_world

CASE = WorldCase("tiny", default_world(), 5, 90, 70)
OBJ = Objective()


@pytest.fixture(scope="module")
def stats() -> PlanStats:
    return _replay_plans(CASE, OBJ)


def test_plans_side_by_side_equal_each_plan_alone(stats: PlanStats) -> None:
    for k in (0, 17, 44):
        o = run_case(CASE, PLANS[k].label, lambda _w, k=k: PLANS[k].policy(), OBJ)
        value = OBJ.value(o.collected.sum(), o.cost.sum(), o.complaints.sum())
        assert stats.cells[k, ..., 0].sum() == pytest.approx(value, abs=1e-6)
        assert stats.cells[k, ..., 2].sum() == o.contacts.sum()
        assert stats.cells[k, ..., 3].sum() == pytest.approx(o.cost.sum(), abs=1e-6)
        assert stats.max_in_window[k] == o.max_in_window.max()


def test_searches_hold_a_tight_complaint_limit_on_the_choice_worlds(stats: PlanStats) -> None:
    totals = stats.cells.sum(axis=(1, 2))
    rates = 1000 * totals[:, 1] / np.maximum(totals[:, 2], 1)
    tight = replace(OBJ, max_complaints_per_1000_contacts=float(np.quantile(rates[rates > 0], 0.3)))
    free = best_fixed([stats], OBJ)
    held = best_fixed([stats], tight)
    k = PLANS.index(held)
    assert rates[k] <= tight.max_complaints_per_1000_contacts
    assert totals[k, 0] <= totals[PLANS.index(free), 0]
    for by, axis in (("segment", 2), ("archetype", 1)):
        plans = per_group([stats], by, tight)
        cells = stats.cells.sum(axis=axis)
        chosen = cells[[PLANS.index(p) for p in plans], np.arange(len(plans))].sum(axis=0)
        assert 1000 * chosen[1] / chosen[2] <= tight.max_complaints_per_1000_contacts + 1e-9


def test_a_group_plan_is_at_least_as_good_as_the_best_single_plan(stats: PlanStats) -> None:
    best = PLANS.index(best_fixed([stats], OBJ))
    for by, axis in (("segment", 2), ("archetype", 1)):
        cells = stats.cells.sum(axis=axis)
        plans = per_group([stats], by, OBJ)
        chosen = cells[[PLANS.index(p) for p in plans], np.arange(len(plans))].sum(axis=0)
        assert chosen[0] >= cells[best].sum(axis=0)[0] - 1e-6


def _cost_per_euro(stats: PlanStats, plans: list, objective: Objective) -> tuple[float, float]:
    cells = stats.cells.sum(axis=2)
    chosen = cells[[PLANS.index(p) for p in plans], np.arange(len(plans))].sum(axis=0)
    collected = chosen[0] + chosen[3] + objective.complaint_cost_eur * chosen[1]
    return float(chosen[3] / collected), float(chosen[0])


def test_the_cost_multiplier_trades_objective_for_a_lower_cost_per_euro(stats: PlanStats) -> None:
    free_rate, free_value = _cost_per_euro(stats, per_group([stats], "segment", OBJ), OBJ)
    tight = replace(OBJ, max_cost_per_euro_collected=free_rate / 4)
    over = cost_over(stats.cells, tight)
    assert over.shape == stats.cells.shape[:-1]
    plans = per_group([stats], "segment", tight, cost_mu=50.0)
    rate, value = _cost_per_euro(stats, plans, tight)
    assert rate < free_rate  # cheaper per euro collected ...
    assert value <= free_value + 1e-6  # ... for no more objective than the unconstrained choice
    assert per_group([stats], "segment", tight, cost_mu=0.0) == per_group([stats], "segment", OBJ)


def test_a_staged_plan_side_by_side_equals_it_alone_and_own_is_the_segment_plan(
    stats: PlanStats, tmp_path: Path
) -> None:
    later = per_group([stats], "segment", OBJ)
    first: list[Plan | None] = [None, Plan("email", "firm", 7)]
    staged = staged_stats(CASE, OBJ, first, later, cache=tmp_path)
    np.testing.assert_allclose(staged.cells[0], _replay_segments(later).cells[0], atol=1e-6)
    o = run_case(
        CASE,
        "staged",
        lambda w: StagedPlanPolicy(
            "staged", [first[1]] * len(later), later, segments(w)[0], STAGE_DPD[1]
        ),
        OBJ,
    )
    assert staged.cells[1, ..., 0].sum() == pytest.approx(
        OBJ.value(o.collected.sum(), o.cost.sum(), o.complaints.sum()), abs=1e-6
    )
    assert staged.cells[1, ..., 3].sum() != pytest.approx(staged.cells[0, ..., 3].sum())
    assert staged_stats(CASE, OBJ, first, later, cache=tmp_path).cells.tolist() == (
        staged.cells.tolist()  # read back from the cache
    )
    chosen = first_stage_plans([staged], first, OBJ, 0.0)
    value = staged.cells[..., 0].sum(axis=2)  # [first plan, segment]
    assert len(chosen) == len(later)
    for s, p in enumerate(chosen):
        assert value[first.index(p), s] == value[:, s].max()  # the limit holds at multiplier 0


def _replay_segments(plans: list[Plan]) -> PlanStats:
    """Each segment on its plan, as ``segment-fixed`` runs (one copy)."""
    world = CASE.world()
    o = run_case(CASE, "seg", lambda w: GroupedPlanPolicy("seg", plans, segments(w)[0]), OBJ)
    seg, names = segments(world)
    cells = np.zeros((1, len(names), len(ARCHETYPES), 4))
    value = OBJ.value(o.collected, o.cost, o.complaints)
    for k, col in enumerate((value, o.complaints, o.contacts, o.cost)):
        np.add.at(cells[0, :, :, k], (seg, world.pop.archetype), col)
    return PlanStats("seg", cells, np.zeros(1, dtype=np.int64), names)


def test_escalating_plans_side_by_side_equal_each_alone_and_escalate_only_after_a_broken_promise(
    stats: PlanStats, tmp_path: Path
) -> None:
    then = Plan("letter", "firm", 14)
    escalating = escalation_stats(CASE, OBJ, then, cache=tmp_path)
    for k in (0, 44):
        o = run_case(
            CASE,
            "escalating",
            lambda w, k=k: EscalatingPlanPolicy(
                "escalating", [PLANS[k]], then, np.zeros(w.pop.n_debtors, np.int64), w.pop.n_debtors
            ),
            OBJ,
        )
        assert escalating.cells[k, ..., 0].sum() == pytest.approx(
            OBJ.value(o.collected.sum(), o.cost.sum(), o.complaints.sum()), abs=1e-6
        )
    # a debtor that never breaks a promise is dunned as under the plan alone: the sums differ
    # only where some did (and the escalation plan itself changes nothing)
    own = PLANS.index(then)
    np.testing.assert_allclose(escalating.cells[own], stats.cells[own], atol=1e-6)
    assert not np.allclose(escalating.cells[..., 3], stats.cells[..., 3])
    assert escalation_stats(CASE, OBJ, then, cache=tmp_path).cells.tolist() == (
        escalating.cells.tolist()  # read back from the cache
    )
