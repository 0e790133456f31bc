"""The response model's qualitative claims, read from the ground truth (``true_response``)."""

import numpy as np
import pytest

from simulator.actions import ACTIONS, WAIT, action_index
from simulator.config import ARCHETYPES, SimConfig
from simulator.oracle import OraclePolicy
from simulator.world import World


@pytest.fixture(scope="module")
def world_day() -> tuple[World, int]:
    """A world run 45 days without contacts, observed on a Wednesday with many debtors overdue."""
    w = World(3, SimConfig(n_debtors=3000, days=120))
    day = 0
    while True:
        w.observe(day)
        if day >= 45 and w.cal.weekday[day] == 2:
            return w, day
        w.step(day, np.full(w.pop.n_debtors, WAIT))
        day += 1


def _best_channels(w: World, day: int, archetype: str, b2c: bool) -> list[str]:
    batch = w._batch
    assert batch is not None
    m = (w.pop.archetype[batch.debtor] == ARCHETYPES.index(archetype)) & (batch.b2c == b2c)
    m &= batch.dpd < 25
    assert m.sum() >= 5, f"too few {archetype} debtors to judge"
    v, _ = OraclePolicy(w).values(batch.take(m))
    return [f"{ACTIONS[a].channel.value}/{ACTIONS[a].tone.value}" for a in np.argmax(v, axis=1)]


def _share(labels: list[str], *wanted: str) -> float:
    return sum(lbl.split("/")[0] in wanted or lbl in wanted for lbl in labels) / len(labels)


def test_best_action_differs_between_archetypes(world_day: tuple[World, int]) -> None:
    w, day = world_day
    assert _share(_best_channels(w, day, "ap_department", False), "phone") >= 0.8
    assert _share(_best_channels(w, day, "chronic_late", False), "letter/firm") >= 0.8
    forgetful = _best_channels(w, day, "forgetful", True)
    assert _share(forgetful, "email", "sms") >= 0.8
    assert all(lbl.split("/")[1] != "firm" for lbl in forgetful) or _share(forgetful, "email") > 0


def _truth(w: World, debtor: int, label: str, day: int) -> float:
    return w.true_response(int(debtor), label, day).p_complaint


def test_firm_tone_raises_complaints_more_with_loyal_customers(
    world_day: tuple[World, int],
) -> None:
    w, day = world_day
    batch = w._batch
    assert batch is not None
    forgetful = w.pop.archetype[batch.debtor] == ARCHETYPES.index("forgetful")
    loyal = batch.debtor[forgetful & w.pop.loyal[batch.debtor]][0]
    other = batch.debtor[forgetful & ~w.pop.loyal[batch.debtor]][0]
    ratio = {}
    for d in (loyal, other):
        firm = _truth(w, d, "email/firm/09h", day)
        friendly = _truth(w, d, "email/friendly/09h", day)
        assert firm > friendly
        ratio[d] = firm / friendly
    assert ratio[loyal] > 2 * ratio[other]


def test_effects_stay_within_plausible_bounds(world_day: tuple[World, int]) -> None:
    w, day = world_day
    assert w.pa.lift.min() >= 0.7
    assert w.pa.lift.max() <= 4.0
    batch = w._batch
    assert batch is not None
    forgetful = batch.debtor[w.pop.archetype[batch.debtor] == ARCHETYPES.index("forgetful")]
    for d in forgetful[:100]:
        t = w.true_response(int(d), "email/friendly/09h", day)
        assert 0.0 <= t.p_pay_horizon <= 1.0
        assert t.p_pay_horizon > t.p_pay_horizon_wait  # a reminder helps the forgetful...
        assert t.p_pay_horizon < 4 * t.p_pay_horizon_wait  # ...within reason
        assert t.p_complaint < 0.05


def test_contacts_that_come_too_often_backfire() -> None:
    w = World(4, SimConfig(n_debtors=3000, days=60))
    label = "sms/neutral/13h"
    a = action_index("sms", "neutral", 13)
    for day in range(40):
        batch = w.observe(day)
        actions = np.full(w.pop.n_debtors, WAIT)
        ok = batch.allowed[:, a] & (batch.dpd >= 1)
        actions[batch.debtor[ok]] = a
        w.step(day, actions)
    w.observe(40)
    recent = (40 - w.recent_days < w.params.fatigue_window_days).sum(axis=1)
    chosen = np.flatnonzero((recent >= 2) & (w.overdue > 0) & (w.dispute_until < 40))
    assert chosen.size >= 20
    tired = [w.true_response(int(d), label, 40) for d in chosen]
    gain_tired = np.array([t.p_pay_horizon - t.p_pay_horizon_wait for t in tired])
    w.recent_days[chosen] = -10_000  # the same debtors, had they not been contacted lately
    fresh = [w.true_response(int(d), label, 40) for d in chosen]
    gain_fresh = np.array([t.p_pay_horizon - t.p_pay_horizon_wait for t in fresh])
    assert (gain_tired < gain_fresh).all()
    assert gain_tired.mean() < 0.25 * gain_fresh.mean()
    assert np.median(gain_tired) < 0  # for most, another SMS now lowers the chance of payment
    assert np.mean([t.p_complaint for t in tired]) > 2 * np.mean([t.p_complaint for t in fresh])
    assert w.cost_cents[a] == w.cfg.world.costs_cents["sms"]
