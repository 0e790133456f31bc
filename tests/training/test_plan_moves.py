"""The moves off its anchors an anchored plan policy may make: checked on the held-out debtors of
the history (never those the model was fitted on), kept only when their doubly-robust gain is
clear, and the policy then leaves an anchor by no other move; the moves are saved with it."""

import copy
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from policy.plan_choice import Evidence, TopK
from policy.plan_model import PlanModelParams
from policy.plan_pyfunc import PlanDunningPolicy
from simulator.outcome import WorldCase
from simulator.plans import PLANS
from simulator.world_file import default_world
from training.plan_fit import transitions
from training.plan_learner import (
    LearnerConfig,
    _history,
    checked_policy,
    cross_fitted_moves,
    model_for,
    move_split,
    probe_chooser,
)
from training.plan_moves import check_moves, kept_moves
from training.plan_policy import policy_chooser

CASE = WorldCase("tiny", default_world(), 5, 60, 60)
CFG = LearnerConfig(
    history_debtors=200, history_days=90, iterations=2, params=PlanModelParams(rounds=30),
    defaults=tuple(PLANS[k].label for k in (0, 5, 10, 15, 20, 25)), margin_eur=0.0,
    evidence=Evidence("promises_broken", 1.0, margin_without_eur=0.0), move_z=0.0,
    move_min_rows=5,
)  # fmt: skip


@pytest.fixture(scope="module")
def checked() -> tuple[PlanDunningPolicy, object]:
    world = CASE.world()
    learnt = model_for(world, CFG)
    return checked_policy(world, CFG, learnt, TopK()), learnt


def test_the_model_is_fitted_on_other_debtors_than_its_moves_are_checked_on() -> None:
    log = _history(CASE.spec, CASE.seed, CFG)
    fit, held = move_split(log, CFG.move_share)
    fitted = set(np.concatenate(fit.debtor).tolist())
    checked = set(np.concatenate(held.debtor).tolist())
    assert fitted
    assert checked
    assert not fitted & checked
    assert fitted | checked == set(np.concatenate(log.debtor).tolist())
    assert 0.15 < len(checked) / (len(fitted) + len(checked)) < 0.45


def test_a_move_is_kept_only_when_its_gain_is_clear_on_enough_rows(checked) -> None:  # type: ignore[no-untyped-def]
    policy, _ = checked
    held = move_split(_history(CASE.spec, CASE.seed, CFG), CFG.move_share)[1]
    # the moves are checked as the policy would make them without the check (its own are ignored)
    checks = check_moves(policy, held, CFG.plan_objective, z=0.0, min_rows=5, arms=CFG.arms)
    assert len(checks) > 3  # without a margin the model leaves its anchors in many ways
    for c in checks:
        assert c.kept == (c.rows >= 5 and c.gain_eur > 0)
        assert c.move[1] != c.move[2]
    assert 0 < len(kept_moves(checks)) < len(checks)
    assert kept_moves(checks) == policy.moves  # what checked_policy kept, with CFG's z and rows
    strict = check_moves(policy, held, CFG.plan_objective, z=1e9, arms=CFG.arms)
    assert not kept_moves(strict)
    assert [c.gain_eur for c in strict] == [c.gain_eur for c in checks]


def test_the_checked_policy_leaves_an_anchor_only_by_a_kept_move(checked, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    policy, learnt = checked
    assert policy.moves is not None
    t = transitions(_history(CASE.spec, CASE.seed, CFG))
    state = t.state.reset_index(drop=True)
    avail = t.available & CFG.arms[None, :]
    default, _ = policy.anchors(state)
    score = np.where(avail, policy.scores(state, learnt.model.predict(state)), -np.inf)
    taken = np.argmax(score, axis=1)
    can = (default >= 0) & avail[np.arange(len(state)), np.maximum(default, 0)]
    segment = policy.segment_index(state)
    left = can & (taken != default)
    moved = zip(segment[left], default[left], taken[left], strict=True)
    made = {(int(s), int(a), int(m)) for s, a, m in moved}
    assert made <= set(policy.moves)
    again = PlanDunningPolicy.load(policy.save_artifacts(tmp_path / "policy"))
    assert again.moves == policy.moves


def test_cross_fitted_every_debtors_moves_are_judged_and_the_model_sees_every_debtor() -> None:
    world = CASE.world()
    folds = replace(CFG, move_folds=2)
    learnt = model_for(world, folds)
    assert learnt is model_for(world, replace(CFG, move_z=None, move_min_rows=30))
    policy = checked_policy(world, folds, learnt, TopK())
    log = _history(CASE.spec, CASE.seed, CFG)
    judged = cross_fitted_moves(log, folds, policy)
    single = check_moves(policy, move_split(log, CFG.move_share)[1], CFG.plan_objective, z=0.0,
                         arms=CFG.arms)  # fmt: skip
    assert sum(c.rows for c in judged) > 2 * sum(c.rows for c in single)
    assert policy.moves == kept_moves(judged)


def test_the_probe_makes_the_models_move_with_its_chance_and_keeps_the_anchor_otherwise(
    checked,  # type: ignore[no-untyped-def]
) -> None:
    policy, _ = checked
    free = copy.copy(policy)
    free.moves = None
    t = transitions(_history(CASE.spec, CASE.seed, CFG))
    state = t.state.reset_index(drop=True)
    avail = t.available & CFG.arms[None, :]
    greedy = policy_chooser(free)(state, avail, np.random.default_rng(0)).greedy
    default, _ = free.anchors(state)
    n = np.arange(len(state))
    moving = (default >= 0) & avail[n, np.maximum(default, 0)] & (greedy != default)
    assert 20 < moving.sum() < len(state)
    got = probe_chooser(free, 0.3)(state, avail, np.random.default_rng(1))
    assert (got.arm[~moving] == greedy[~moving]).all()
    assert (got.propensity[~moving] == 1.0).all()
    made = got.arm[moving] == greedy[moving]
    assert ((got.arm[moving] == default[moving]) | made).all()
    assert np.allclose(got.propensity[moving], np.where(made, 0.3, 0.7))
    assert 0.1 < made.mean() < 0.5  # made with chance 0.3
