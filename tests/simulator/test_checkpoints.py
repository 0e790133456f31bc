"""Checkpoints: when a plan is chosen again, which arms a debtor can take, and what an arm does."""

import numpy as np

from simulator.actions import CHANNEL_OF, WAIT
from simulator.checkpoints import (
    ARMS,
    N_ARMS,
    WAIT_ARM,
    PlanClock,
    PlanRunner,
    arms_available,
    stage_of,
)
from simulator.config import SimConfig
from simulator.plans import PLANS
from simulator.world import World

CFG = SimConfig(n_debtors=60, days=60)


def test_stages_start_at_the_declared_days_past_due() -> None:
    assert stage_of(np.array([0, 13, 14, 27, 28, 200])).tolist() == [0, 0, 1, 1, 2, 5]


def _first_batch(world: World):  # type: ignore[no-untyped-def]
    for day in range(CFG.days):
        batch = world.observe(day)
        if len(batch) >= 3:
            return batch
        world.step(day, np.full(world.pop.n_debtors, WAIT))
    raise AssertionError("no debtor overdue in the test world")


def test_a_checkpoint_is_due_once_per_stage_and_again_after_an_outcome() -> None:
    world = World(3, CFG)
    batch = _first_batch(world)
    clock = PlanClock.empty(world.pop.n_debtors)
    assert clock.due(batch).all()  # nothing chosen yet
    rows = np.arange(len(batch))
    clock.set(batch, rows, np.full(rows.size, WAIT_ARM))
    assert not clock.due(batch).any()
    clock.flag(batch.debtor[:1])
    assert clock.due(batch).tolist() == [True] + [False] * (len(batch) - 1)
    # a day later in the same stage with the same oldest claim: no checkpoint
    later = batch.take(rows)
    shifted = type(later)(**{**later.__dict__, "day": later.day + 1, "dpd": later.dpd + 1})
    clock.set(batch, rows, np.full(rows.size, WAIT_ARM))
    same_stage = stage_of(shifted.dpd) == stage_of(batch.dpd)
    assert (clock.due(shifted) == ~same_stage).all()
    # the oldest claim settled (dpd does not advance with the days): a checkpoint
    settled = type(later)(**{**later.__dict__, "day": later.day + 1})
    assert clock.due(settled).all()


def test_arms_need_their_channel_and_waiting_is_always_available() -> None:
    world = World(3, CFG)
    batch = _first_batch(world)
    avail = arms_available(batch)
    assert avail.shape == (len(batch), N_ARMS)
    assert avail[:, WAIT_ARM].all()
    for k, plan in enumerate(PLANS):
        assert plan is ARMS[k]
        channel = [a.channel.value for a in __import__("simulator.actions").actions.ACTIONS]
        has = np.array(
            [
                batch.allowed[i, [channel[j] == plan.channel for j in range(len(channel))]].any()
                for i in range(len(batch))
            ]
        )
        assert (avail[:, k] == has).all()
    assert CHANNEL_OF.size == batch.allowed.shape[1]


def test_an_arm_acts_like_its_fixed_plan_and_the_wait_arm_never_contacts() -> None:
    world = World(3, CFG)
    batch = _first_batch(world)
    runner = PlanRunner()
    rng = np.random.default_rng(0)
    for k in (0, 25, 59):
        arms = np.full(len(batch), k)
        expected = PLANS[k].policy().decide_batch(batch, rng).action
        assert (runner.actions(batch, arms) == expected).all()
    assert (runner.actions(batch, np.full(len(batch), WAIT_ARM)) == WAIT).all()
