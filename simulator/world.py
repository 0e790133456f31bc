"""The environment: ``World(seed, config)``, observed and stepped one day at a time.

Each day: ``observe(day)`` issues new invoices, resolves disputes, hands long-overdue claims to
collection and returns the :class:`~simulator.views.DecisionBatch` of debtors that may be contacted;
``step(day, actions)`` applies the actions (one per debtor, ``WAIT`` for none), draws the responses
and returns the day's :class:`~simulator.events.DayEvents`. ``true_response`` gives the ground-truth
probabilities behind those draws. Randomness: the population from stream 0, responses from one
stream per day (stream 1), so two policies meet the same debtors and the same luck.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from simulator import book
from simulator.actions import (
    ACTIONS,
    CHANNEL_OF,
    N_ACTIONS,
    SLOT_OF,
    WAIT,
    action_index,
    cost_per_action,
)
from simulator.calendar import Calendar
from simulator.config import HOURS, SimConfig
from simulator.events import DayEvents
from simulator.params import ResponseParams, as_arrays
from simulator.population import generate, stream, tiled
from simulator.response import (
    Effects,
    Subjects,
    action_effects,
    base_hazard,
    deferred,
    expected_share,
    pay_within_horizon,
)
from simulator.views import DecisionBatch

I = NDArray[np.int64]  # noqa: E741
F = NDArray[np.float64]
NEVER = -10_000


@dataclass(frozen=True)
class TrueResponse:
    """Ground truth for one debtor, one action, one day (see ``response.pay_within_horizon``)."""

    p_reach: float
    p_promise: float  # unconditional
    p_keep: float
    p_dispute: float  # unconditional
    p_complaint: float  # unconditional
    p_pay_today: float
    p_pay_horizon: float
    p_pay_horizon_wait: float
    expected_share: float  # share of the overdue amount one payment settles, in expectation


class World(book.Book):
    """A seeded world; same seed and config, same world."""

    def __init__(
        self,
        seed: int,
        config: SimConfig | None = None,
        params: ResponseParams | None = None,
        copies: int = 1,
    ) -> None:
        """``params`` overrides the response model of ``config.world`` (tests vary it);
        ``copies`` > 1 holds that many copies of the population with the same draws (debtor
        ``k * n_debtors + i`` is copy ``k`` of debtor ``i``), to replay policies side by side."""
        cfg = config or SimConfig()
        self.copies = copies
        super().__init__(tiled(generate(seed, cfg), copies), cfg, params or cfg.world.response)
        self.cost_cents = cost_per_action(cfg.world.costs_cents)
        self.seed = seed
        self.pa = as_arrays(self.params)
        self.cal = Calendar.build(self.pop.start, cfg.days, horizon=cfg.handover_dpd)
        pop = self.pop
        n = pop.n_debtors
        wd = np.zeros((len(cfg.creditors), 7), dtype=bool)
        slot = np.zeros((len(cfg.creditors), len(HOURS)), dtype=bool)
        for ci, c in enumerate(cfg.creditors):
            wd[ci, list(c.allowed_weekdays)] = True
            for si, h in enumerate(HOURS):
                slot[ci, si] = c.contact_start_minute <= h * 60 < c.contact_end_minute
        self._weekday_ok, self._slot_ok = wd, slot
        self.channel_ok = np.stack(
            [
                pop.has_email & ~pop.opt_out[:, 0],
                pop.has_mobile & ~pop.opt_out[:, 1],
                pop.has_address & ~pop.opt_out[:, 2],
                pop.has_phone & ~pop.opt_out[:, 3],
                pop.has_phone & ~pop.opt_out[:, 4],
            ],
            axis=1,
        )
        typical = np.bincount(pop.inv_debtor, pop.inv_amount, minlength=n) / np.maximum(
            np.bincount(pop.inv_debtor, minlength=n), 1
        )
        med = np.array([c.amount_median_eur * 100 for c in cfg.creditors])[pop.creditor]
        ratio = np.clip(np.where(typical > 0, typical, med) / med, 0.1, 10.0)
        self.amount_factor = np.where(pop.b2c, ratio**self.params.amount_elasticity, 1.0)
        self.last_contact = np.full(n, NEVER, dtype=np.int64)
        self.recent_days = np.full((n, 3), NEVER, dtype=np.int64)
        self.episode = np.zeros(n, dtype=np.int64)
        self.lift_value = np.zeros(n)
        self.lift_day = np.zeros(n, dtype=np.int64)
        self.paused_until = np.full(n, -1, dtype=np.int64)
        self.last_action = np.full(n, WAIT, dtype=np.int64)
        self._batch: DecisionBatch | None = None
        self._u = np.zeros((n, 12))

    # ---- the daily cycle -------------------------------------------------------------------
    def observe(self, day: int) -> DecisionBatch:
        """Start ``day`` (days run 0, 1, 2, ... in order) and return who may be contacted."""
        if day != self.today + 1 or day >= self.cfg.days:
            raise ValueError(
                f"day {day} out of order (today is {self.today}, {self.cfg.days} days)"
            )
        self.today = day
        u = stream(self.seed, 1, day).random((self.pop.n_debtors // self.copies, 12))
        self._u = np.tile(u, (self.copies, 1))
        self.pending = DayEvents(day=day)
        self.start_day(day, self._u, self.pending)
        self.episode[self.overdue == 0] = 0
        reopened = self.pending.resolved_debtor[~self.pending.resolved_credited]
        self.lift_value[reopened] = np.log(self.params.reopen_lift)
        self.lift_day[reopened] = day
        self._batch = self._decision_batch(day)
        return self._batch

    def step(self, day: int, actions: I, propensity: F | None = None) -> DayEvents:
        """Apply one action per debtor (length n_debtors, ``WAIT`` = none); return the events."""
        if self.today != day or self._batch is None:
            self.observe(day)
        batch = self._batch
        assert batch is not None
        self._batch = None
        actions = np.asarray(actions, dtype=np.int64)
        if actions.shape != (self.pop.n_debtors,):
            raise ValueError(f"actions must have shape ({self.pop.n_debtors},)")
        who = np.flatnonzero(actions != WAIT)
        row = np.full(self.pop.n_debtors, -1, dtype=np.int64)
        row[batch.debtor] = np.arange(len(batch))
        bad = (row[who] < 0) | ~batch.allowed[np.maximum(row[who], 0), actions[who]]
        if bad.any():
            d = int(who[np.argmax(bad)])
            raise ValueError(f"action {ACTIONS[actions[d]].label} not allowed for debtor {d}")
        ev = self.pending
        prop = np.ones(who.size) if propensity is None else np.asarray(propensity, float)[who]
        self._contact(day, who, actions[who], prop, batch, ev)
        self.pay_day(day, self._u, ev, self._hazard_today(day))
        return ev

    # ---- ground truth ----------------------------------------------------------------------
    def true_response_batch(self, debtors: I, day: int) -> tuple[Effects, F, F, F]:
        """For debtors observed today: effects of every action (n x A), P(pay within the horizon)
        for every action (n x A) and for waiting (n x 1), and the expected share paid (n)."""
        if day != self.today:
            raise ValueError("true_response is defined for the day being observed only")
        s = self._subjects(debtors, day)
        h0 = base_hazard(self.params, self.pa, s, self.cal, day + self._horizon_grid(len(s.dpd)))
        e = action_effects(
            self.params, self.pa, s, np.arange(N_ACTIONS), int(self.cal.weekday[day])
        )
        hold = self.pa.per_arch["p_hold"][s.archetype]
        p_act = pay_within_horizon(self.params, h0, s, e, hold)
        none = action_effects(self.params, self.pa, s, np.zeros(1, np.int64), 0)
        zero = np.zeros_like(none.reach)
        wait = Effects(s.log_lift[:, None], zero, zero, none.p_keep, zero, zero, zero)
        p_wait = pay_within_horizon(self.params, h0, s, wait, hold)
        return e, p_act, p_wait, expected_share(self.params, self.pa, s.archetype)

    def act_now_or_later(self, debtors: I, day: int, g: int) -> tuple[F, F, F]:
        """Over a window of horizon + ``g`` days: P(pay) when acting now (n x A), when waiting
        ``g`` days and then acting (n x A, approximate, see ``response.deferred``), and when never
        acting (n x 1). Lets the oracle see that a later contact may be worth more."""
        s = self._subjects(debtors, day)
        window = self.cfg.horizon_days + g
        grid = np.broadcast_to(np.arange(window)[None, :], (len(s.dpd), window))
        h0 = base_hazard(self.params, self.pa, s, self.cal, day + grid)
        e = action_effects(
            self.params, self.pa, s, np.arange(N_ACTIONS), int(self.cal.weekday[day])
        )
        hold = self.pa.per_arch["p_hold"][s.archetype]
        zero = np.zeros((len(s.dpd), 1))
        wait = Effects(s.log_lift[:, None], zero, zero, zero, zero, zero, zero)
        return (
            pay_within_horizon(self.params, h0, s, e, hold),
            deferred(self.params, h0, s, e, hold, g),
            pay_within_horizon(self.params, h0, s, wait, hold),
        )

    def true_response(self, debtor: int, action: int | str, day: int) -> TrueResponse:
        """Ground truth for one debtor and one action (index or label like ``email/friendly/09h``)
        on the day being observed."""
        if isinstance(action, str):
            ch, tone, hour = action.split("/")
            action = action_index(ch, tone, int(hour.rstrip("h")))
        d = np.array([debtor], dtype=np.int64)
        e, p_act, p_wait, share = self.true_response_batch(d, day)
        s = self._subjects(d, day)
        h0 = float(base_hazard(self.params, self.pa, s, self.cal, np.array([[day]]))[0, 0])
        cap, a = self.params.hazard_cap, action
        r, disp = float(e.reach[0, a]), float(e.p_dispute[0, a])
        today_reached = min(h0 * float(np.exp(e.log_lift[0, a])), cap)
        today_unreached = min(h0 * float(np.exp(s.log_lift[0])), cap)
        return TrueResponse(
            p_reach=r,
            p_promise=r * (1 - disp) * float(e.p_promise[0, a]),
            p_keep=float(e.p_keep[0, a]),
            p_dispute=r * disp,
            p_complaint=r * float(e.p_complaint[0, a]),
            p_pay_today=r * (1 - disp) * today_reached + (1 - r) * today_unreached,
            p_pay_horizon=float(p_act[0, a]),
            p_pay_horizon_wait=float(p_wait[0, 0]),
            expected_share=float(share[0]),
        )

    # ---- internals -------------------------------------------------------------------------
    def _residual_lift(self, debtors: I, day: int) -> F:
        age = day - self.lift_day[debtors]
        return np.asarray(self.lift_value[debtors] * np.exp(-age / self.params.lift_tau_days))

    def _subjects(self, debtors: I, day: int) -> Subjects:
        pop, p = self.pop, self.params
        recent = (day - self.recent_days[debtors] < p.fatigue_window_days).sum(axis=1)
        dpd = day - np.minimum(self.mindue[debtors], day + 10_000)
        return Subjects(
            archetype=pop.archetype[debtors],
            b2c=pop.b2c[debtors],
            indiv=pop.indiv[debtors],
            loyal=pop.loyal[debtors],
            amount_factor=self.amount_factor[debtors],
            dpd=dpd.astype(np.int64),
            recent=recent.astype(np.int64),
            episode=self.episode[debtors],
            log_lift=self._residual_lift(debtors, day),
            handover_at=self.cfg.handover_dpd,
        )

    def _horizon_grid(self, n: int) -> I:
        return np.broadcast_to(
            np.arange(self.cfg.horizon_days)[None, :], (n, self.cfg.horizon_days)
        )

    def _hazard_today(self, day: int) -> F:
        everyone = np.arange(self.pop.n_debtors)
        s = self._subjects(everyone, day)
        h0 = base_hazard(self.params, self.pa, s, self.cal, np.full((everyone.size, 1), day))
        held = np.where(self.promise_day > day, self.pa.per_arch["p_hold"][s.archetype], 1.0)
        return np.minimum(h0[:, 0] * np.exp(s.log_lift) * held, self.params.hazard_cap)

    def _decision_batch(self, day: int) -> DecisionBatch:
        pop, cal = self.pop, self.cal
        wd = int(cal.weekday[day])
        cand = (
            (self.overdue > 0)
            & ~pop.excluded
            & (self.dispute_until < day)
            & (self.paused_until < day)
            & (self.promise_day < day)
            & (day - self.last_contact >= self.cfg.min_gap_days)
            & self._weekday_ok[pop.creditor, wd]
        )
        if not cal.contact_day(day):
            cand[:] = False
        rows = np.flatnonzero(cand)
        allowed = (
            self.channel_ok[rows][:, CHANNEL_OF] & self._slot_ok[pop.creditor[rows]][:, SLOT_OF]
        )
        keep = allowed.any(axis=1)
        rows, allowed = rows[keep], allowed[keep]
        paid = self.prior_paid[rows]
        return DecisionBatch(
            day=day,
            date=cal.date_of(day),
            weekday=wd,
            debtor=rows,
            creditor=pop.creditor[rows],
            b2c=pop.b2c[rows],
            overdue_cents=self.overdue[rows],
            n_overdue=self.n_overdue[rows],
            dpd=(day - self.mindue[rows]).astype(np.int64),
            days_since_contact=np.minimum(day - self.last_contact[rows], 10_000),
            episode_contacts=self.episode[rows],
            last_action=self.last_action[rows],
            prior_paid=paid,
            prior_mean_dpd=np.where(paid > 0, self.prior_dpd_sum[rows] / np.maximum(paid, 1), 0.0),
            allowed=allowed,
        )

    def _contact(
        self, day: int, who: I, acts: I, prop: F, batch: DecisionBatch, ev: DayEvents
    ) -> None:
        p, u = self.params, self._u[who]
        s = self._subjects(who, day)
        e = action_effects(p, self.pa, s, acts[:, None], int(self.cal.weekday[day]))
        reached = u[:, 2] < e.reach[:, 0]
        disputed = reached & (u[:, 3] < e.p_dispute[:, 0])
        complained = reached & (u[:, 4] < e.p_complaint[:, 0])
        promised = reached & ~disputed & (u[:, 5] < e.p_promise[:, 0])
        lo, hi = p.promise_delay_days
        pday = day + lo + np.floor(u[:, 7] * (hi - lo + 1)).astype(np.int64)
        self.promise_day[who[promised]] = pday[promised]
        self.promise_keep[who[promised]] = (u[:, 6] < e.p_keep[:, 0])[promised]
        lifted = reached & ~disputed
        dl = lifted & ~promised & (u[:, 11] < e.p_deadline[:, 0]) & (self.deadline_day[who] < day)
        self.deadline_day[who[dl]] = day + p.deadline_days
        self.lift_value[who[lifted]] = e.log_lift[lifted, 0]
        self.lift_day[who[lifted]] = day
        self.recent_days[who] = np.column_stack([np.full(who.size, day), self.recent_days[who, :2]])
        self.last_contact[who] = day
        self.episode[who] += 1
        self.last_action[who] = acts
        self.paused_until[who[complained]] = day + p.complaint_pause_days
        row = np.full(self.pop.n_debtors, -1, dtype=np.int64)
        row[who] = np.arange(who.size)
        flow = self.flow[self.pop.inv_due[self.flow] < day]
        cov = flow[row[self.pop.inv_debtor[flow]] >= 0]
        ev.covered_contact, ev.covered_invoice = row[self.pop.inv_debtor[cov]], cov
        self.dispute(day, who[disputed], self._u)
        ev.contact_debtor, ev.contact_action, ev.contact_propensity = who, acts, prop
        ev.contact_dpd = (day - self.mindue[who]).astype(np.int64)
        ev.contact_cost_cents = self.cost_cents[acts]
        ev.reached, ev.promised, ev.promise_day = reached, promised, np.where(promised, pday, -1)
        ev.disputed, ev.complained = disputed, complained
