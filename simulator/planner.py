"""The truth-knowing planner: part of the ceiling every honest policy's share is measured against.

Each day, for each debtor it may contact, it reads the true response (like the one-step oracle) and
compares acting now with waiting k = 1 ... ``max_wait`` days and then acting, each judged over the
horizon + k days on the creditor's objective (expected collection - contact cost - (stated cost per
complaint + ``penalty_eur``) x P(complaint)), and with never acting. It acts only when the best
action now beats every later start and doing nothing. ``penalty_eur`` is the Lagrange multiplier
that holds it to the complaint limit; :class:`ContactBudget` keeps it within the contact budget.
Vectorised over debtors x actions x days. It reads the world's latent state: evaluation only.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.actions import N_ACTIONS
from simulator.events import DayEvents
from simulator.objective import Objective
from simulator.response import (
    Effects,
    Subjects,
    action_effects,
    base_hazard,
    deferred,
    expected_share,
    pay_within_horizon,
)
from simulator.views import DecisionBatch, Decisions
from simulator.world import World

I = NDArray[np.int64]  # noqa: E741
FAR_PAST = -1_000_000


class ContactBudget:
    """Who may still be contacted today without exceeding ``max_contacts`` in ``window`` days.

    Feed it every day's events (``record``); ``ok(debtors, day)`` answers per debtor. Any policy may
    use it to respect the limit; the planner and the baselines do."""

    def __init__(self, n_debtors: int, max_contacts: int, window: int) -> None:
        self.recent = np.full((n_debtors, max_contacts), FAR_PAST, dtype=np.int64)
        self.window = window

    def record(self, day: int, ev: DayEvents) -> None:
        d = ev.contact_debtor
        self.recent[d] = np.column_stack([np.full(d.size, day), self.recent[d, :-1]])

    def ok(self, debtors: I, day: int) -> NDArray[np.bool_]:
        return np.asarray(self.recent[debtors, -1] <= day - self.window)


class PlannerPolicy:
    def __init__(
        self,
        world: World,
        objective: Objective,
        penalty_eur: float = 0.0,
        waits: tuple[int, ...] = tuple(range(1, 15)),
    ) -> None:
        self.world, self.objective, self.waits = world, objective, waits
        self.penalty_eur = penalty_eur
        self.name = f"planner(waits={','.join(map(str, waits))}; +{penalty_eur:g} EUR)"
        self.budget = ContactBudget(
            world.pop.n_debtors, objective.max_contacts_per_debtor, objective.budget_window_days
        )

    def record(self, day: int, ev: DayEvents) -> None:
        self.budget.record(day, ev)

    def decide_batch(self, batch: DecisionBatch, rng: np.random.Generator) -> Decisions:
        out = Decisions.wait(len(batch))
        allowed = batch.allowed & self.budget.ok(batch.debtor, batch.day)[:, None]
        rows = np.flatnonzero(allowed.any(axis=1))
        if rows.size == 0:
            return out
        w, day = self.world, batch.day
        p, pa = w.params, w.pa
        s = w._subjects(batch.debtor[rows], day)
        horizon = w.cfg.horizon_days
        window = horizon + max(self.waits, default=0)
        grid = np.broadcast_to(np.arange(window)[None, :], (rows.size, window))
        h0 = base_hazard(p, pa, s, w.cal, day + grid)
        e = action_effects(p, pa, s, np.arange(N_ACTIONS), int(w.cal.weekday[day]))
        hold = pa.per_arch["p_hold"][s.archetype]
        money = (batch.overdue_cents[rows] * expected_share(p, pa, s.archetype))[:, None]
        harm = 100 * (self.objective.complaint_cost_eur + self.penalty_eur)
        side = w.cost_cents[None, :] + harm * e.reach * e.p_complaint
        ok = allowed[rows]
        zero = np.zeros((rows.size, 1))
        idle = Effects(s.log_lift[:, None], zero, zero, zero, zero, zero, zero)
        v_now = np.where(ok, money * pay_within_horizon(p, h0, s, e, hold) - side, -np.inf)
        best = np.argmax(v_now, axis=1)
        act = (
            v_now[np.arange(rows.size), best]
            > money[:, 0] * pay_within_horizon(p, h0, s, idle, hold)[:, 0]
        )
        for k in self.waits:
            live = np.flatnonzero(act)
            if live.size == 0:
                break
            sub = _take(s, live)
            ek = _take_effects(e, live)
            hk = h0[live, : horizon + k]
            now = pay_within_horizon(p, hk, sub, ek, hold[live])
            later = deferred(p, hk, sub, ek, hold[live], k)
            m, sd, okk = money[live], side[live], ok[live]
            v_n = np.where(okk, m * now - sd, -np.inf).max(axis=1)
            v_l = np.where(okk, m * later - sd, -np.inf).max(axis=1)
            act[live] = v_n >= v_l
        out.action[rows[act]] = best[act]
        return out


def _take(s: Subjects, idx: I) -> Subjects:
    arrays = {f.name: getattr(s, f.name) for f in fields(s)}
    taken: dict[str, Any] = {k: v[idx] for k, v in arrays.items() if isinstance(v, np.ndarray)}
    return replace(s, **taken)


def _take_effects(e: Effects, idx: I) -> Effects:
    return Effects(*(getattr(e, f.name)[idx] for f in fields(e)))
