"""The oracle: the policy that knows the true response and maximises expected value each day.

    value(a)    = overdue x E[share paid] x P(pay within H | a) x discount
                  - cost(a) - harm x P(complaint | a)
    value(wait) = overdue x E[share paid] x P(pay within H | wait) x discount

It takes the best allowed action when it beats both waiting for good and waiting ``defer_days``
and then taking the best action (both judged over the horizon + ``defer_days``), else waits. One
look ahead, no more: a strong reference rather than a proven optimum.
It reads the world's latent state: it is an evaluation tool and must never be used to make data.
"""

from __future__ import annotations

import numpy as np

from simulator.views import DecisionBatch, Decisions
from simulator.world import World


class OraclePolicy:
    name = "oracle"

    def __init__(self, world: World, defer_days: int = 10) -> None:
        self.world, self.defer_days = world, defer_days

    def values(self, batch: DecisionBatch) -> tuple[np.ndarray, np.ndarray]:
        """Expected value in cents of every action (n x A, -inf if not allowed) and of waiting."""
        cfg = self.world.cfg
        e, p_act, p_wait, share = self.world.true_response_batch(batch.debtor, batch.day)
        money = batch.overdue_cents * share * cfg.discount
        harm = cfg.harm_per_complaint_eur * 100 * e.reach * e.p_complaint
        v = money[:, None] * p_act - self.world.cost_cents[None, :] - harm
        v = np.where(batch.allowed, v, -np.inf)
        return v, money * p_wait[:, 0]

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        out = Decisions.wait(len(batch))
        if len(batch) == 0:
            return out
        cfg = self.world.cfg
        e, _, _, share = self.world.true_response_batch(batch.debtor, batch.day)
        now, later, never = self.world.act_now_or_later(batch.debtor, batch.day, self.defer_days)
        money = (batch.overdue_cents * share * cfg.discount)[:, None]
        side = (
            self.world.cost_cents[None, :]
            + cfg.harm_per_complaint_eur * 100 * e.reach * e.p_complaint
        )
        v_now = np.where(batch.allowed, money * now - side, -np.inf)
        v_later = np.where(batch.allowed, money * later - side, -np.inf).max(axis=1)
        best = np.argmax(v_now, axis=1)
        top = v_now[np.arange(len(batch)), best]
        act = (top > money[:, 0] * never[:, 0]) & (top >= v_later)
        out.action[act] = best[act]
        return out
