"""A candidate switched in after a known past: until the switch day the run is the rule's run (so a
paired difference is what the candidate did from then on), after it the candidate decides."""

from dataclasses import replace

import numpy as np
import pandas as pd

from policy.plan_choice import Choice, Evidence
from simulator.checkpoints import WAIT_ARM
from simulator.objective import Objective
from simulator.outcome import WorldCase, run_case, score
from simulator.plans import PLANS, Plan
from simulator.world import World
from simulator.world_file import default_world
from training.plan_known_past import summary, switched, world_rows
from training.plan_learner import LearnerConfig, escalation_rule_factory
from training.plan_policy import PlanPolicy

CASE = WorldCase("tiny", default_world(), 5, 80, 60)
OBJ = Objective()
LETTER = PLANS.index(Plan.parse("letter/firm/14d"))
RULE_CFG = LearnerConfig(cadences=(7,), margin_eur=500.0, segment_plans_only=True,
                         evidence=Evidence("promises_broken", 1.0, then=LETTER),
                         defaults=("phone/neutral/7d",) * 6)  # fmt: skip
RULE = escalation_rule_factory(RULE_CFG)


def _always_wait(world: World) -> PlanPolicy:
    def chooser(state: pd.DataFrame, avail: np.ndarray, rng: np.random.Generator) -> Choice:
        a = np.full(len(state), WAIT_ARM)
        return Choice(a, np.ones(len(state)), a, np.full(len(state), -1))

    return PlanPolicy(world, chooser, "wait")


def _net(factory) -> float:  # type: ignore[no-untyped-def]
    return float(score(run_case(CASE, "x", factory, OBJ), OBJ)["objective_eur"])


def test_until_the_switch_the_run_is_the_rules_and_after_it_the_candidates() -> None:
    rule, waiting = _net(RULE), _net(_always_wait)
    assert rule != waiting
    assert _net(switched(RULE, RULE, 20, "same")) == rule  # the rule after the rule: one run
    assert _net(switched(RULE, _always_wait, CASE.days, "never")) == rule  # never switched
    later = _net(switched(RULE, _always_wait, 30, "wait-later"))
    assert later not in (rule, waiting)
    assert _net(switched(RULE, _always_wait, 0, "wait-from-0")) == waiting


def test_a_world_row_gives_each_candidate_with_and_without_the_past() -> None:
    short = replace(CASE, days=30)
    row = world_rows(short, RULE, {"wait": _always_wait, "rule": RULE}, past=30, objective=OBJ)
    assert row["rule"] == {"with_past_eur_per_debtor": 0.0, "without_past_eur_per_debtor": 0.0}
    assert row["wait"]["with_past_eur_per_debtor"] != row["wait"]["without_past_eur_per_debtor"]
    s = summary([row, row], ["wait"])
    assert s["wait"]["with_past"]["mean"] == row["wait"]["with_past_eur_per_debtor"]
    assert s["wait"]["with_past"]["n"] == 2


def test_a_run_against_another_rule_replaces_the_file_rather_than_merging() -> None:
    from training.plan_known_past import _merged

    old = {"summary": {"a": 1}, "worlds": [{"rule_eur_per_debtor": 1.0, "a": {}}]}
    same = {"summary": {"b": 2}, "worlds": [{"rule_eur_per_debtor": 1.0, "b": {}}]}
    other = {"summary": {"b": 2}, "worlds": [{"rule_eur_per_debtor": 2.0, "b": {}}]}
    assert _merged(old, same)["summary"] == {"a": 1, "b": 2}
    assert _merged(old, other) == other
