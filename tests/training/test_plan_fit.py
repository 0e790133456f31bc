"""Value targets of the plan fit: sums along an episode's checkpoints, fixed-horizon windows, and
the continuation valued as the best plan or as the anchored policy would choose."""

import numpy as np
import pandas as pd

from policy.plan_choice import PlanObjective
from policy.plan_model import PlanValueModel
from training.plan_fit import Transitions, bootstrapped, returns, within
from training.plan_policy import CheckpointLog


def _t(reward: np.ndarray, next_row: list[int], debtor: list[int], day: list[int]) -> Transitions:
    n = len(next_row)
    return Transitions(
        state=pd.DataFrame({"dpd": np.zeros(n)}),
        arm=np.zeros(n, dtype=np.int64),
        reward=reward,
        next_row=np.array(next_row),
        available=np.ones((n, 2), dtype=bool),
        learn=np.ones(n, dtype=bool),
        debtor=np.array(debtor),
        day=np.array(day),
        totals=np.zeros((n, 4)),
        propensity=np.ones(n),
    )


def test_monte_carlo_returns_sum_to_the_end_of_each_episode() -> None:
    reward = np.array([[1.0, 0, 0, 0], [2.0, 0, 0, 0], [4.0, 0, 0, 0], [8.0, 0, 0, 0]])
    # debtor 0: rows 0 -> 1 -> 2 (one episode); debtor 1: row 3 alone
    t = _t(reward, [1, 2, -1, -1], [0, 0, 0, 1], [0, 14, 28, 0])
    assert returns(t)[:, 0].tolist() == [7.0, 6.0, 4.0, 8.0]


def test_a_fixed_horizon_reads_the_totals_that_many_days_on() -> None:
    log = CheckpointLog(daily_totals=[np.full((2, 4), float(d)) for d in range(10)])
    t = _t(np.zeros((3, 4)), [-1, -1, -1], [0, 1, 1], [0, 2, 8])
    target, learn = within(log, t, 5)
    assert target[:, 0].tolist() == [4.0, 6.0, 9.0]  # day-end totals of day + 4, capped at the end
    assert learn.tolist() == [True, True, False]


class _TwoArms(PlanValueModel):
    """Arm 1 collects 10 EUR more than arm 0 at every state (no fit needed)."""

    def __init__(self) -> None:
        pass

    def predict(  # type: ignore[override]
        self, state: pd.DataFrame, arms: object = None, *, encoded: object = None
    ) -> np.ndarray:
        out = np.zeros((len(state), 2, 4))
        out[:, 0, 0], out[:, 1, 0] = 5.0, 15.0
        return out


def test_the_continuation_is_the_best_plan_or_the_one_the_anchored_policy_keeps() -> None:
    t = _t(np.ones((2, 4)) * [1.0, 0, 0, 0], [1, -1], [0, 0], [0, 14])
    rows = np.array([0, 1])
    best = bootstrapped(t, _TwoArms(), PlanObjective(), rows)
    assert best[:, 0].tolist() == [16.0, 1.0]  # arm 1 at the next checkpoint

    def keep_arm_0(state: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(len(state), dtype=np.int64), np.full(len(state), 20.0)

    kept = bootstrapped(t, _TwoArms(), PlanObjective(), rows, anchors=keep_arm_0)
    assert kept[:, 0].tolist() == [6.0, 1.0]  # arm 0 kept: arm 1 gains less than the margin


class _Flipped(_TwoArms):
    """Arm 0 collects 30 EUR, arm 1 nothing: another half's model that disagrees."""

    def predict(  # type: ignore[override]
        self, state: pd.DataFrame, arms: object = None, *, encoded: object = None
    ) -> np.ndarray:
        out = np.zeros((len(state), 2, 4))
        out[:, 0, 0] = 30.0
        return out


def test_double_fitted_q_values_the_picked_plan_with_the_other_model() -> None:
    t = _t(np.ones((2, 4)) * [1.0, 0, 0, 0], [1, -1], [0, 0], [0, 14])
    rows = np.array([0, 1])
    # _TwoArms picks arm 1; _Flipped values it at 0 EUR (not its own best, arm 0's 30 EUR)
    got = bootstrapped(t, _TwoArms(), PlanObjective(), rows, evaluate=_Flipped())
    assert got[:, 0].tolist() == [1.0, 1.0]


def test_double_fitted_q_takes_the_max_bias_out_of_the_continuation() -> None:
    """With the rewards shuffled among checkpoints no plan is better than another, so the best of
    a model's noisy plan values overstates the next checkpoint's value; valued by the other half's
    model the pick is not overstated, so double fitted-Q's targets are lower on average."""
    from simulator.outcome import WorldCase
    from simulator.world_file import default_world
    from training.plan_fit import fitted_q, transitions
    from training.plan_learner import LearnerConfig, _history

    case = WorldCase("tiny", default_world(), 5, 60, 60)
    cfg = LearnerConfig(history_debtors=300, history_days=90)
    log = _history(case.spec, case.seed, cfg)
    objective = cfg.plan_objective
    single = fitted_q(log, objective, iterations=2, shuffle=3)
    double = fitted_q(log, objective, iterations=2, shuffle=3, double=True)
    rows = single.rows
    assert (rows == double.rows).all()
    t = transitions(log)
    on = rows[t.next_row[rows] >= 0]  # checkpoints whose episode goes on
    assert on.size > 100
    over_single = objective.value(single.targets[1][on]).mean()
    over_double = objective.value(double.targets[1][on]).mean()
    assert over_double < over_single
    reward = objective.value(single.targets[0][on]).mean()  # round 1: the reward alone
    assert over_double > reward  # the continuation still adds what is collected later
