"""Replay decides through the one decision path: its choices are what ``policy.decide`` gives
on the candidate table the replay adapter used to build itself (the same world, stream and
model), so moving replay onto :func:`policy.decision_path.decide_for` changed no decision."""

import numpy as np
import pandas as pd
import pytest

from policy.decide import decide
from simulator.actions import ACTIONS, WAIT
from simulator.config import SimConfig
from simulator.population import stream
from simulator.views import DecisionBatch
from simulator.world import World
from tests.serving.api.tiny_policy import tiny_policy
from training.sim_policy import IDS, LearnedSimPolicy

CHANNEL = np.array([a.channel.value for a in ACTIONS])
TONE = np.array([a.tone.value for a in ACTIONS])
HOUR = np.array([a.hour for a in ACTIONS])


def _direct(sim: LearnedSimPolicy, batch: DecisionBatch, rng: np.random.Generator) -> list[int]:
    """The candidate table built straight from the simulator's arrays, scored by ``decide``."""
    n = len(batch)
    rows_i, acts = np.nonzero(batch.allowed)
    row = np.r_[np.arange(n), rows_i]
    act = np.r_[np.full(n, WAIT), acts]
    order = np.lexsort((act, row))
    row, act = row[order], act[order]
    is_wait = act == WAIT
    safe = np.where(is_wait, 0, act)
    cal = sim.world.cal
    hour_time = {
        h: pd.Timestamp(cal.local_time(batch.day, int(h))).tz_convert("UTC")
        for h in np.unique(HOUR)
    }
    day_start = pd.Timestamp(cal.date_of(batch.day)).tz_localize("UTC")
    candidates = pd.DataFrame(
        {
            "debtor_id": IDS["debtor"] + batch.debtor[row],
            "channel": np.where(is_wait, "none", CHANNEL[safe]),
            "tone": np.where(is_wait, "none", TONE[safe]),
            "send_at": [
                day_start if w else hour_time[HOUR[a]] for w, a in zip(is_wait, safe, strict=True)
            ],
            "cost_cents": np.where(is_wait, 0, sim.world.cost_cents[safe]),
            "open_cents": batch.overdue_cents[row],
        }
    )
    assert sim.policy.models is not None
    decisions = decide(
        sim.policy.models,
        sim._base(batch),
        candidates,
        now=day_start.to_pydatetime(),
        weights=sim.policy.weights,
        exploration=sim.policy.exploration,
        rng=rng,
        explain_choice=False,
    )
    return [int(act[d.chosen]) for d in decisions]


@pytest.mark.slow
def test_replay_chooses_what_the_candidate_table_gives() -> None:
    world = World(5, SimConfig(n_debtors=40, days=30))
    sim = LearnedSimPolicy(world, tiny_policy(epsilon=0.3))
    rng = stream(world.seed, 2)
    compared = acting = 0
    for day in range(world.cfg.days):
        batch = world.observe(day)
        actions = np.full(world.pop.n_debtors, WAIT, dtype=np.int64)
        if len(batch) and sim.days:
            state = rng.bit_generator.state
            rng_a, rng_b = np.random.default_rng(), np.random.default_rng()
            rng_a.bit_generator.state = state
            rng_b.bit_generator.state = state
            expected = _direct(sim, batch, rng_a)
            got = sim.decide_batch(batch, rng_b)
            assert list(got.action) == expected
            compared += len(batch)
            acting += int((got.action != WAIT).sum())
            actions[batch.debtor] = got.action
            rng.bit_generator.state = rng_b.bit_generator.state
        sim.record(day, world.step(day, actions))
    assert compared > 20
    assert acting > 0
