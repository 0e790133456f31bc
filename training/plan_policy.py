"""The plan-at-checkpoint policy in the simulator: checkpoints, history and plans from
``simulator``, the choice from ``policy``; and the log of every checkpoint it passed.

:class:`PlanPolicy` implements the simulator's ``Policy``: each day it finds the debtors at a
checkpoint (:class:`simulator.checkpoints.PlanClock`), asks its ``chooser`` for an arm per such
debtor (from the point-in-time state of :class:`simulator.debtor_history.DebtorHistory` and the arms
available to it), and then lets the arms in force act (:class:`simulator.checkpoints.PlanRunner`).
The propensity of a checkpoint's choice is logged with the day's first contact under it. With
``log=True`` it also keeps a :class:`CheckpointLog` (state, arm, propensity, available arms and the
debtor's running totals at each checkpoint), from which :mod:`training.plan_fit` learns.

A debtor the chooser leaves to the ladder (arm ``LADDER_ARM``: the plan-logging policy's debtor
whose segment states no plan) is dunned by replay's ``ladder`` every day instead, with the
ladder's propensity, and never enters the checkpoint log; with ``log=True`` its days are kept
apart (:meth:`PlanPolicy.ladder_days`), the per-day decisions a ledger stores as the ladder's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from policy.decision_path import Pinned, Situation, decide_for
from policy.plan_choice import Choice, PlanObjective, TopK
from policy.plan_model import PlanValueModel
from policy.plan_pyfunc import PlanDunningPolicy
from simulator.checkpoints import LADDER_ARM, PlanClock, PlanRunner, arms_available
from simulator.debtor_history import TOTALS, DebtorHistory
from simulator.events import DayEvents
from simulator.history import DECISION_FIELDS
from simulator.registry import make_policy
from simulator.views import DecisionBatch, Decisions
from simulator.world import World

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
B = NDArray[np.bool_]

Chooser = Callable[[pd.DataFrame, B, np.random.Generator], Choice]
"""(state rows, available arms [row, arm], rng) -> the choice per row."""
SIM_NOW = datetime(2000, 1, 1, tzinfo=UTC)  # decide_for's clock: replay's runner acts, not it


@dataclass
class CheckpointLog:
    """Every checkpoint passed, in order, and each debtor's totals at the end."""

    states: list[pd.DataFrame] = field(default_factory=list)
    debtor: list[I] = field(default_factory=list)
    day: list[I] = field(default_factory=list)
    arm: list[I] = field(default_factory=list)
    propensity: list[F] = field(default_factory=list)
    available: list[B] = field(default_factory=list)
    totals: list[F] = field(default_factory=list)
    final_totals: F = field(default_factory=lambda: np.zeros((0, len(TOTALS))))
    daily_totals: list[F] = field(default_factory=list)  # [day][debtor, total] at day end
    days: int = 0
    payment_rows: pd.DataFrame | None = None  # what its payment-time model learns from, if asked

    def add(self, state: pd.DataFrame, debtor: I, day: int, c: Choice, avail: B, tot: F) -> None:
        self.states.append(state)
        self.debtor.append(debtor)
        self.day.append(np.full(debtor.size, day, dtype=np.int64))
        self.arm.append(c.arm)
        self.propensity.append(c.propensity)
        self.available.append(avail)
        self.totals.append(tot)

    def frame(self) -> tuple[pd.DataFrame, dict[str, NDArray[np.generic]]]:
        """All checkpoints: the states and the arrays beside them (same row order)."""
        state = pd.concat(self.states, ignore_index=True)
        cols = {
            "debtor": np.concatenate(self.debtor),
            "day": np.concatenate(self.day),
            "arm": np.concatenate(self.arm),
            "propensity": np.concatenate(self.propensity),
            "available": np.concatenate(self.available),
            "totals": np.concatenate(self.totals),
        }
        return state, cols


