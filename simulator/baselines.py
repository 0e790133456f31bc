"""The fixed-plan baselines, searched under the creditor's limits and scored on its objective.

For every world the 60 plans of :data:`simulator.plans.PLANS` are replayed once each; the per-debtor
figures are summed per cell (segment x archetype) and cached on disk (they depend only on the world
file, the replay seed and size, and the objective's limits window). From those sums:

* ``best-fixed``: the one plan with the highest objective summed over the choice worlds among those
  that held both limits in every one of them;
* ``segment-fixed``: one plan per observable segment (creditor x B2B/B2C), and ``type-plan``: one
  plan per latent archetype (evaluation only). Both choose, for a Lagrange multiplier ``lam`` on the
  complaints above the limit, the plan maximising objective - ``lam`` x excess per group; ``lam``
  is the smallest of a grid for which every choice world holds the complaint limit.

``staged_stats`` replays first-stage plans (until the second stage's days past due) each followed
by the segment's own plan, and ``first_stage_plans`` chooses one per segment from them as
``per_group`` does: the plan learner's first-stage anchors, never a baseline. ``escalation_stats``
replays every plan until a broken promise, then an escalation plan: ``per_group`` over them
chooses the plan learner's segment plans for the escalation that follows them (also never a
baseline).

Debtors never affect each other, so a group's sum under a plan is exactly what that plan earns on
that group in a mixed policy. This module never reads a policy other than the fixed plans.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ledger.checkpoints import STAGE_DPD
from simulator.config import ARCHETYPES
from simulator.objective import Objective
from simulator.outcome import WorldCase, outcome_of, segments
from simulator.plans import PLANS, EscalatingPlanPolicy, GroupedPlanPolicy, Plan, StagedPlanPolicy
from simulator.replay import run
from simulator.world import World

F = NDArray[np.float64]
CACHE_VERSION = 2  # bump when the simulator's behaviour or the stats' layout changes
STATS = ("objective", "complaints", "contacts", "cost")
LAMBDAS = (0.0, 10.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 10_000.0)


@dataclass(frozen=True)
class PlanStats:
    """One world: per plan and cell (segment x archetype), objective (EUR), complaints, contacts,
    contact cost (EUR); and per plan the most contacts any debtor got within the budget window."""

    label: str
    cells: F  # [plan, segment, archetype, stat]
    max_in_window: NDArray[np.int64]  # [plan]
    segment_names: list[str]

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "cells": self.cells.tolist(),
            "max_in_window": self.max_in_window.tolist(),
            "segment_names": self.segment_names,
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> PlanStats:
        return cls(
            label=str(d["label"]),
            cells=np.array(d["cells"], dtype=float),
            max_in_window=np.array(d["max_in_window"], dtype=np.int64),
            segment_names=list(d["segment_names"]),  # type: ignore[call-overload]
        )


def cache_dir() -> Path:
    from ledger.settings import get_settings

    return get_settings().data_dir / "cache" / "baselines"


def case_key(case: WorldCase, objective: Objective, what: str) -> str:
    # the cost ceiling is no input of the cached replays (only the learner chooses under it)
    keyed = {k: v for k, v in objective.as_dict().items() if k != "max_cost_per_euro_collected"}
    obj = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()
    return (
        f"{what}-v{CACHE_VERSION}-{case.spec.fingerprint()}-s{case.seed}-"
        f"{case.n_debtors}x{case.days}-{obj[:8]}"
    )


def plan_stats(case: WorldCase, objective: Objective, cache: Path | None = None) -> PlanStats:
    """Replay every plan in ``case`` (or read the cached sums)."""
    folder = cache or cache_dir()
    path = folder / f"{case_key(case, objective, 'plans')}.json"
    if path.exists():
        return PlanStats.from_dict(json.loads(path.read_text()))
    stats = _replay_plans(case, objective)
    write_cached(path, stats.as_dict())
    return stats


def write_cached(path: Path, entry: object) -> None:
    """Write a cache entry whole or not at all: processes replaying the same world side by side
    (benchmark workers, several checkouts sharing one cache) must never read half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(entry))
    os.replace(partial, path)


