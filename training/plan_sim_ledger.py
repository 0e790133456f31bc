"""A plan champion trained from the ledger, replayed in the simulator: the plan-at-checkpoint
policy of :mod:`training.plan_policy` whose state rows are the ledger's plan state
(:func:`features.plan_state.plan_state`), built each day from the replay world's ledger as it
stands (the code that writes the database), as the scoring API reads them, the payment-time
column from the registered payment-time model as the API asks it (NaN when none is registered:
:func:`training.plan_days_late.registered_days_late`). It decides through
:func:`policy.decision_path.decide_for` like every other caller; on the first day, with no
ledger yet, every debtor waits.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from features.plan_state import EXPECTED_DAYS_LATE, DaysLatePredictor, plan_state
from policy.plan_choice import GREEDY
from policy.plan_logging import PlanLoggingPolicy
from policy.plan_pyfunc import PlanDunningPolicy
from simulator.events import DayEvents
from simulator.registry import PolicyFactory
from simulator.views import DecisionBatch, Decisions
from simulator.world import World
from training.plan_days_late import registered_days_late
from training.plan_policy import PlanPolicy, policy_chooser
from training.sim_policy import IDS, sim_ledger_frames

I = NDArray[np.int64]  # noqa: E741


class LedgerStatePlanPolicy(PlanPolicy):
    def __init__(
        self,
        world: World,
        policy: PlanDunningPolicy,
        name: str,
        days_late: DaysLatePredictor | None = None,
    ) -> None:
        assert policy.model is not None
        super().__init__(world, policy_chooser(policy, name), name, arms=policy.arm_mask())
        self.world = world
        self.days_late = days_late
        self.days: list[DayEvents] = []

    def state(self, batch: DecisionBatch, rows: I) -> pd.DataFrame:
        frames = sim_ledger_frames(self.world, self.name, self.days)
        as_of = pd.Timestamp(self.world.cal.date_of(batch.day)).tz_localize("UTC")
        req = pd.DataFrame({"debtor_id": IDS["debtor"] + batch.debtor[rows], "as_of": as_of})
        return plan_state(frames, req, self.days_late).reset_index(drop=True)

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        if not self.days:
            return Decisions.wait(len(batch))
        return super().decide_batch(batch, rng)

    def record(self, day: int, ev: DayEvents) -> None:
        super().record(day, ev)
        self.days.append(ev)


def ledger_plan_factory(policy: PlanDunningPolicy, name: str, greedy: bool = True) -> PolicyFactory:
    """A replay factory for ``policy`` (greedy unless told: every policy is measured greedy)."""
    p = policy
    if greedy:
        p = copy.copy(policy)  # the same plans and anchoring, never exploring
        p.exploration = GREEDY
    # loaded once for every world; a model saved before the column never asks for it
    reads = p.model is not None and EXPECTED_DAYS_LATE in p.model.state_features
    days_late = registered_days_late() if reads else None
    return lambda world: LedgerStatePlanPolicy(world, p, name, days_late)


def anchors_only(policy: PlanDunningPolicy) -> PlanDunningPolicy | None:
    """``policy``'s anchors without its model (None when it is not anchored): each debtor's
    segment plan, its escalation plan once its evidence shows, the model never overruling them
    (every margin infinite); the model only picks where the anchor is not allowed. What an
    anchored candidate must beat for its model to add anything."""
    if getattr(policy, "segment_defaults", None) is None:
        return None
    rule = copy.copy(policy)
    rule.margin_eur = np.inf
    if rule.evidence is not None:
        rule.evidence = rule.evidence.kept()
    return rule


def anchors_factory(policy: PlanDunningPolicy, name: str) -> PolicyFactory | None:
    """:func:`anchors_only` as a replay factory (greedy)."""
    rule = anchors_only(policy)
    return None if rule is None else ledger_plan_factory(rule, name)


def replay_factory(policy: object, name: str) -> PolicyFactory | None:
    """Any registered policy, greedy, as a replay factory: a plan champion through the ledger's
    state, a per-day one through :func:`training.policy_run.greedy_factory`; None for the
    plan-logging policy (:mod:`policy.plan_logging`), which serves the ledger's segment plans: a
    simulated world has none, so there is nothing of it to replay (the candidate then meets
    ``segment-fixed`` only)."""
    if isinstance(policy, PlanLoggingPolicy):
        return None
    if isinstance(policy, PlanDunningPolicy):
        return ledger_plan_factory(policy, name)
    from policy.pyfunc import DunningPolicy
    from training.policy_run import greedy_factory

    assert isinstance(policy, DunningPolicy)
    return greedy_factory(policy, name)
