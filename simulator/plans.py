"""Fixed dunning plans (channel x tone x cadence) and a policy that gives each group of debtors its
own plan: the building blocks of the ``best-fixed``, ``segment-fixed`` and ``type-plan`` baselines
(and, staged, one plan per group until a days-past-due boundary and another after it: the plan
learner's first-stage anchors are searched with it).

The grid is :mod:`ledger.plans`' (declared there once: a segment's stated plan is validated
against it, and the plan learner chooses among it); this module gives it the simulator's
behaviour. A plan is what :class:`~simulator.policies.FixedActionPolicy` does: the same channel and
tone every ``every`` days from 3 days past due, 09:00 for businesses and 18:00 for consumers, a
letter in the same tone when the channel is missing. A grouped plan reads a group per debtor;
when the group is the latent archetype the policy is evaluation-only and must never produce
logged data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ledger.plans import PLAN_LABELS, plan_label
from simulator.events import DayEvents
from simulator.policies import FixedActionPolicy
from simulator.views import DecisionBatch, Decisions

I = NDArray[np.int64]  # noqa: E741


@dataclass(frozen=True)
class Plan:
    channel: str
    tone: str
    every: int

    @property
    def label(self) -> str:
        return plan_label(self.channel, self.tone, self.every)

    @classmethod
    def parse(cls, label: str) -> Plan:
        channel, tone, every = label.split("/")
        return cls(channel, tone, int(every.rstrip("d")))

    def policy(self) -> FixedActionPolicy:
        return FixedActionPolicy(self.channel, self.tone, every=self.every)


PLANS: tuple[Plan, ...] = tuple(Plan.parse(label) for label in PLAN_LABELS)
"""The searched grid, :data:`ledger.plans.PLAN_LABELS`' order: 5 channels x 3 tones x 4 cadences."""


class GroupedPlanPolicy:
    """Plan ``plans[g]`` for the debtors of group ``g`` (``group``: one entry per world debtor)."""

    def __init__(self, name: str, plans: Sequence[Plan], group: I) -> None:
        self.name, self.group = name, group
        self.policies = [p.policy() for p in plans]

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        out = Decisions.wait(len(batch))
        g = self.group[batch.debtor]
        for k, pol in enumerate(self.policies):
            rows = np.flatnonzero(g == k)
            if rows.size:
                out.action[rows] = pol.decide_batch(batch.take(rows), rng).action
        return out


class EscalatingPlanPolicy:
    """Plan ``plans[g]`` for the debtors of group ``g`` until they break a promise, ``then`` from
    that day on (its cadence counted from the last contact): the plan learner's anchors when the
    model never overrules them, so its segment plans can be searched with the escalation that
    follows them."""

    def __init__(
        self, name: str, plans: Sequence[Plan], then: Plan, group: I, n_debtors: int
    ) -> None:
        self.name = name
        self.stages: tuple[GroupedPlanPolicy | FixedActionPolicy, ...] = (
            GroupedPlanPolicy(name, plans, group),
            then.policy(),
        )
        self.broken = np.zeros(n_debtors, dtype=bool)

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        out = Decisions.wait(len(batch))
        late = self.broken[batch.debtor]
        split = (np.flatnonzero(~late), np.flatnonzero(late))
        for stage, rows in zip(self.stages, split, strict=True):
            if rows.size:
                out.action[rows] = stage.decide_batch(batch.take(rows), rng).action
        return out

    def record(self, day: int, ev: DayEvents) -> None:
        self.broken[ev.promise_broken] = True


class StagedPlanPolicy:
    """Plan ``first[g]`` for the debtors of group ``g`` while their oldest claim is fewer than
    ``until_dpd`` days past due, ``later[g]`` from then on (its cadence counted from the last
    contact, as a plan chosen again at a checkpoint does)."""

    def __init__(
        self, name: str, first: Sequence[Plan], later: Sequence[Plan], group: I, until_dpd: int
    ) -> None:
        self.name, self.until_dpd = name, until_dpd
        self.stages = (GroupedPlanPolicy(name, first, group), GroupedPlanPolicy(name, later, group))

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        out = Decisions.wait(len(batch))
        early = batch.dpd < self.until_dpd
        split = (np.flatnonzero(early), np.flatnonzero(~early))
        for stage, rows in zip(self.stages, split, strict=True):
            if rows.size:
                out.action[rows] = stage.decide_batch(batch.take(rows), rng).action
        return out
