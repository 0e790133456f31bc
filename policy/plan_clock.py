"""Checkpoints and the plan in force, on a ledger debtor: when a plan is chosen again, and what the
plan does today between checkpoints.

The same rules as the simulator's :mod:`simulator.checkpoints` (which may not import ``policy``),
from the same numbers (:mod:`ledger.checkpoints`: the stage boundaries and the first day). A
debtor is at a checkpoint when no plan is in force (none chosen yet, or chosen by another model
version), when its oldest overdue claim entered a new stage (``STAGE_DPD``), when the oldest due
date moved (a payment or credit settled the oldest claim, or a new episode began), when an outcome
since the choice calls for a second look (a broken promise, a complaint, a resolved dispute), or
when the plan was chosen today (asked again the same day, the keyed draw gives the same answer).

Between checkpoints a plan acts like a fixed plan: its channel every ``every`` days from
``FIRST_DPD`` days past due, in its tone (or, when the stage does not allow that tone, the nearest
one the rules allow), at the earliest send time the rules allow today; otherwise it waits. Only
actions the rules allowed (``options``) are ever taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ledger.checkpoints import FIRST_DPD, STAGE_DPD
from policy.actions import Action, wait
from policy.flow_state import TONE_ORDER, DebtorState
from policy.plan_pyfunc import Plan


def stage_of(dpd: int) -> int:
    return sum(1 for s in STAGE_DPD if dpd >= s) - 1


@dataclass(frozen=True)
class PlanInForce:
    """The plan a debtor follows: chosen on ``chosen_on`` (the creditor's local day) when the
    oldest claim was ``dpd`` days past due, with probability ``propensity``."""

    arm: int
    chosen_on: date
    dpd: int
    propensity: float


def at_checkpoint(plan: PlanInForce | None, dpd: int, today: date, outcome_since: bool) -> bool:
    """Whether a plan is (re)chosen today (see the module's docstring)."""
    if plan is None or outcome_since or plan.chosen_on >= today:
        return True
    moved = dpd != plan.dpd + (today - plan.chosen_on).days
    return moved or stage_of(dpd) != stage_of(plan.dpd)


def plan_action(plan: Plan, state: DebtorState, options: Sequence[Action], now: datetime) -> Action:
    """What ``plan`` does today for the debtor: one of the allowed ``options``, or waiting."""
    today = state.local_day(now)
    idle = wait(state.stage, now, f"plan {plan.label} in force")
    if plan.channel is None or state.days_overdue(today) < FIRST_DPD:
        return idle
    last = state.last_contact_at
    if last is not None and (today - state.local_day(last)).days < plan.every:
        return idle
    same = [a for a in options if a.channel == plan.channel and a.tone is not None]
    if not same:
        return idle
    want = TONE_ORDER.index(plan.tone) if plan.tone in TONE_ORDER else 1
    return min(same, key=lambda a: (abs(TONE_ORDER.index(a.tone) - want), a.send_at))
