"""The week's forecast runs the decision path forward: the ladder's steps on the days the rules
allow them (one a day, the minimum gap), nothing for an invoice expected paid, the same answer as
deciding day by day with the contacts written in between, and a plan champion's plans chosen at a
checkpoint and followed until the next (a plan in force from the log followed from the start)."""

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from features.plan_state import CHECKPOINT_FEATURES
from ledger.enums import Channel, DebtorKind, Stage
from policy import week_forecast
from policy.decision_path import Pinned, decide_for
from policy.flow_state import DebtorState
from policy.plan_clock import PlanInForce
from policy.plan_pyfunc import PlanDunningPolicy
from policy.week_forecast import after_contact, forecast_contacts
from tests.factories import synthetic_base
from tests.policy.builders import ams, invoice, state
from tests.serving.api.tiny_plan_policy import tiny_plan_policy

# Monday 2 February 2026 … Friday 6 February, the cycle at 08:30
WEEK = [ams(2026, 2, d, 8, 30) for d in (2, 3, 4, 5, 6)]


def _debtor(debtor_id: int, due: date) -> DebtorState:
    return replace(
        state(kind=DebtorKind.B2B, invoices=(invoice(debtor_id, due=due),)), debtor_id=debtor_id
    )


def test_the_ladder_steps_fall_on_the_days_the_rules_allow() -> None:
    # 3 days overdue on Monday (due 30 January): the first reminder (+3) goes Monday; the
    # second (+10) waits for its day, 9 February, after the week
    early = _debtor(1, date(2026, 1, 30))
    # 12 days overdue on Monday (due 21 January): the +3 level now, the +10 level three days on
    late = _debtor(2, date(2026, 1, 21))
    found = forecast_contacts({1: early, 2: late}, WEEK)
    got = [(c.day, c.debtor_id, c.channel, c.stage) for c in found]
    assert got == [
        (date(2026, 2, 2), 1, Channel.EMAIL, Stage.REMINDER),
        (date(2026, 2, 2), 2, Channel.EMAIL, Stage.REMINDER),
        (date(2026, 2, 5), 2, Channel.EMAIL, Stage.REMINDER),
    ]


def test_an_invoice_expected_paid_gets_nothing_from_that_day() -> None:
    debtor = _debtor(2, date(2026, 1, 21))
    found = forecast_contacts({2: debtor}, WEEK, paid_on={2: date(2026, 2, 4)})
    assert [c.day for c in found] == [date(2026, 2, 2)]


def test_the_forecast_is_the_cycles_run_one_after_another() -> None:
    debtor = _debtor(2, date(2026, 1, 21))
    current, by_hand = debtor, []
    for now in WEEK:
        (answer,) = decide_for({2: current}, now, None, with_refusals=False)
        a = answer.action
        if a.channel is not None and a.send_at.date() == now.date():
            by_hand.append(now.date())
            current = after_contact(current, a)
    assert [c.day for c in forecast_contacts({2: debtor}, WEEK)] == by_hand
    assert len(by_hand) == 2
    assert by_hand[1] - by_hand[0] >= timedelta(days=3)


# a plan champion: a plan is chosen at the first cycle (a checkpoint) and followed until the next
PLAN_VERSION = "dunning-policy/plan-1"


@pytest.fixture(scope="module")
def plan_champion() -> Pinned:
    return Pinned(tiny_plan_policy(), PLAN_VERSION)


def _plan_rows(champion: Pinned, ids: list[int]) -> pd.DataFrame:
    """Checkpoint state rows of these debtors (the features the plan model reads)."""
    policy = champion.policy
    assert isinstance(policy, PlanDunningPolicy)
    assert policy.model is not None
    rng = np.random.default_rng(3)
    rows = synthetic_base(len(ids), rng)
    for name in CHECKPOINT_FEATURES:
        rows[name] = rng.integers(0, 30, len(ids)).astype(float)
    rows.index = pd.Index(ids)
    return rows[list(policy.model.state_features)]


def _checkpoints(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Per cycle, how many debtors the forecast brings to a checkpoint (no plan in force)."""
    seen: list[int] = []
    real = week_forecast.decide_for

    def spy(states: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(sum(1 for case in states if case.plan is None))
        return real(states, *args, **kwargs)

    monkeypatch.setattr(week_forecast, "decide_for", spy)
    return seen


def test_a_plan_champions_plan_is_chosen_once_and_followed(
    plan_champion: Pinned, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 3 and 16 days overdue on Monday: no stage boundary (14, 28 days) falls in the week
    debtors = {i: _debtor(i, due) for i, due in ((1, date(2026, 1, 30)), (2, date(2026, 1, 17)))}
    base = _plan_rows(plan_champion, list(debtors))
    checkpoints = _checkpoints(monkeypatch)
    found = forecast_contacts(debtors, WEEK, plan_champion, base=base)
    assert checkpoints == [2, 0, 0, 0, 0]  # chosen on Monday, in force the rest of the week
    monday = decide_for(  # what Monday's cycle chooses, asked directly
        debtors, WEEK[0], plan_champion, base=base, day=WEEK[0].date(), with_refusals=False
    )
    policy = plan_champion.policy
    assert isinstance(policy, PlanDunningPolicy)
    plan = {a.debtor_id: policy.arms[a.plan.arm] for a in monday if a.plan is not None}
    assert len(plan) == 2
    assert found, "the tiny champion's plans contact someone"
    for c in found:  # each contact is its debtor's plan: its channel, at most one a week (7 d)
        assert c.channel == plan[c.debtor_id].channel
    assert len({c.debtor_id for c in found}) == len(found)


def test_a_plan_in_force_from_the_log_is_followed_from_the_first_day(
    plan_champion: Pinned, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = plan_champion.policy
    assert isinstance(policy, PlanDunningPolicy)
    letter = next(k for k, p in enumerate(policy.arms) if p.channel == Channel.LETTER)
    debtor = _debtor(1, date(2026, 1, 24))  # 9 days overdue on Monday, 13 on Friday
    # chosen last Friday at 6 days overdue: still the same claim, the same stage all week
    plans = {1: PlanInForce(letter, date(2026, 1, 30), 6, 0.4)}
    checkpoints = _checkpoints(monkeypatch)
    base = _plan_rows(plan_champion, [1])
    found = forecast_contacts({1: debtor}, WEEK, plan_champion, base=base, plans=plans)
    assert checkpoints == [0, 0, 0, 0, 0]
    assert [(c.day, c.channel) for c in found] == [(date(2026, 2, 2), Channel.LETTER)]
    # without it the debtor is at a checkpoint on Monday and a plan is chosen then
    checkpoints.clear()
    forecast_contacts({1: debtor}, WEEK, plan_champion, base=base)
    assert checkpoints == [1, 0, 0, 0, 0]
