"""The plan policy leaves the debtors its chooser hands to the ladder (``LADDER_ARM``) to the
simulator's ladder: they are dunned as replay's ``ladder`` duns them, enter no checkpoint log, and
the other debtors' checkpoints are what they would be without them."""

import numpy as np
import pandas as pd

from policy.plan_choice import Choice
from simulator.checkpoints import ARM_OF, LADDER_ARM, WAIT_ARM
from simulator.config import SimConfig
from simulator.history import simulate_history
from simulator.policies import LadderPolicy
from simulator.world import World
from simulator.world_file import default_world
from training.plan_learner import targeted_logger
from training.plan_logging_run import chosen_logging_policy
from training.plan_policy import Chooser, PlanPolicy

SEED, CFG = 3, SimConfig(n_debtors=150, days=90, world=default_world())
LEFT_OUT = 0  # the default world's segment (creditor x B2B/B2C) that states no plan here
STATED = np.array([-1, -1, ARM_OF["letter/firm/7d"], ARM_OF["letter/firm/14d"], -1,
                   ARM_OF["email/neutral/14d"]])  # fmt: skip


def _waiting(chooser: Chooser) -> Chooser:
    """``chooser`` with its debtors left to the ladder waiting instead (no contact at all)."""

    def waits(state: pd.DataFrame, avail: np.ndarray, rng: np.random.Generator) -> Choice:
        c = chooser(state, avail, rng)
        arm = np.where(c.arm == LADDER_ARM, WAIT_ARM, c.arm)
        return Choice(arm, c.propensity, arm, c.runner_up)

    return waits


def _contacts(policy: object, debtors: np.ndarray) -> set[tuple[int, int, int]]:
    h = simulate_history(SEED, CFG, policy=policy)  # type: ignore[arg-type]
    c = h.contact
    keep = np.isin(c["debtor"], debtors)
    return set(zip(c["day"][keep].tolist(), c["debtor"][keep].tolist(),
                   c["action"][keep].tolist(), strict=True))  # fmt: skip


def test_a_segment_without_a_plan_keeps_the_ladder_and_the_others_their_checkpoints() -> None:
    world = World(SEED, CFG)
    pop = world.pop
    left = np.flatnonzero((pop.creditor * 2 + pop.b2c == LEFT_OUT) & ~pop.excluded)
    assert left.size > 30
    logger = targeted_logger(chosen_logging_policy(0.2, ledger=False), STATED)
    mixed = PlanPolicy(world, logger, "plan-logging", log=True)
    got = _contacts(mixed, left)
    # dunned as replay's ladder duns them (debtors act independently in the simulator)
    assert got == _contacts(LadderPolicy(), left)
    assert len(got) > left.size
    assert len({a for *_, a in got}) > 2  # the ladder's steps, not one plan's action
    days = mixed.ladder_days()
    assert set(days["debtor"].tolist()) <= set(left.tolist())
    assert np.all(days["propensity"] == 1.0)
    assert (days["action"] == -1).any()  # waits kept too: the API stores every answer
    assert {(d, k, a) for d, k, a in zip(days["day"].tolist(), days["debtor"].tolist(),
            days["action"].tolist(), strict=True) if a >= 0} == got  # fmt: skip
    assert mixed.log is not None
    _, cols = mixed.log.frame()
    assert not np.isin(cols["debtor"], left).any()
    assert not (cols["arm"] == LADDER_ARM).any()
    # the others: the same checkpoints, arms and propensities as with those debtors waiting
    waiting = PlanPolicy(World(SEED, CFG), _waiting(logger), "plan-logging", log=True)
    simulate_history(SEED, CFG, policy=waiting)
    assert waiting.log is not None
    state, before = waiting.log.frame()
    rows = ~np.isin(before["debtor"], left)
    mine, cols = mixed.log.frame()
    pd.testing.assert_frame_equal(mine, state[rows].reset_index(drop=True))
    for name in ("debtor", "day", "arm", "propensity", "available", "totals"):
        np.testing.assert_array_equal(cols[name], before[name][rows])
