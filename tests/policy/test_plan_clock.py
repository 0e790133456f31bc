"""Checkpoints on a ledger debtor follow the simulator's rules (the same stage boundaries and
first contact day), and a plan in force acts only through the actions the rules allow."""

from datetime import date

import numpy as np

from ledger.checkpoints import FIRST_DPD
from policy.plan_clock import PlanInForce, at_checkpoint, stage_of
from simulator import checkpoints
from simulator.plans import PLANS

DAY = date(2026, 11, 24)


def test_the_ledger_and_the_simulator_count_stages_and_the_first_contact_day_alike() -> None:
    days = np.arange(0, 120)
    assert [stage_of(int(d)) for d in days] == checkpoints.stage_of(days).tolist()
    assert {p.policy().first for p in PLANS} == {FIRST_DPD}
    assert [stage_of(d) for d in (0, 13, 14, 27, 28, 100)] == [0, 0, 1, 1, 2, 5]


def test_a_plan_runs_until_a_stage_a_moved_due_date_or_an_outcome() -> None:
    plan = PlanInForce(arm=3, chosen_on=date(2026, 11, 20), dpd=5, propensity=0.4)
    assert at_checkpoint(None, 9, DAY, False)
    assert not at_checkpoint(plan, 9, DAY, False)  # four days on, four more days past due
    assert at_checkpoint(plan, 2, DAY, False)  # the oldest claim was settled: the due date moved
    assert at_checkpoint(plan, 9, DAY, True)  # a complaint, dispute or promise since
    late = PlanInForce(arm=3, chosen_on=date(2026, 11, 20), dpd=12, propensity=0.4)
    assert at_checkpoint(late, 16, DAY, False)  # 12 -> 16 days past due enters stage 1
    assert at_checkpoint(PlanInForce(3, DAY, 9, 0.4), 9, DAY, False)  # chosen today: again
