"""The learned flow's effect measured on this creditor's own logged decisions (off-policy).

The input is the creditor's ``Recommendation`` log of the policy that served (the fixed ladder's
answers, ``degraded``, never explore and carry no information on other choices: left out; the
page names the versions that made the rest): for each decision the action
taken, its logged propensity, the model's scores of the choice and its next best alternatives.
Only decisions whose horizon (14 days) has passed by ``as_of`` count. The reward of a decision is
:func:`policy.logged_reward.reward`: what the debtor paid in the horizon from the decision's day,
minus the contact's cost, minus the complaint harm when a complaint followed (the policy's own
weights).

Two other policies are judged on that log with :mod:`policy.ope` (IPS, SNIPS, doubly robust, each
with a 95 % interval and the effective sample size of its weights): **waiting** (never contacting)
and **the flow without exploration** (always the action it scored highest; only when every
explored decision logged its alternatives' scores, which an exploring ladder does not). The
doubly-robust reward model is the mean reward per kind of action (a contact or a wait),
cross-fitted: each half of the log is corrected with the means of the other half. The effect
shown is the flow as it ran against waiting, paired per decision. Too few decisions
(:data:`MIN_DECISIONS`) or none explored: not estimated, and the page says why. This module only
reads the ledger.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlmodel import Session, col, select

from ledger.enums import OutcomeKind
from ledger.tables import Outcome, Payment, Recommendation
from policy.logged_reward import HORIZON_DAYS, reward
from policy.ope import Estimate, all_estimates, gain_over, on_policy

MIN_DECISIONS = 50


@dataclass(frozen=True)
class OwnEffect:
    decisions: int  # the learned flow's decisions whose horizon has passed
    explored: int  # of them, those with a chance of another choice (propensity < 1)
    first: date | None
    last: date | None
    horizon_days: int
    versions: tuple[str, ...] = ()  # the model versions that made the logged decisions
    flow: Estimate | None = None  # the flow as it ran (on-policy)
    waiting: dict[str, Estimate] | None = None
    greedy: dict[str, Estimate] | None = None
    gain_vs_waiting: Estimate | None = None

    @property
    def measured(self) -> bool:
        return self.flow is not None


def _cross_fitted(kind: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the mean reward of a wait and of a contact in the other half of the log."""
    half = np.arange(len(r)) % 2
    wait_mean, contact_mean = np.empty(len(r)), np.empty(len(r))
    for h in (0, 1):
        other = half != h
        overall = float(r[other].mean()) if other.any() else 0.0
        for is_wait, out in ((True, wait_mean), (False, contact_mean)):
            pick = other & (kind == is_wait)
            out[half == h] = float(r[pick].mean()) if pick.any() else overall
    return wait_mean, contact_mean


def _estimates(
    r: np.ndarray, mu: np.ndarray, pi: np.ndarray, q_logged: np.ndarray, q_target: np.ndarray
) -> dict[str, Estimate] | None:
    """IPS, SNIPS and DR of the target; None when it never takes a logged action."""
    if not pi.any():
        return None
    return all_estimates(r, mu, pi, q_logged, q_target)


def own_effect(session: Session, creditor_id: int, as_of: date) -> OwnEffect:
    horizon = HORIZON_DAYS
    closed = datetime.combine(as_of - timedelta(days=horizon - 1), time(0), tzinfo=UTC)
    rows = session.exec(
        select(Recommendation)
        .where(
            Recommendation.creditor_id == creditor_id,
            col(Recommendation.degraded).is_(False),
            col(Recommendation.propensity) > 0,
            col(Recommendation.created_at) < closed,
        )
        .order_by(col(Recommendation.created_at), col(Recommendation.id))
    ).all()
    days = [r.created_at.astimezone(UTC).date() for r in rows]
    explored = sum(1 for r in rows if (r.propensity or 1.0) < 1.0)
    versions = tuple(sorted({r.model_version for r in rows}))
    first, last = min(days, default=None), max(days, default=None)
    base = OwnEffect(len(rows), explored, first, last, horizon, versions)
    if len(rows) < MIN_DECISIONS or explored == 0:
        return base
    paid: dict[int, list[tuple[date, int]]] = {}
    for debtor_id, on, cents in session.exec(
        select(col(Payment.debtor_id), col(Payment.paid_on), col(Payment.amount_cents)).where(
            Payment.creditor_id == creditor_id
        )
    ):
        if debtor_id is not None:
            paid.setdefault(debtor_id, []).append((on, cents))
    complained: dict[int, list[datetime]] = {}
    for debtor_id, at in session.exec(
        select(Outcome.debtor_id, Outcome.occurred_at).where(
            Outcome.creditor_id == creditor_id, Outcome.kind == OutcomeKind.COMPLAINT.value
        )
    ):
        complained.setdefault(debtor_id, []).append(at)
    r, mu, is_wait, best, best_waits = [], [], [], [], []
    scored = True  # every explored decision logged its alternatives' scores (else no greedy)
    for rec, day in zip(rows, days, strict=True):
        end = day + timedelta(days=horizon)
        got = sum(c for on, c in paid.get(rec.debtor_id, []) if day <= on < end)
        until = rec.created_at + timedelta(days=horizon)
        harm = any(rec.created_at <= at < until for at in complained.get(rec.debtor_id, []))
        body = rec.body or {}
        cost = int((body.get("action") or {}).get("cost_cents") or 0) if rec.channel else 0
        r.append(reward(got, cost, harm))
        mu.append(float(rec.propensity or 1.0))
        is_wait.append(rec.channel is None)
        alts = body.get("alternatives") or []
        scored = scored and (bool(alts) or (rec.propensity or 1.0) >= 1.0)
        top = max(alts, key=lambda a: a.get("expected_value_cents", 0), default=None)
        mine = int(body.get("expected_value_cents", 0))
        chosen_best = top is None or mine >= top.get("expected_value_cents", 0)
        best.append(chosen_best)
        best_waits.append(
            rec.channel is None
            if chosen_best
            else (top or {}).get("action", {}).get("channel") is None
        )
    rewards, props = np.asarray(r, dtype=float), np.asarray(mu)
    kind, chosen_best = np.asarray(is_wait), np.asarray(best)
    q_wait, q_contact = _cross_fitted(kind, rewards)
    q_logged = np.where(kind, q_wait, q_contact)
    wait_pi = kind.astype(float)
    greedy_pi = chosen_best.astype(float)
    q_greedy = np.where(np.asarray(best_waits), q_wait, q_contact)
    waiting = _estimates(rewards, props, wait_pi, q_logged, q_wait)
    return OwnEffect(
        base.decisions,
        explored,
        base.first,
        base.last,
        horizon,
        versions,
        flow=on_policy(rewards),
        waiting=waiting,
        greedy=_estimates(rewards, props, greedy_pi, q_logged, q_greedy) if scored else None,
        gain_vs_waiting=gain_over(rewards, props, wait_pi, q_logged, q_wait) if waiting else None,
    )
