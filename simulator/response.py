"""The ground-truth response model: a documented, parameterised daily hazard model.

For a debtor with overdue claims, the chance of a payment event on day ``t`` is

    h(t) = min(cap, base(archetype, dpd(t)) x indiv x amount x payday(t) x exp(lift(t)))

where ``lift`` is a log-multiplier that an action raises and that decays as ``exp(-days / tau)``.
An action's log-lift is ``log L[archetype, channel, tone]`` scaled by its hour slot, by the
weekday, by fatigue (``phi ** recent`` plus ``recent x log beta``: too-frequent contacts backfire)
and by the number of earlier contacts in the episode. A reached phone call may also yield a promise,
kept with an archetype's chance (a kept promise pays on its date). Every contact may trigger a
dispute (the claim leaves the flow) or a complaint (harm; the dossier pauses). All functions are
vectorised over debtors x candidate actions; they draw no random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from simulator.actions import CHANNEL_OF, SLOT_OF, TONE_OF
from simulator.calendar import Calendar
from simulator.config import ARCHETYPES
from simulator.params import ParamArrays, ResponseParams

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741
B = NDArray[np.bool_]

CASH = ARCHETYPES.index("cash_strapped")
PHONE, ROBOCALL, EMAIL, SMS = 3, 4, 0, 1
FIRM = 2


@dataclass(frozen=True)
class Subjects:
    """The debtor-side inputs of the model for ``n`` debtors on one day (all arrays length n)."""

    archetype: I
    b2c: B
    indiv: F
    loyal: B
    amount_factor: F  # from the overdue amount relative to the creditor's median
    dpd: I  # days past the oldest open due date (negative: not yet due)
    recent: I  # contacts within the fatigue window
    episode: I  # contacts since the debtor last had nothing overdue
    log_lift: F  # residual log-lift today, before any new action
    handover_at: int  # days past due at which a claim is handed to collection


@dataclass(frozen=True)
class Effects:
    """What candidate actions do, for ``n`` debtors x ``k`` actions."""

    log_lift: F  # new log-lift today if reached (residual + action), clipped
    reach: F
    p_promise: F  # given reached
    p_keep: F
    p_dispute: F
    p_complaint: F
    p_deadline: F  # given reached and no promise: pays on the deadline


def base_hazard(p: ResponseParams, pa: ParamArrays, s: Subjects, cal: Calendar, day: I) -> F:
    """Hazard without action per subject (rows) and day index (``day``: shape n x H)."""
    dpd = s.dpd[:, None] + (day - day[:, :1])
    arch = s.archetype[:, None]
    pre, post = pa.per_arch["h_pre"][arch], pa.per_arch["h_post"][arch]
    h = np.where(dpd < -5, 0.0, np.where(dpd < 0, pre, post))
    h = h * np.where(dpd >= p.late_dpd, p.late_factor, 1.0) * (dpd < s.handover_at)
    dom = cal.dom[np.minimum(day, cal.dom.size - 1)]
    pay = (dom >= p.payday_dom[0]) & (dom <= p.payday_dom[1])
    h = h * np.where(arch == CASH, np.where(pay, p.payday_factor, p.off_payday_factor), 1.0)
    return np.asarray(h * (s.indiv * s.amount_factor)[:, None], dtype=float)


def action_effects(
    p: ResponseParams, pa: ParamArrays, s: Subjects, actions: I, weekday: int
) -> Effects:
    """Effects of ``actions`` (k indices, or an n x k array) for each subject: arrays n x k.

    ``p_dispute`` and ``p_complaint`` are conditional on the contact reaching the debtor (always,
    except calls)."""
    act = actions if actions.ndim == 2 else actions[None, :]
    ch, tn, sl = CHANNEL_OF[act], TONE_OF[act], SLOT_OF[act]
    arch, b2c = s.archetype[:, None], s.b2c[:, None]
    logl = np.log(pa.lift[arch, ch, tn])
    hour_msg = np.where(b2c, np.array(p.msg_hour_b2c)[sl], np.array(p.msg_hour_b2b)[sl])
    logl = logl * np.where((ch == EMAIL) | (ch == SMS), hour_msg, 1.0)
    if weekday == 5:
        logl = logl * np.where(b2c, 1.0, p.saturday_b2b)
    recent = s.recent[:, None].astype(float)
    logl = logl * p.fatigue_phi**recent * p.episode_saturation ** s.episode[:, None]
    logl = logl + recent * np.log(p.fatigue_beta)
    lo, hi = p.log_lift_bounds
    new = np.clip(s.log_lift[:, None] + logl, lo, hi)
    calls = (ch == PHONE) | (ch == ROBOCALL)
    reach_tab = np.where(b2c, np.array(p.reach_b2c)[sl], np.array(p.reach_b2b)[sl])
    if weekday == 5:
        reach_tab = reach_tab * np.where(b2c, 1.0, p.saturday_reach_b2b)
    reach_tab = reach_tab * np.where(ch == ROBOCALL, p.robocall_reach_factor, 1.0)
    reach = np.where(calls, reach_tab, 1.0)
    # a tone that puts the debtor off also yields fewer promises
    p_prom = pa.per_arch["p_promise"][arch] * np.minimum(pa.tone[arch, tn], 1.0)
    p_prom = np.where(ch == PHONE, p_prom, 0.0)
    p_keep = np.broadcast_to(pa.per_arch["p_keep"][arch], new.shape)
    dl = pa.per_arch["p_deadline"][arch] * np.array(p.tone_deadline)[tn]
    dl = dl * np.array(p.channel_deadline)[ch] * p.fatigue_phi**recent
    disp = pa.per_arch["p_dispute"][arch] * np.array(p.tone_dispute)[tn]
    disp = disp * np.where(tn == FIRM, pa.per_arch["firm_dispute"][arch], 1.0)
    disp = np.minimum(disp * np.array(p.channel_dispute)[ch], p.dispute_cap)
    comp = pa.per_arch["p_complaint"][arch] * np.array(p.tone_complaint)[tn]
    comp = comp * np.where(s.loyal[:, None] & (tn == FIRM), p.loyal_firm_complaint, 1.0)
    comp = comp * np.array(p.channel_complaint)[ch] * (1.0 + p.frequency_complaint * recent)
    comp = comp * np.where(b2c & calls & (sl == 2), p.evening_call_complaint, 1.0)
    comp = np.minimum(comp, p.complaint_cap)
    return Effects(
        log_lift=np.asarray(new, dtype=float),
        reach=np.asarray(reach * np.ones_like(new), dtype=float),
        p_promise=np.asarray(p_prom * np.ones_like(new), dtype=float),
        p_keep=np.asarray(p_keep, dtype=float),
        p_dispute=np.asarray(disp * np.ones_like(new), dtype=float),
        p_complaint=np.asarray(comp, dtype=float),
        p_deadline=np.asarray(dl * np.ones_like(new), dtype=float),
    )


def _log_survival_path(p: ResponseParams, h0: F, log_lift0: F, mult: F | float) -> F:
    """Cumulative log P(no payment) through each horizon day (n x k x H)."""
    horizon = h0.shape[1]
    decay = np.exp(-np.arange(horizon) / p.lift_tau_days)
    h = np.minimum(h0[:, None, :] * np.exp(log_lift0[:, :, None] * decay) * mult, p.hazard_cap)
    return np.asarray(np.cumsum(np.log1p(-h), axis=2), dtype=float)


def deferred(p: ResponseParams, h0: F, s: Subjects, e: Effects, hold: F, g: int) -> F:
    """P(a payment event within the window of ``h0`` (n x W) | no action for ``g`` days, then the
    action): the comparison an oracle needs to see that acting later may be better. Approximate:
    the action's effects are today's, with the residual lift aged by ``g`` days."""
    early = survival(p, h0[:, :g], s.log_lift[:, None])
    aged = s.log_lift * (np.exp(-g / p.lift_tau_days) - 1.0)
    later = Effects(
        log_lift=e.log_lift + aged[:, None],
        reach=e.reach,
        p_promise=e.p_promise,
        p_keep=e.p_keep,
        p_dispute=e.p_dispute,
        p_complaint=e.p_complaint,
        p_deadline=e.p_deadline,
    )
    s_late = replace(s, log_lift=s.log_lift + aged)
    pay_late = pay_within_horizon(p, h0[:, g:], s_late, later, hold)
    return np.asarray(1.0 - early * (1.0 - pay_late), dtype=float)


def survival(p: ResponseParams, h0: F, log_lift0: F) -> F:
    """P(no payment event over the horizon) given base hazards ``h0`` (n x H; zero past the
    hand-over) and a starting log-lift per subject and candidate (n x k)."""
    return np.asarray(np.exp(_log_survival_path(p, h0, log_lift0, 1.0)[:, :, -1]), dtype=float)


def survival_after_promise(p: ResponseParams, h0: F, log_lift0: F, hold: F) -> F:
    """As :func:`survival`, for a broken promise: the hazard is multiplied by ``hold`` (per subject)
    until the promised day, uniform over ``promise_delay_days``."""
    free = _log_survival_path(p, h0, log_lift0, 1.0)
    held = _log_survival_path(p, h0, log_lift0, hold[:, None, None])
    lo, hi = p.promise_delay_days
    out = np.zeros(free.shape[:2])
    for d in range(lo, hi + 1):
        out += np.exp(held[:, :, d - 1] + free[:, :, -1] - free[:, :, d - 1])
    return out / (hi - lo + 1)


def pay_within_horizon(p: ResponseParams, h0: F, s: Subjects, e: Effects, hold: F) -> F:
    """P(a payment event within the horizon | the action today, no further action), n x k.

    Unreached call: no lift. Reached: a dispute stops the flow; else a promise (calls only) is kept
    (pays on its date, within the horizon by construction) or broken (payments held back until the
    date, x ``hold``); without a promise, a firm deadline may be met, else the new lift applies.
    A deadline already pending from an earlier contact is not counted."""
    s_lift = survival(p, h0, e.log_lift)
    s_none = survival(p, h0, s.log_lift[:, None])
    s_broken = survival_after_promise(p, h0, e.log_lift, hold)
    promise = e.p_promise * (e.p_keep + (1.0 - e.p_keep) * (1.0 - s_broken))
    no_promise = e.p_deadline + (1.0 - e.p_deadline) * (1.0 - s_lift)
    pay_reached = promise + (1.0 - e.p_promise) * no_promise
    pay = e.reach * (1.0 - e.p_dispute) * pay_reached + (1.0 - e.reach) * (1.0 - s_none)
    return np.asarray(pay, dtype=float)


def expected_share(p: ResponseParams, pa: ParamArrays, archetype: I) -> F:
    """Expected share of the overdue amount that one payment event settles."""
    full = pa.per_arch["p_full"][archetype]
    return np.asarray(full + (1.0 - full) * float(np.mean(p.partial_share)), dtype=float)