class PlanPolicy:
    def __init__(
        self,
        world: World,
        chooser: Chooser,
        name: str,
        log: bool = False,
        arms: B | None = None,
    ) -> None:
        """``arms``: the arms it may choose from (default: all)."""
        n = world.pop.n_debtors
        self.arms = arms
        self.name, self.chooser = name, chooser
        self.clock = PlanClock.empty(n)
        self.history = DebtorHistory(world.pop.inv_debtor, n)
        self.runner = PlanRunner()
        self.log = CheckpointLog(days=world.cfg.days) if log else None
        self.pending_prop = np.ones(n)
        # the debtors the chooser leaves to the ladder (``LADDER_ARM``): replay's own ``ladder``
        # baseline acts for them; with ``log`` their days are kept apart (:meth:`ladder_days`)
        self.ladder = make_policy("ladder", world)
        self.ladder_log: dict[str, list[NDArray[np.generic]]] | None = (
            {k: [] for k in DECISION_FIELDS} if log else None
        )

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        rows = np.flatnonzero(self.clock.due(batch))
        if rows.size:
            state = self.state(batch, rows)
            avail = arms_available(batch.take(rows))
            if self.arms is not None:
                avail &= self.arms[None, :]
            choice = self.chooser(state, avail, rng)
            self.clock.set(batch, rows, choice.arm)
            self.pending_prop[batch.debtor[rows]] = choice.propensity
            planned = choice.arm != LADDER_ARM  # the ladder's debtors are at no plan checkpoint
            if self.log is not None and planned.any():
                d = batch.debtor[rows[planned]]
                here = state[planned].reset_index(drop=True)
                tot = self.history.snapshot(d)
                self.log.add(here, d, batch.day, choice.take(planned), avail[planned], tot)
        arms = self.clock.arm[batch.debtor]
        action = self.runner.actions(batch, arms)
        prop = np.ones(len(batch))
        acting = np.flatnonzero(action >= 0)
        prop[acting] = self.pending_prop[batch.debtor[acting]]
        self.pending_prop[batch.debtor[acting]] = 1.0
        laddered = np.flatnonzero(arms == LADDER_ARM)
        if laddered.size:
            self.ladder_acts(batch, laddered, action, prop, rng)
        return Decisions(action=action, propensity=prop)

    def ladder_acts(
        self, batch: DecisionBatch, rows: I, action: I, prop: F, rng: np.random.Generator
    ) -> None:
        """The ladder's action and propensity for ``rows`` of ``batch`` (into ``action`` and
        ``prop``), every day; with ``log`` each such day is kept, waits included (the API stores
        every answer of the ladder in the per-day decision log)."""
        sub = batch.take(rows)
        dec = self.ladder.decide_batch(sub, rng)
        action[rows], prop[rows] = dec.action, dec.propensity
        if self.ladder_log is not None:
            day = np.full(rows.size, batch.day, dtype=np.int64)
            kept = (day, sub.debtor, dec.action, dec.propensity, sub.dpd, sub.overdue_cents)
            for k, v in zip(DECISION_FIELDS, kept, strict=True):
                self.ladder_log[k].append(v)

    def ladder_days(self) -> dict[str, NDArray[np.generic]]:
        """Every day the ladder decided for a debtor the chooser left to it (``log``), in the
        form of :attr:`simulator.history.History.decision`: day, debtor, action, propensity, dpd,
        overdue_cents."""
        if self.ladder_log is None:
            raise ValueError("the ladder's days are kept only with log=True")
        return {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64)
                for k, v in self.ladder_log.items()}  # fmt: skip

    def state(self, batch: DecisionBatch, rows: I) -> pd.DataFrame:
        """The state rows the chooser reads at the checkpoints ``rows`` of ``batch``."""
        return self.history.state(batch, rows)

    def record(self, day: int, ev: DayEvents) -> None:
        self.history.record(day, ev)
        self.clock.flag(self.history.outcomes(ev))
        if self.log is not None:
            self.log.final_totals = self.history.totals
            self.log.daily_totals.append(self.history.totals.copy())


def decided_chooser(
    model: PlanValueModel, objective: PlanObjective, exploration: TopK, version: str = "replay"
) -> Chooser:
    """A chooser that decides through the one decision path (:func:`decide_for`) with the plan
    model: replay's stream draws, the available arms as given, no explanation."""
    return policy_chooser(PlanDunningPolicy(model, objective, exploration), version)


def policy_chooser(policy: PlanDunningPolicy, version: str = "replay") -> Chooser:
    """:func:`decided_chooser` for a whole plan policy (its anchoring on the segment plans
    included)."""
    pinned = Pinned(policy, version)

    def chooser(state: pd.DataFrame, avail: B, rng: np.random.Generator) -> Choice:
        base = state.set_axis(pd.RangeIndex(len(state)))
        cases = [Situation(i, (), 0, arms=avail[i]) for i in range(len(state))]
        answers = decide_for(cases, SIM_NOW, pinned, base=base, rng=rng, explain=False,
                             with_refusals=False)  # fmt: skip
        plans = [a.plan for a in answers if a.plan is not None]
        return Choice(
            np.array([p.arm for p in plans], dtype=np.int64),
            np.array([a.propensity for a in answers], dtype=float),
            np.array([p.greedy for p in plans], dtype=np.int64),
            np.array([p.runner_up for p in plans], dtype=np.int64),
        )

    return chooser


def uniform_chooser(state: pd.DataFrame, avail: B, rng: np.random.Generator) -> Choice:
    """The logging chooser: an arm uniformly among the available ones (propensity 1 / count)."""
    n_ok = avail.sum(axis=1)
    pick = np.minimum((rng.random(len(state)) * n_ok).astype(np.int64), n_ok - 1)
    order = np.argsort(~avail, axis=1, kind="stable")
    arm = order[np.arange(len(state)), pick]
    none = np.full(len(state), -1, dtype=np.int64)
    return Choice(arm.astype(np.int64), 1.0 / n_ok, arm.astype(np.int64), none)