def staged_stats(
    case: WorldCase,
    objective: Objective,
    first: Sequence[Plan | None],
    later: Sequence[Plan],
    cache: Path | None = None,
) -> PlanStats:
    """Per first-stage plan of ``first`` (None: the segment's own), that plan until the second
    stage (``STAGE_DPD[1]`` days past due) and each segment's plan of ``later`` after it, in one
    run as ``_replay_plans`` (or the cached sums); ``PlanStats``' plans are ``first``'s."""
    labels = [p.label if p else "own" for p in first] + ["then"] + [p.label for p in later]
    digest = hashlib.sha256("|".join(labels).encode()).hexdigest()[:10]
    path = (cache or cache_dir()) / f"{case_key(case, objective, f'staged-{digest}')}.json"
    if path.exists():
        return PlanStats.from_dict(json.loads(path.read_text()))
    n_seg = len(later)
    firsts = [p or later[s] for p in first for s in range(n_seg)]  # group: copy x segment

    def policy(w: World) -> StagedPlanPolicy:
        group = np.repeat(np.arange(len(first)), case.n_debtors) * n_seg + segments(w)[0]
        return StagedPlanPolicy("staged", firsts, list(later) * len(first), group, STAGE_DPD[1])

    stats = _replay_grouped(case, objective, len(first), policy)
    write_cached(path, stats.as_dict())
    return stats


def escalation_stats(
    case: WorldCase, objective: Objective, then: Plan, cache: Path | None = None
) -> PlanStats:
    """Per plan of ``PLANS``, that plan until the debtor breaks a promise and ``then`` after it,
    in one run as ``_replay_plans`` (or the cached sums)."""
    what = f"escalation-{then.label.replace('/', '-')}"
    path = (cache or cache_dir()) / f"{case_key(case, objective, what)}.json"
    if path.exists():
        return PlanStats.from_dict(json.loads(path.read_text()))

    def policy(w: World) -> EscalatingPlanPolicy:
        group = np.repeat(np.arange(len(PLANS)), case.n_debtors)
        return EscalatingPlanPolicy("escalating", PLANS, then, group, w.pop.n_debtors)

    stats = _replay_grouped(case, objective, len(PLANS), policy)
    write_cached(path, stats.as_dict())
    return stats


def _replay_plans(case: WorldCase, objective: Objective) -> PlanStats:
    """All plans in one run: a world holding one copy of the population per plan (same draws),
    copy ``k`` dunned with plan ``k``; debtors are independent, so each copy's figures are what
    the plan alone would give (a test checks it against one run per plan)."""
    group = np.repeat(np.arange(len(PLANS)), case.n_debtors)
    return _replay_grouped(
        case, objective, len(PLANS), lambda _w: GroupedPlanPolicy("plans", PLANS, group)
    )


def _replay_grouped(
    case: WorldCase, objective: Objective, k: int, policy: Callable[[World], Any]
) -> PlanStats:
    """``k`` copies of the population in one run, copy ``j`` dunned as ``policy`` says for it."""
    n = case.n_debtors
    world = World(case.seed, case.config(), copies=k)
    tally = run(world, "plans", policy)
    o = outcome_of(world, tally, objective.budget_window_days)
    seg, names = segments(world)
    seg, arch = seg[:n], world.pop.archetype[:n]
    cells = np.zeros((k, len(names), len(ARCHETYPES), len(STATS)))
    value = objective.value(o.collected, o.cost, o.complaints)
    for s, col in enumerate((value, o.complaints, o.contacts, o.cost)):
        per_plan = np.asarray(col).reshape(k, n)
        for j in range(k):
            np.add.at(cells[j, :, :, s], (seg, arch), per_plan[j])
    worst = o.max_in_window.reshape(k, n).max(axis=1)
    return PlanStats(case.label, cells, worst, names)


