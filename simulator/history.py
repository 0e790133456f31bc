"""Logged history: the world run under the logging policy, with every decision's propensity.

The logging policy is the simulator's ladder with a share ``epsilon`` (default 20 %) of decisions
drawn uniformly from the allowed actions and waiting (``policies.EpsilonMixPolicy``);
each contact keeps the probability with which it was chosen, so off-policy learning and evaluation
on the ledger are possible. The result is plain arrays; :mod:`simulator.to_ledger` writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from simulator.actions import WAIT
from simulator.config import SimConfig
from simulator.events import DayEvents
from simulator.policies import EpsilonMixPolicy, LadderPolicy, Policy
from simulator.population import stream
from simulator.world import World

A = NDArray[np.generic]


@dataclass(frozen=True)
class History:
    """Everything that happened, as parallel arrays (day = simulated day index)."""

    world: World
    model_version: str
    contact: dict[str, A]  # day, debtor, action, propensity, dpd, cost, reached, promised, ...
    covered: dict[str, A]  # contact (row in ``contact``), invoice
    payment: dict[str, A]  # day, debtor, amount, promised
    alloc: dict[str, A]  # payment (row in ``payment``), invoice, amount
    broken: dict[str, A]  # day, debtor
    resolved: dict[str, A]  # day, debtor, credited
    handover: dict[str, A]  # day, invoice
    # the logging policy's decision points (propensity < 1), waits included: day, debtor, action,
    # propensity, dpd, overdue_cents — the decision log a production system keeps as
    # Recommendation rows, which off-policy evaluation needs (contacts alone hide the waits)
    decision: dict[str, A] | None = None


DECISION_FIELDS = ("day", "debtor", "action", "propensity", "dpd", "overdue_cents")


def logging_policy(epsilon: float) -> Policy:
    return EpsilonMixPolicy(LadderPolicy(), epsilon)


def simulate_history(
    seed: int,
    config: SimConfig,
    *,
    policy: Policy | None = None,
    progress: Callable[[int], None] | None = None,
) -> History:
    """Run ``config.days`` days under the logging policy (or ``policy``) and keep every event."""
    world = World(seed, config)
    pol = policy or logging_policy(config.epsilon)
    rng = stream(seed, 2)
    days: list[DayEvents] = []
    log: dict[str, list[A]] = {k: [] for k in DECISION_FIELDS}
    n = world.pop.n_debtors
    for day in range(config.days):
        batch = world.observe(day)
        actions = np.full(n, WAIT, dtype=np.int64)
        prop = np.ones(n)
        if len(batch):
            dec = pol.decide_batch(batch, rng)
            actions[batch.debtor], prop[batch.debtor] = dec.action, dec.propensity
            point = dec.propensity < 1.0
            log["day"].append(np.full(int(point.sum()), day, dtype=np.int64))
            log["debtor"].append(batch.debtor[point])
            log["action"].append(dec.action[point])
            log["propensity"].append(dec.propensity[point])
            log["dpd"].append(batch.dpd[point])
            log["overdue_cents"].append(batch.overdue_cents[point])
        ev = world.step(day, actions, prop)
        record = getattr(pol, "record", None)
        if record is not None:  # a policy that keeps its own state sees the day, as in replay
            record(day, ev)
        days.append(ev)
        if progress:
            progress(day)
    decisions = {k: np.concatenate(v) if v else np.zeros(0) for k, v in log.items()}
    return replace(collect_history(world, pol.name, days), decision=decisions)


def _cat(days: list[DayEvents], name: str) -> A:
    return np.concatenate([getattr(d, name) for d in days])


def _day_of(days: list[DayEvents], name: str) -> A:
    return np.concatenate([np.full(getattr(d, name).size, d.day) for d in days])


def _offsets(days: list[DayEvents], name: str) -> A:
    sizes = np.array([getattr(d, name).size for d in days])
    return np.concatenate([[0], np.cumsum(sizes)[:-1]])


def collect_history(world: World, model_version: str, days: list[DayEvents]) -> History:
    c_names = [f.name for f in fields(DayEvents) if f.name.startswith("contact_")]
    contact = {k.removeprefix("contact_"): _cat(days, k) for k in c_names}
    for k in ("reached", "promised", "promise_day", "disputed", "complained"):
        contact[k] = _cat(days, k)
    contact["day"] = _day_of(days, "contact_debtor")
    c_off = _offsets(days, "contact_debtor")
    cov_shift = np.concatenate(
        [np.full(d.covered_contact.size, o) for d, o in zip(days, c_off, strict=True)]
    )
    p_off = _offsets(days, "pay_debtor")
    al_shift = np.concatenate(
        [np.full(d.alloc_payment.size, o) for d, o in zip(days, p_off, strict=True)]
    )
    resolved_day = _day_of(days, "resolved_debtor")
    return History(
        world=world,
        model_version=model_version,
        contact=contact,
        covered={
            "contact": _cat(days, "covered_contact") + cov_shift,
            "invoice": _cat(days, "covered_invoice"),
        },
        payment={
            "day": _day_of(days, "pay_debtor"),
            "debtor": _cat(days, "pay_debtor"),
            "amount": _cat(days, "pay_amount"),
            "promised": _cat(days, "pay_promised"),
        },
        alloc={
            "payment": _cat(days, "alloc_payment") + al_shift,
            "invoice": _cat(days, "alloc_invoice"),
            "amount": _cat(days, "alloc_amount"),
        },
        broken={"day": _day_of(days, "promise_broken"), "debtor": _cat(days, "promise_broken")},
        resolved={
            "day": resolved_day,
            "debtor": _cat(days, "resolved_debtor"),
            "credited": _cat(days, "resolved_credited"),
        },
        handover={
            "day": _day_of(days, "handover_invoice"),
            "invoice": _cat(days, "handover_invoice"),
        },
    )
