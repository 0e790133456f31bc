"""Replay: run a policy forward in a fresh in-memory world and measure it.

Every policy meets the same world: the same population (stream 0) and the same daily response
draws (stream 1, common random numbers per debtor-day), so differences come from the decisions.
No database is touched. Metric definitions (all over the simulated period):

- ``dso_days``: sum of receivables at day end / sum of invoiced amounts, x 1 day, over the days
  after a warm-up of min(60, days / 3) (the countback-free "average receivables / daily sales");
  claims handed to collection stay receivables, so letting them slide is not rewarded.
- ``collected_30d|60d|90d``: share of the invoiced value paid within N days after the due date,
  over invoices whose due date lies at least N days before the end (null when there are none).
- ``contacts_per_invoice``: contacts / invoices issued; ``cost_per_euro_collected``: contact cost /
  amount collected; ``complaints_per_1000_debtors``; ``disputes`` (count);
- ``net_value``: amount collected minus contact cost, in euros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.actions import WAIT
from simulator.config import SimConfig
from simulator.params import ResponseParams
from simulator.population import stream
from simulator.registry import PolicyFactory, make_policy
from simulator.world import World


@dataclass
class Tally:
    """What one run produced, day by day: receivables, allocations, and every contact."""

    ar: list[int] = field(default_factory=list)
    alloc_inv: list[np.ndarray] = field(default_factory=list)
    alloc_day: list[np.ndarray] = field(default_factory=list)
    alloc_amt: list[np.ndarray] = field(default_factory=list)
    contact_debtor: list[np.ndarray] = field(default_factory=list)
    contact_day: list[np.ndarray] = field(default_factory=list)
    contact_cost: list[np.ndarray] = field(default_factory=list)
    complained: list[np.ndarray] = field(default_factory=list)
    contacts: int = 0
    cost_cents: int = 0
    complaints: int = 0
    disputes: int = 0


def run(world: World, policy_name: str, factory: PolicyFactory | None = None) -> Tally:
    policy = factory(world) if factory else make_policy(policy_name, world)
    rng = stream(world.seed, 2)
    t = Tally()
    n = world.pop.n_debtors
    for day in range(world.cfg.days):
        batch = world.observe(day)
        actions = np.full(n, WAIT, dtype=np.int64)
        if len(batch):
            dec = policy.decide_batch(batch, rng)
            actions[batch.debtor] = dec.action
        ev = world.step(day, actions)
        record = getattr(policy, "record", None)
        if record is not None:  # policies that learn from the ledger see what it would book
            record(day, ev)
        t.ar.append(world.receivable_cents())
        t.alloc_inv.append(ev.alloc_invoice)
        t.alloc_day.append(np.full(ev.alloc_invoice.size, day))
        t.alloc_amt.append(ev.alloc_amount)
        t.contact_debtor.append(ev.contact_debtor)
        t.contact_day.append(np.full(ev.n_contacts, day))
        t.contact_cost.append(ev.contact_cost_cents)
        t.complained.append(ev.complained)
        t.contacts += ev.n_contacts
        t.cost_cents += int(ev.contact_cost_cents.sum())
        t.complaints += int(ev.complained.sum())
        t.disputes += int(ev.disputed.sum())
    return t


def metrics(world: World, t: Tally) -> dict[str, float | None]:
    pop, days = world.pop, world.cfg.days
    issued = pop.inv_issue < days
    sales = np.bincount(pop.inv_issue[issued], pop.inv_amount[issued], minlength=days)
    warm = min(60, days // 3)
    ar = np.array(t.ar, dtype=float)
    dso = float(ar[warm:].sum() / max(sales[warm:].sum(), 1))
    inv = np.concatenate(t.alloc_inv)
    late = np.concatenate(t.alloc_day) - pop.inv_due[inv]
    amt = np.concatenate(t.alloc_amt).astype(float)
    out: dict[str, float | None] = {"dso_days": round(dso, 2)}
    for n in (30, 60, 90):
        cohort = issued & (pop.inv_due <= days - 1 - n)
        paid = amt[cohort[inv] & (late <= n)].sum()
        share = float(paid / pop.inv_amount[cohort].sum()) if cohort.any() else None
        out[f"collected_{n}d"] = None if share is None else round(share, 4)
    collected = float(amt.sum()) / 100
    cost = t.cost_cents / 100
    out |= {
        "contacts_per_invoice": round(t.contacts / max(int(issued.sum()), 1), 3),
        "cost_per_euro_collected": round(cost / max(collected, 1e-9), 5),
        "complaints_per_1000_debtors": round(1000 * t.complaints / pop.n_debtors, 2),
        "disputes": float(t.disputes),
        "net_value": round(collected - cost, 2),
        "collected_eur": round(collected, 2),
        "contact_cost_eur": round(cost, 2),
        "contacts": float(t.contacts),
        "invoiced_eur": round(float(pop.inv_amount[issued].sum()) / 100, 2),
    }
    return out


def replay(
    policies: Sequence[str],
    *,
    seed: int,
    config: SimConfig,
    params: ResponseParams | None = None,
    factories: dict[str, PolicyFactory] | None = None,
) -> dict[str, dict[str, Any]]:
    """Run each policy in its own fresh world (same seed, config and params) and measure it.

    ``factories`` maps extra names to factories for policies not in the registry."""
    out: dict[str, dict[str, Any]] = {}
    for name in policies:
        world = World(seed, config, params)
        out[name] = metrics(world, run(world, name, (factories or {}).get(name)))
    return out
