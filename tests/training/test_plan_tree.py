"""The policy tree candidate: its doubly-robust scores are cross-fitted (each debtor scored by a
model fitted without it) and follow the estimator's formula; an action that cannot reach a debtor
is scored as what is done in its place; the tree recovers a planted rule, per segment too; the
chooser never takes what the rules refuse."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from policy.plan_model import COMPONENTS
from simulator.checkpoints import N_ARMS, WAIT_ARM
from simulator.debtor_history import STATE_FEATURES
from simulator.outcome import WorldCase
from simulator.world_file import default_world
from training.plan_fit import returns, transitions
from training.plan_learner import LearnerConfig, _history, fold_models
from training.plan_policy import CheckpointLog
from training.plan_tree import (
    OWN,
    TREE_SEED,
    TreeConfig,
    action_arms,
    dr_scores,
    fit_tree,
    reachable,
    tree_chooser,
)

CASE = WorldCase("tiny", default_world(), 5, 60, 60)
CFG = LearnerConfig(history_debtors=200, history_days=90)


@dataclass
class _Zero:
    """A value model that expects nothing of any plan: the scores are then the logged return
    weighted by the inverse propensity, the estimator's correction term alone."""

    fitted_on: set[int]

    def predict(self, state: pd.DataFrame, arms: Any = None, **_: Any) -> np.ndarray:
        return np.zeros((len(state), N_ARMS, len(COMPONENTS)))


def test_scores_are_cross_fitted_and_follow_the_doubly_robust_formula() -> None:
    log = _history(CASE.spec, CASE.seed, CFG)
    fits: list[_Zero] = []

    def fit(part: CheckpointLog) -> Any:
        fits.append(_Zero(set(np.concatenate(part.debtor).tolist())))
        return fits[-1]

    actions = (OWN, 0, WAIT_ARM)
    defaults = np.full(6, 5, dtype=np.int64)

    def anchor(state: pd.DataFrame) -> np.ndarray:
        return np.asarray(defaults[state["segment"].to_numpy(dtype=np.int64)])

    fold, models = fold_models(log, 2, TREE_SEED, fit)
    state, gamma = dr_scores(log, fold, models, CFG.plan_objective, actions, anchor, WAIT_ARM,
                             monte_carlo=True)  # fmt: skip
    t = transitions(log)
    rows = np.flatnonzero(t.learn)
    assert len(fits) == 2
    assert len(state) == rows.size == len(gamma)
    assert not fits[0].fitted_on & fits[1].fitted_on  # the folds' fits share no debtor
    y = CFG.plan_objective.value(returns(t)[rows])
    arms = reachable(action_arms(actions, anchor(state)), t.available[rows], WAIT_ARM)
    logged, p = t.arm[rows], t.propensity[rows]
    want = (logged[:, None] == arms) / p[:, None] * y[:, None]
    np.testing.assert_allclose(gamma, want, rtol=1e-9, atol=1e-9)
    assert (gamma != 0).any()


def test_an_action_that_cannot_reach_the_debtor_is_scored_as_what_is_done_instead() -> None:
    arms = np.array([[3, 7, WAIT_ARM], [3, 7, WAIT_ARM]])
    avail = np.zeros((2, N_ARMS), dtype=bool)
    avail[:, WAIT_ARM] = True
    avail[0, 3] = True  # row 0: its anchor reaches it, arm 7 does not; row 1: neither does
    got = reachable(arms, avail, WAIT_ARM)
    assert got.tolist() == [[3, 3, WAIT_ARM], [WAIT_ARM, WAIT_ARM, WAIT_ARM]]


def _planted(n: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    """States where a broken promise makes action 2 pay; otherwise action 0 in segment 0 and
    action 1 in segment 1."""
    state = pd.DataFrame(rng.random((n, len(STATE_FEATURES))), columns=list(STATE_FEATURES))
    state["segment"] = rng.integers(0, 2, n)
    state["creditor"] = 0
    state["promises_broken"] = rng.integers(0, 2, n).astype(float)
    broken = (state["promises_broken"] >= 1).to_numpy()
    first = (state["segment"] == 0).to_numpy()
    gamma = rng.normal(0.0, 30.0, (n, 3))
    gamma[:, 0] += np.where(~broken & first, 100.0, 0.0)
    gamma[:, 1] += np.where(~broken & ~first, 100.0, 0.0)
    gamma[:, 2] += np.where(broken, 150.0, 0.0)
    return state, gamma


def test_the_tree_recovers_a_planted_rule_and_never_takes_a_refused_arm() -> None:
    rng = np.random.default_rng(0)
    state, gamma = _planted(4000, rng)
    actions = (OWN, 10, 20)
    defaults = np.array([1, 2], dtype=np.int64)

    def anchor(s: pd.DataFrame) -> np.ndarray:
        return np.asarray(defaults[s["segment"].to_numpy(dtype=np.int64)])

    new, _ = _planted(500, rng)
    broken = (new["promises_broken"] >= 1).to_numpy()
    segment = new["segment"].to_numpy()
    for per_segment in (False, True):
        tree = fit_tree(state, gamma, 2, TreeConfig(depth=2, min_leaf=100, per_segment=per_segment))
        choose = tree_chooser(tree, actions, anchor, 2, WAIT_ARM)
        avail = np.ones((500, N_ARMS), dtype=bool)
        got = choose(new, avail, rng)
        want = np.where(broken, 20, np.where(segment == 0, defaults[0], 10))
        assert (got.arm == want).all()
        assert (got.propensity == 1.0).all()
        avail[:, 20] = False  # the rules refuse arm 20: the leaf's next best is taken
        got = choose(new, avail, rng)
        assert (got.arm != 20).all()
        assert (got.arm[~broken] == want[~broken]).all()
