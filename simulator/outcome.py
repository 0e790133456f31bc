"""One policy's run in one world, as per-debtor figures and a scored row.

Debtors in a world never affect each other (their draws are per debtor-day, their states apart),
so per-debtor figures add up: the searches in :mod:`simulator.baselines` score a plan per segment
or per archetype from one run of each plan. Also the observable segment of every debtor (creditor x
B2B/B2C) is defined here, once. This module never chooses a policy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.config import SimConfig
from simulator.objective import Objective
from simulator.registry import PolicyFactory, make_policy
from simulator.replay import Tally, metrics, run
from simulator.world import World
from simulator.world_file import WorldSpec

F = NDArray[np.float64]
I = NDArray[np.int64]  # noqa: E741


@dataclass(frozen=True)
class WorldCase:
    """One world to replay in: its assumptions, the replay seed and the size."""

    label: str
    spec: WorldSpec
    seed: int
    n_debtors: int
    days: int

    def config(self) -> SimConfig:
        return SimConfig(n_debtors=self.n_debtors, days=self.days, world=self.spec)

    def world(self) -> World:
        return World(self.seed, self.config())


@dataclass(frozen=True)
class Outcome:
    metrics: dict[str, Any]  # replay's metrics
    collected: F  # per debtor, EUR
    cost: F  # per debtor, EUR
    complaints: F  # per debtor
    contacts: F  # per debtor
    max_in_window: I  # per debtor: most contacts in any budget window
    seconds: float = 0.0


def segments(world: World) -> tuple[I, list[str]]:
    """Each debtor's observable segment (creditor x B2B/B2C) and the segments' names."""
    names = [f"{c.key}/{k}" for c in world.cfg.creditors for k in ("b2b", "b2c")]
    return world.pop.creditor * 2 + world.pop.b2c.astype(np.int64), names


def _max_in_window(debtor: I, day: I, n: int, window: int) -> I:
    out = np.zeros(n, dtype=np.int64)
    if debtor.size == 0:
        return out
    key = np.sort(debtor * 1_000_000 + day)
    inside = np.arange(key.size) - np.searchsorted(key, key - (window - 1), side="left") + 1
    np.maximum.at(out, key // 1_000_000, inside)
    return out


def outcome_of(world: World, t: Tally, window_days: int) -> Outcome:
    pop, n = world.pop, world.pop.n_debtors
    inv = np.concatenate(t.alloc_inv) if t.alloc_inv else np.zeros(0, np.int64)
    amt = np.concatenate(t.alloc_amt).astype(float) if t.alloc_amt else np.zeros(0)
    deb = np.concatenate(t.contact_debtor).astype(np.int64)
    day = np.concatenate(t.contact_day).astype(np.int64)
    cost = np.concatenate(t.contact_cost).astype(float)
    comp = np.concatenate(t.complained).astype(float)
    return Outcome(
        metrics=metrics(world, t),
        collected=np.bincount(pop.inv_debtor[inv], amt, minlength=n) / 100,
        cost=np.bincount(deb, cost, minlength=n) / 100,
        complaints=np.bincount(deb, comp, minlength=n).astype(float),
        contacts=np.bincount(deb, minlength=n).astype(float),
        max_in_window=_max_in_window(deb, day, n, window_days),
    )


def run_case(
    case: WorldCase, name: str, factory: PolicyFactory | None, objective: Objective
) -> Outcome:
    """Replay one policy (by registry name, or ``factory``) in a fresh world of ``case``."""
    start = time.perf_counter()
    world = case.world()
    tally = run(world, name, factory or (lambda w: make_policy(name, w)))
    out = outcome_of(world, tally, objective.budget_window_days)
    return Outcome(**{**out.__dict__, "seconds": time.perf_counter() - start})


def score(o: Outcome, objective: Objective) -> dict[str, Any]:
    """The row a report shows for one run (objective and net value in EUR)."""
    m, n = o.metrics, o.collected.size
    complaints, contacts = float(o.complaints.sum()), float(o.contacts.sum())
    worst = int(o.max_in_window.max()) if n else 0
    return {
        "objective_eur": round(
            float(objective.value(o.collected.sum(), o.cost.sum(), complaints)), 2
        ),
        "net_value_eur": m["net_value"],
        "dso_days": m["dso_days"],
        "collected_30d": m["collected_30d"],
        "cost_per_euro_collected": m["cost_per_euro_collected"],
        "complaints_per_1000_debtors": round(1000 * complaints / max(n, 1), 2),
        "complaints_per_1000_contacts": round(1000 * complaints / max(contacts, 1), 2),
        "contacts": int(contacts),
        "max_contacts_in_window": worst,
        "limits_held": objective.limits(complaints, contacts, worst),
        "seconds": round(o.seconds, 2),
    }
