"""Point-in-time debtor history: features count past events only, and the totals add up."""

import numpy as np

from simulator.config import SimConfig
from simulator.debtor_history import STATE_FEATURES, TOTALS, DebtorHistory
from simulator.outcome import outcome_of
from simulator.plans import PLANS
from simulator.replay import run
from simulator.world import World

CFG = SimConfig(n_debtors=60, days=60)


class Recording:
    """A fixed plan that also feeds a history and keeps the state seen on a given day."""

    def __init__(self, world: World, look_day: int, later: int = 5) -> None:
        self.name, self.inner, self.later = "recording", PLANS[5].policy(), PLANS[later].policy()
        self.history = DebtorHistory(world.pop.inv_debtor, world.pop.n_debtors)
        self.look_day, self.seen = look_day, None

    def decide_batch(self, batch, rng):  # type: ignore[no-untyped-def]
        if batch.day == self.look_day:
            self.seen = self.history.state(batch, np.arange(len(batch)))
        pol = self.inner if batch.day <= self.look_day else self.later
        return pol.decide_batch(batch, rng)

    def record(self, day, ev):  # type: ignore[no-untyped-def]
        self.history.record(day, ev)


def _run(look: int, later: int = 5) -> tuple[World, Recording]:
    world = World(4, CFG)
    pol = Recording(world, look, later)
    tally = run(world, pol.name, lambda _w: pol)
    world.tally = tally  # type: ignore[attr-defined]
    return world, pol


def test_state_at_a_day_ignores_everything_after_it() -> None:
    _, short = _run(35)
    _, long = _run(35, later=50)  # another plan after the day looked at
    assert short.seen is not None
    assert long.seen is not None
    assert list(short.seen.columns) == list(STATE_FEATURES)
    assert short.seen.equals(long.seen)
    assert short.seen["contacts_total"].sum() > 0


def test_running_totals_equal_the_replay_outcome() -> None:
    world, pol = _run(-1)
    o = outcome_of(world, world.tally, 30)  # type: ignore[attr-defined]
    got = pol.history.snapshot(np.arange(world.pop.n_debtors))
    assert TOTALS == ("collected_eur", "cost_eur", "complaints", "contacts")
    for j, want in enumerate((o.collected, o.cost, o.complaints, o.contacts)):
        np.testing.assert_allclose(got[:, j], want, atol=1e-6)
