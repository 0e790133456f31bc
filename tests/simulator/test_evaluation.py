"""The evaluation harness on a tiny family: every policy on the same worlds, shares of a ceiling no
honest baseline exceeds, paired differences, the cost of exploration, limits reported."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator import baselines
from simulator.config import ARCHETYPES
from simulator.evaluation import chosen_plans, evaluate_family, evaluate_world, paired
from simulator.families import Family, cases
from simulator.objective import Objective
from simulator.outcome import WorldCase, run_case, score
from simulator.planner import PlannerPolicy
from simulator.policies import EpsilonMixPolicy, LadderPolicy
from simulator.world_file import default_world

# its tests share a module-scoped fixture: one worker builds it once
pytestmark = pytest.mark.xdist_group("evaluation")

TINY_CHOICE = Family("tiny-choice", generator_seed=31, n_worlds=2, debtors=80, days=70)
TINY = Family("tiny", generator_seed=32, n_worlds=3, debtors=80, days=70, choose_on=TINY_CHOICE)


def _tiny_report(cache: Path, jobs: int) -> dict[str, Any]:
    mp = pytest.MonkeyPatch()
    mp.setattr(baselines, "cache_dir", lambda: cache)
    try:
        return evaluate_family(
            {"ladder-again": lambda _w: LadderPolicy()},
            TINY,
            Objective(),
            exploring={"ladder-again": lambda _w: EpsilonMixPolicy(LadderPolicy(), 0.5)},
            jobs=jobs,
        )
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _tiny_report(tmp_path_factory.mktemp("cache"), 1)


def _no_seconds(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _no_seconds(v) for k, v in x.items() if k != "seconds"}
    if isinstance(x, list):
        return [_no_seconds(v) for v in x]
    return x


def test_worlds_evaluated_in_forked_processes_give_the_same_table(
    report: dict[str, Any], tmp_path: Path
) -> None:
    forked = _tiny_report(tmp_path, 2)
    assert _no_seconds(forked["worlds"]) == _no_seconds(report["worlds"])


def test_the_diagnosis_by_segment_and_type_adds_up_to_the_objective(tmp_path: Path) -> None:
    mp = pytest.MonkeyPatch()
    mp.setattr(baselines, "cache_dir", lambda: tmp_path)
    try:
        objective = Objective()
        case = cases(TINY)[0]
        w = evaluate_world(case, {}, chosen_plans(TINY, objective), objective, by_cell=["ladder"])
    finally:
        mp.undo()
    cells = np.asarray(w["policies"]["ladder"]["by_cell"])
    assert cells.shape[1] == len(ARCHETYPES)
    assert cells.sum() == pytest.approx(w["policies"]["ladder"]["objective_eur"], abs=0.5)
    assert "by_cell" not in w["policies"]["random"]


def test_every_policy_is_scored_in_every_world(report: dict[str, Any]) -> None:
    names = {"ladder", "random", "oracle", "best-fixed", "segment-fixed", "type-plan"}
    names |= {"type-segment-plan"}
    assert report["worlds_n"] == 3
    assert report["baselines_chosen_on"] == "tiny-choice"
    for w in report["worlds"]:
        assert names | {"ladder-again", "ladder-again+exploration"} == set(w["policies"])
        # the same policy on the same world (common random numbers) scores the same
        assert w["policies"]["ladder-again"] == {
            **w["policies"]["ladder"],
            "seconds": w["policies"]["ladder-again"]["seconds"],
        }


def test_the_ceiling_is_the_best_truth_knowing_policy_within_the_limits(
    report: dict[str, Any],
) -> None:
    for w in report["worlds"]:
        top = w["ceiling"]["objective_eur"]
        assert top == max(w["ceiling"]["candidates"].values())
        assert w["policies"]["type-plan"]["objective_eur"] <= top
        for name in ("best-fixed", "segment-fixed", "ladder"):
            assert w["policies"][name]["share_of_ceiling"] <= 1.0


def test_paired_differences_and_exploration_cost_come_with_intervals(
    report: dict[str, Any],
) -> None:
    d = report["paired_points_of_ceiling"]["ladder"]["vs segment-fixed"]
    pts = [
        100 * (w["policies"]["ladder"]["share_of_ceiling"]
               - w["policies"]["segment-fixed"]["share_of_ceiling"])
        for w in report["worlds"]
    ]  # fmt: skip
    assert d["mean"] == pytest.approx(np.mean(pts), abs=0.01)
    assert d["ci95"][0] <= d["mean"] <= d["ci95"][1]
    assert report["exploration_cost_points"]["ladder-again"]["n"] == 3


def test_paired_intervals_widen_with_spread() -> None:
    narrow, wide = paired([1.0, 1.1, 0.9, 1.0]), paired([1.0, 3.0, -1.0, 1.0])
    assert narrow["mean"] == wide["mean"] == 1.0
    assert wide["ci95"][1] - wide["ci95"][0] > narrow["ci95"][1] - narrow["ci95"][0]
    assert paired([2.0])["ci95"] is None
    # small differences (cost per euro collected) keep their figures with more digits
    small = [0.00012, 0.00018, 0.00015]
    assert paired(small)["mean"] == 0.0
    assert paired(small, digits=5)["mean"] == 0.00015
    lo, hi = paired(small, digits=5)["ci95"]
    assert 0 < lo < 0.00015 < hi


def test_the_planner_keeps_the_contact_budget_and_a_broken_limit_is_reported(
    tmp_path: Path,
) -> None:
    case = WorldCase("tiny", default_world(), 3, 120, 90)
    strict = Objective(max_contacts_per_debtor=2, budget_window_days=30)
    planned = score(run_case(case, "planner", lambda w: PlannerPolicy(w, strict), strict), strict)
    assert planned["max_contacts_in_window"] <= 2
    assert planned["limits_held"]["contact_budget"]
    ladder = score(run_case(case, "ladder", None, strict), strict)
    assert ladder["max_contacts_in_window"] > 2
    assert not ladder["limits_held"]["contact_budget"]
