"""The simulator's payment-time model as an input of the plan learner: its rows are what the
creditor knew at each invoice's issue, the history's own checkpoints get their column out of fold,
and a learner with ``payment_time`` decides on states that carry it."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from features.plan_state import EXPECTED_DAYS_LATE
from simulator.config import SimConfig
from simulator.replay import run
from simulator.world import World
from simulator.world_file import default_world
from training.plan_learner import CHOSEN, log_history, model_for, plan_factory
from training.plan_payment_time import CAP_DAYS, FEATURES, fit_payment_time, invoice_rows
from training.plan_policy import PlanPolicy, uniform_chooser

SPEC = default_world()


def _played(seed: int = 3, debtors: int = 150, days: int = 120) -> World:
    world = World(seed, SimConfig(n_debtors=debtors, days=days, world=SPEC))
    policy = PlanPolicy(world, uniform_chooser, "uniform")
    run(world, policy.name, lambda _w: policy)
    return world


def test_invoice_rows_know_only_what_was_known_at_issue() -> None:
    world = _played()
    rows = invoice_rows(world)
    pop, paid, end = world.pop, world.inv_paid_day, world.cfg.days
    kept = (paid >= 0) | (end - pop.inv_due >= CAP_DAYS)
    assert len(rows) == kept.sum()
    assert 0 < kept.sum() < kept.size
    for i, row in zip(np.flatnonzero(kept)[:200], rows.head(200).itertuples(), strict=True):
        d = pop.inv_debtor[i]
        mine = pop.inv_debtor == d
        before = mine & (paid >= 0) & (paid < pop.inv_issue[i])
        assert row.debtor == d
        assert row.prior_paid == before.sum()
        expected = (paid - pop.inv_due)[before].mean() if before.any() else 0.0
        assert row.prior_mean_dpd == expected
        late = (paid[i] if paid[i] >= 0 else end) - pop.inv_due[i]
        assert row.days_late == min(max(late, 0), CAP_DAYS)
    assert rows["prior_paid"].max() > 0


def test_a_checkpoint_column_never_saw_its_own_debtors_payments() -> None:
    rows = invoice_rows(_played())
    even = rows["debtor"] % 2 == 0
    changed = rows.assign(days_late=rows["days_late"].where(~even, CAP_DAYS - rows["days_late"]))
    a, b = fit_payment_time(rows), fit_payment_time(changed)
    state = rows[list(FEATURES)].head(400)
    debtor = rows["debtor"].to_numpy()[:400]
    mine = debtor % 2 == 0
    np.testing.assert_array_equal(
        a.out_of_fold(state, debtor)[mine], b.out_of_fold(state, debtor)[mine]
    )
    # the others' column moves: it was fitted on the changed debtors
    assert not np.allclose(a.out_of_fold(state, debtor)[~mine], b.out_of_fold(state, debtor)[~mine])
    # the model for other worlds' debtors saw everyone
    assert not np.allclose(a.column(state), a.out_of_fold(state, debtor))


def test_the_learner_with_payment_time_decides_on_states_that_carry_it() -> None:
    cfg = replace(CHOSEN, history_debtors=150, history_days=90, margin_eur=None, evidence=None)
    cfg = replace(cfg, defaults=(), segment_plans_only=False, extra_plans=(), payment_time="issue")
    log = log_history(SPEC, 5, 150, 90, cfg.arms, payment_time="issue")
    assert log.payment_rows is not None
    assert len(log.payment_rows) > 0
    world = World(5, SimConfig(n_debtors=120, days=60, world=SPEC))
    learnt = model_for(world, cfg)
    assert learnt.payment_time is not None
    assert learnt.model.state_features[-1] == EXPECTED_DAYS_LATE
    seen: list[pd.DataFrame] = []
    policy = plan_factory(cfg)(world)
    inner = policy.chooser
    policy.chooser = lambda s, a, r: (seen.append(s), inner(s, a, r))[1]
    run(world, "learner", lambda _w: policy)
    assert seen  # decided: the model read its column (without it, it refuses the rows)
    with pytest.raises(KeyError, match=EXPECTED_DAYS_LATE):
        learnt.model.predict(seen[0])
    state = learnt.state_of(pd.concat(seen, ignore_index=True))
    assert state[EXPECTED_DAYS_LATE].between(0, CAP_DAYS).all()
    assert state[EXPECTED_DAYS_LATE].nunique() > 1


def test_day_rows_label_the_oldest_overdue_invoice_of_that_day() -> None:
    log = log_history(SPEC, 3, 150, 120, payment_time="days")
    rows = log.payment_rows
    assert rows is not None
    assert len(rows) > 100
    assert (rows["dpd"] > 0).all()
    world = _played(3, 150, 120)  # the same world and draws: the same payments
    pop, paid, end = world.pop, world.inv_paid_day, world.cfg.days
    for row in rows.sample(80, random_state=0).itertuples():
        mine = pop.inv_debtor == row.debtor
        overdue = mine & (pop.inv_due < row.day) & ((paid < 0) | (paid >= row.day))
        oldest = np.flatnonzero(overdue)[np.argmin(pop.inv_due[overdue])]
        assert row.dpd == row.day - pop.inv_due[oldest]
        still = (paid[oldest] if paid[oldest] >= 0 else end) - row.day
        assert paid[oldest] >= 0 or still >= CAP_DAYS  # else its label is not known yet
        assert row.days_late == row.dpd + min(still, CAP_DAYS)
