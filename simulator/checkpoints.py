"""Checkpoints and plans in force: when a debtor's dunning plan is (re)chosen, what it does between.

A plan-at-checkpoint policy decides per debtor a *plan* (an arm: one of the 60 fixed plans of
:data:`simulator.plans.PLANS`, or ``WAIT_ARM``: no contact until the next checkpoint) and follows
it until the next checkpoint. A debtor observed today is at a checkpoint when

* no plan was chosen for it yet, or
* its oldest claim crossed into a new stage (:data:`ledger.checkpoints.STAGE_DPD`: 0, 14, 28, ...
  days past due, the numbers the ledger's plan clock reads too), or
* its oldest due date moved (an invoice was paid or credited, or a new episode began), or
* an outcome was flagged since the last choice (:meth:`PlanClock.flag`: a broken promise, a
  complaint, a resolved dispute).

A chooser may instead leave a debtor to the ladder (``LADDER_ARM``): no plan is in force for it.

Between checkpoints an arm acts like :class:`~simulator.policies.FixedActionPolicy`: its channel
and tone every ``every`` days from ``FIRST_DPD`` (3) days past due (09:00 for businesses, 18:00
for consumers, a letter in the same tone when the channel is missing). Cadences of at least 7
days keep every debtor within the default contact budget. This module chooses nothing: the
chooser is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ledger.checkpoints import STAGE_DPD
from ledger.plans import WAIT_LABEL
from simulator.actions import CHANNEL_OF, WAIT
from simulator.params import CHANNELS
from simulator.plans import PLANS, Plan
from simulator.policies import FixedActionPolicy, _first_allowed
from simulator.views import DecisionBatch

I = NDArray[np.int64]  # noqa: E741
B = NDArray[np.bool_]

WAIT_ARM = len(PLANS)
N_ARMS = len(PLANS) + 1
ARMS: tuple[Plan | None, ...] = (*PLANS, None)
"""Arm ``k`` < ``WAIT_ARM`` is ``PLANS[k]``; ``WAIT_ARM`` (``None``) contacts no one."""
NONE = -1
LADDER_ARM = -2
"""A chooser's answer for a debtor it leaves to the simulator's ladder
(:class:`~simulator.policies.LadderPolicy`): no plan, so it is no plan checkpoint; the ladder acts
for it every day (the production ledger's debtor whose segment states no plan). The runner gives
it no action of its own, like ``NONE``."""


def arm_label(arm: int) -> str:
    plan = ARMS[arm]
    return WAIT_LABEL if plan is None else plan.label


ARM_OF: dict[str, int] = {arm_label(k): k for k in range(N_ARMS)}
"""Each arm by its label (``wait`` for ``WAIT_ARM``)."""


def stage_of(dpd: I) -> I:
    """The stage (index into ``STAGE_DPD``) of each days-past-due figure."""
    return np.asarray(np.searchsorted(np.array(STAGE_DPD), dpd, side="right") - 1, dtype=np.int64)


def arms_available(batch: DecisionBatch) -> B:
    """[row, arm]: the arms that can act for each row as declared (their channel, or a letter for
    a plan on the letter channel); waiting is always available."""
    channel_ok = np.stack(
        [batch.allowed[:, c == CHANNEL_OF].any(axis=1) for c in range(len(CHANNELS))], axis=1
    )
    names = [c.value for c in CHANNELS]
    plan_channel = np.array([names.index(p.channel) for p in PLANS], dtype=np.int64)
    out = np.ones((len(batch), N_ARMS), dtype=bool)
    out[:, :WAIT_ARM] = channel_ok[:, plan_channel]
    return out


@dataclass
class PlanClock:
    """Per debtor (world index): the arm in force, when and at which due date it was chosen."""

    arm: I
    day: I
    dpd: I
    flagged: B

    @classmethod
    def empty(cls, n_debtors: int) -> PlanClock:
        return cls(
            arm=np.full(n_debtors, NONE, dtype=np.int64),
            day=np.full(n_debtors, NONE, dtype=np.int64),
            dpd=np.zeros(n_debtors, dtype=np.int64),
            flagged=np.zeros(n_debtors, dtype=bool),
        )

    def due(self, batch: DecisionBatch) -> B:
        """Rows of ``batch`` at a checkpoint today."""
        d = batch.debtor
        never = self.arm[d] == NONE
        moved = batch.dpd != self.dpd[d] + (batch.day - self.day[d])
        staged = stage_of(batch.dpd) != stage_of(self.dpd[d])
        return np.asarray(never | moved | staged | self.flagged[d])

    def set(self, batch: DecisionBatch, rows: I, arms: I) -> None:
        """Record the arms chosen today for ``rows`` of ``batch``."""
        d = batch.debtor[rows]
        self.arm[d], self.day[d], self.dpd[d] = arms, batch.day, batch.dpd[rows]
        self.flagged[d] = False

    def flag(self, debtors: I) -> None:
        """An outcome happened: choose again at the debtor's next observation."""
        self.flagged[debtors] = True


class PlanRunner:
    """The actions the arms in force take today (``WAIT`` between contacts and for ``WAIT_ARM``)."""

    def __init__(self) -> None:
        self.fixed = [p.policy() for p in PLANS]

    def actions(self, batch: DecisionBatch, arms: I) -> I:
        out = np.full(len(batch), WAIT, dtype=np.int64)
        for k in np.unique(arms[(arms >= 0) & (arms < WAIT_ARM)]):
            pol: FixedActionPolicy = self.fixed[int(k)]
            rows = np.flatnonzero(arms == k)
            go = (batch.dpd[rows] >= pol.first) & (batch.days_since_contact[rows] >= pol.every)
            for b2c, opts in pol.options.items():
                sel = rows[go & (batch.b2c[rows] == b2c)]
                out[sel] = _first_allowed(batch, sel, opts)
        return out