def _excess(cells: F, objective: Objective) -> F:
    return np.asarray(objective.complaint_excess(cells[..., 1], cells[..., 2]))


def best_fixed(stats: Sequence[PlanStats], objective: Objective) -> Plan:
    """The single plan with the best summed objective that held both limits in every world."""
    return PLANS[_best_index(stats, objective)]


def _best_index(stats: Sequence[PlanStats], objective: Objective) -> int:
    """``best_fixed``'s choice, as an index into the stats' plans."""
    value = sum(s.cells[..., 0].sum(axis=(1, 2)) for s in stats)
    broken = sum(
        (_excess(s.cells.sum(axis=(1, 2)), objective) > 1e-9).astype(int)
        + (s.max_in_window > objective.max_contacts_per_debtor)
        for s in stats
    )
    # fewest broken limits first, then the best objective
    order = np.lexsort((-np.asarray(value), np.asarray(broken)))
    return int(order[0])


def _grouped(cells: F, by: str) -> F:
    if by == "segment":
        return np.asarray(cells.sum(axis=2))
    if by == "archetype":
        return np.asarray(cells.sum(axis=1))
    return cells.reshape(cells.shape[0], -1, cells.shape[-1])


def cost_over(cells: F, objective: Objective) -> F:
    """Contact cost above the creditor's ceiling on cost per euro collected, per cell (EUR)."""
    value, complaints, cost = cells[..., 0], cells[..., 1], cells[..., 3]
    collected = value + cost + objective.complaint_cost_eur * complaints
    return np.asarray(objective.cost_excess(cost, collected))


def per_group(
    stats: Sequence[PlanStats], by: str, objective: Objective, cost_mu: float = 0.0
) -> list[Plan]:
    """One plan per group (``by``: "segment", "archetype" or "cell" = segment x archetype, index
    ``segment * len(ARCHETYPES) + archetype``), held to the complaint limit in every world by the
    smallest Lagrange multiplier of ``LAMBDAS`` that achieves it; ``cost_mu`` (the plan learner's
    anchors, never a baseline) also charges the contact cost above the creditor's ceiling on cost
    per euro collected."""
    choice = _choose(stats, by, objective, cost_mu)
    return [PLANS[int(c)] for c in choice]


def first_stage_plans(
    stats: Sequence[PlanStats], first: Sequence[Plan | None], objective: Objective, cost_mu: float
) -> list[Plan | None]:
    """Per segment the first-stage plan of ``first`` (None: its own plan) that does best with
    the segment's plan after it (``stats``: :func:`staged_stats`'), chosen as ``per_group``
    chooses (the complaint limit, the contact budget, ``cost_mu``)."""
    return [first[int(c)] for c in _choose(stats, "segment", objective, cost_mu)]


def _choose(
    stats: Sequence[PlanStats], by: str, objective: Objective, cost_mu: float
) -> NDArray[np.int64]:
    """``per_group``'s choice, as indices into the stats' plans."""
    grouped = [_grouped(s.cells, by) for s in stats]  # [plan, group, stat] per world
    value = np.sum([g[..., 0] - cost_mu * cost_over(g, objective) for g in grouped], axis=0)
    excess = np.sum([_excess(g, objective) for g in grouped], axis=0)
    budget_ok = np.all(
        [s.max_in_window <= objective.max_contacts_per_debtor for s in stats], axis=0
    )
    empty = (
        np.sum([g[..., 2] for g in grouped], axis=(0, 1)) == 0
    )  # groups no world has contacts in
    fallback = _best_index(stats, objective)
    choice = np.zeros(value.shape[1], dtype=np.int64)
    for lam in LAMBDAS:
        score = np.where(budget_ok[:, None], value - lam * excess, -np.inf)
        choice = np.where(empty, fallback, np.argmax(score, axis=0))
        held = [
            _excess(g[choice, np.arange(choice.size)].sum(axis=0), objective) <= 1e-9
            for g in grouped
        ]
        if all(held):
            break
    return choice
