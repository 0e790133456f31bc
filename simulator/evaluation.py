"""Policies against the baselines and the ceiling over a family of worlds: the table every claim
about the learned flow is read from.

``evaluate_family(factories, family, objective)`` replays, in every world of ``family`` (same world
seeds for every policy: common random numbers), the ladder, random, the one-step oracle, the three
fixed-plan baselines (chosen on :func:`simulator.families.choice_family`) and every policy of
``factories`` (name -> factory, greedy); ``exploring`` adds the same policies with their
exploration, and the difference is reported as the cost of exploration. Every row is scored on the
creditor's objective with its limits (:mod:`simulator.objective`) and as a share of the world's
ceiling (:mod:`simulator.ceiling`). Paired differences (percentage points of the ceiling) against
``segment-fixed`` and ``best-fixed`` come with 95 % t-intervals over the worlds. It never chooses
anything on the family it reports on unless that family is its own choice family (VALIDATION).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats as st

from simulator.baselines import (
    best_fixed,
    escalation_stats,
    first_stage_plans,
    per_group,
    plan_stats,
    staged_stats,
)
from simulator.ceiling import Ceiling, ceiling
from simulator.config import ARCHETYPES
from simulator.families import Family, cases, choice_family
from simulator.objective import Objective
from simulator.outcome import Outcome, WorldCase, run_case, score, segments
from simulator.plans import GroupedPlanPolicy, Plan
from simulator.registry import PolicyFactory
from simulator.world import World

BUILT_IN = ("ladder", "random", "oracle")
REFERENCES = ("segment-fixed", "best-fixed")
EVALUATION_ONLY = ("oracle", "type-plan", "type-segment-plan")  # they read the latent truth


def paired(diffs: Sequence[float], digits: int = 2) -> dict[str, Any]:
    """Mean of paired differences with a 95 % t-interval (None with fewer than two worlds),
    rounded to ``digits``."""
    d = np.asarray(diffs, dtype=float)
    out: dict[str, Any] = {"mean": round(float(d.mean()), digits), "n": int(d.size)}
    if d.size > 1:
        half = float(st.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
        out["ci95"] = [round(out["mean"] - half, digits), round(out["mean"] + half, digits)]
    else:
        out["ci95"] = None
    return out


def chosen_plans(family: Family, objective: Objective) -> dict[str, Any]:
    """The fixed plans reported on ``family``, chosen on its choice family."""
    stats = [plan_stats(c, objective) for c in cases(choice_family(family))]
    names = stats[0].segment_names
    return {
        "chosen_on": choice_family(family).name,
        "best-fixed": best_fixed(stats, objective),
        "segment-fixed": dict(zip(names, per_group(stats, "segment", objective), strict=True)),
    }


def anchor_plans(family: Family, objective: Objective, cost_mu: float) -> dict[str, Plan]:
    """The plan learner's segment plans for reports on ``family``: chosen on its choice family as
    ``segment-fixed``'s are, with the contact cost above the creditor's cost ceiling charged at
    ``cost_mu`` (0: ``segment-fixed``'s own plans)."""
    stats = [plan_stats(c, objective) for c in cases(choice_family(family))]
    plans = per_group(stats, "segment", objective, cost_mu)
    return dict(zip(stats[0].segment_names, plans, strict=True))


def escalation_anchors(
    family: Family, objective: Objective, cost_mu: float, then: Plan
) -> dict[str, Plan]:
    """The plan learner's segment plans for reports on ``family`` when a broken promise moves a
    debtor to ``then``: per segment the plan that does best followed by that escalation, chosen
    on the choice family as ``anchor_plans`` are."""
    stats = [escalation_stats(c, objective, then) for c in cases(choice_family(family))]
    plans = per_group(stats, "segment", objective, cost_mu)
    return dict(zip(stats[0].segment_names, plans, strict=True))


def first_stage_anchors(
    family: Family,
    objective: Objective,
    cost_mu: float,
    later: Mapping[str, Plan],
    first: Sequence[Plan | None],
) -> dict[str, Plan]:
    """The plan learner's first-stage plan per segment for reports on ``family``: among ``first``
    (None: the segment's own plan), the one that does best followed by the segment's plan of
    ``later`` (its anchor), chosen on the choice family as ``anchor_plans`` are."""
    plans = list(later.values())
    stats = [staged_stats(c, objective, first, plans) for c in cases(choice_family(family))]
    chosen = first_stage_plans(stats, first, objective, cost_mu)
    return {name: p or own for (name, own), p in zip(later.items(), chosen, strict=True)}


def _fixed_factories(
    case: WorldCase, plans: Mapping[str, Any], objective: Objective
) -> tuple[dict[str, PolicyFactory], dict[str, Plan]]:
    best: Plan = plans["best-fixed"]
    seg_plans = list(plans["segment-fixed"].values())
    stats = [plan_stats(case, objective)]
    types = per_group(stats, "archetype", objective)
    cells = per_group(stats, "cell", objective)

    def by_segment(w: Any) -> GroupedPlanPolicy:
        return GroupedPlanPolicy("segment-fixed", seg_plans, segments(w)[0])

    def by_type(w: Any) -> GroupedPlanPolicy:
        return GroupedPlanPolicy("type-plan", types, w.pop.archetype)

    def by_cell(w: Any) -> GroupedPlanPolicy:
        group = segments(w)[0] * len(ARCHETYPES) + w.pop.archetype
        return GroupedPlanPolicy("type-segment-plan", cells, group)

    factories: dict[str, PolicyFactory] = {
        "best-fixed": lambda _w: best.policy(),
        "segment-fixed": by_segment,
        "type-plan": by_type,
        "type-segment-plan": by_cell,
    }
    return factories, dict(zip(ARCHETYPES, types, strict=True))


def cell_objective(world: World, o: Outcome, objective: Objective) -> list[list[float]]:
    """A run's objective (EUR) per segment x latent type in ``world`` (the case's population, built
    once for every policy diagnosed; evaluation only: reads the type)."""
    seg, names = segments(world)
    out = np.zeros((len(names), len(ARCHETYPES)))
    np.add.at(out, (seg, world.pop.archetype), objective.value(o.collected, o.cost, o.complaints))
    return [[round(float(v), 2) for v in row] for row in out]


def evaluate_world(
    case: WorldCase,
    factories: Mapping[str, PolicyFactory],
    plans: Mapping[str, Any],
    objective: Objective,
    exploring: Mapping[str, PolicyFactory] | None = None,
    by_cell: Sequence[str] = (),
) -> dict[str, Any]:
    """One world's rows; the policies named in ``by_cell`` also get their objective per segment x
    latent type (``by_cell`` in their row: a diagnosis on VALIDATION, never an input)."""
    fixed, type_plans = _fixed_factories(case, plans, objective)
    rows: dict[str, dict[str, Any]] = {}
    runs: dict[str, PolicyFactory | None] = {**dict.fromkeys(BUILT_IN), **fixed, **factories}
    population = case.world() if by_cell else None
    for name, f in runs.items():
        o = run_case(case, name, f, objective)
        rows[name] = score(o, objective)
        if population is not None and name in by_cell:
            rows[name]["by_cell"] = cell_objective(population, o, objective)
    for name, f in (exploring or {}).items():
        rows[f"{name}+exploration"] = score(run_case(case, name, f, objective), objective)
    truth = {k: rows[k] for k in EVALUATION_ONLY}
    top: Ceiling = ceiling(case, objective, truth)
    for row in rows.values():
        row["share_of_ceiling"] = round(row["objective_eur"] / top.objective_eur, 4)
    return {
        "world": case.label,
        "seed": case.seed,
        "ceiling": top.as_dict(),
        "type_plans": {a: p.label for a, p in type_plans.items()},
        "policies": rows,
    }


def _summary(worlds: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        rows = [w["policies"][name] for w in worlds]
        shares = [r["share_of_ceiling"] for r in rows]
        held = sum(all(r["limits_held"].values()) for r in rows)
        out[name] = {
            "mean_share_of_ceiling": round(float(np.mean(shares)), 4),
            "min_share_of_ceiling": round(float(np.min(shares)), 4),
            "limits_held_in": f"{held}/{len(rows)}",
            "mean_dso_days": round(float(np.mean([r["dso_days"] for r in rows])), 2),
            "mean_cost_per_euro_collected": round(
                float(np.mean([r["cost_per_euro_collected"] for r in rows])), 5
            ),
            "mean_complaints_per_1000_debtors": round(
                float(np.mean([r["complaints_per_1000_debtors"] for r in rows])), 2
            ),
            "mean_complaints_per_1000_contacts": round(
                float(np.mean([r["complaints_per_1000_contacts"] for r in rows])), 2
            ),
            "mean_seconds_per_world": round(float(np.mean([r["seconds"] for r in rows])), 2),
            "evaluation_only": name in EVALUATION_ONLY,
        }
    return out


def _pts(worlds: list[dict[str, Any]], a: str, b: str) -> list[float]:
    return [
        100 * (w["policies"][a]["share_of_ceiling"] - w["policies"][b]["share_of_ceiling"])
        for w in worlds
    ]


_FORKED: dict[str, Any] = {}  # what the forked workers of ``evaluate_family`` read


def _world_at(index: int) -> dict[str, Any]:
    f = _FORKED
    return evaluate_world(f["cases"][index], f["factories"], f["plans"], f["objective"],
                          f["exploring"])  # fmt: skip


def evaluate_family(
    factories: Mapping[str, PolicyFactory],
    family: Family,
    objective: Objective,
    *,
    exploring: Mapping[str, PolicyFactory] | None = None,
    jobs: int = 1,
) -> dict[str, Any]:
    """The table for ``family``: per world and policy the scored row and share of the ceiling,
    a summary per policy, paired differences against the fixed references and, for policies in
    ``exploring``, the cost of exploration (greedy minus exploring, points of the ceiling).
    ``jobs`` > 1 evaluates that many worlds at a time in forked processes (same figures: every
    world's draws come from its own seeds)."""
    start = time.perf_counter()
    plans = chosen_plans(family, objective)
    todo = cases(family)
    # Forked even for one world: a parent that has run LightGBM holds OpenMP's thread pool, and
    # a child forked from it hangs in its first parallel region (libgomp is not fork-safe); so
    # with ``jobs`` > 1 the parent never trains or predicts itself.
    if jobs > 1:
        _FORKED.update(cases=todo, factories=factories, plans=plans, objective=objective,
                       exploring=exploring)  # fmt: skip
        with mp.get_context("fork").Pool(max(1, min(jobs, len(todo)))) as pool:
            worlds = pool.map(_world_at, range(len(todo)), chunksize=1)
        _FORKED.clear()
    else:
        worlds = [evaluate_world(c, factories, plans, objective, exploring) for c in todo]
    names = list(worlds[0]["policies"])
    return {
        "family": family.name,
        "worlds_n": len(worlds),
        "debtors": family.debtors,
        "days": family.days,
        "objective": objective.as_dict(),
        "baselines_chosen_on": plans["chosen_on"],
        "best_fixed_plan": plans["best-fixed"].label,
        "segment_fixed_plans": {k: p.label for k, p in plans["segment-fixed"].items()},
        "summary": _summary(worlds, names),
        "paired_points_of_ceiling": {
            n: {f"vs {r}": paired(_pts(worlds, n, r)) for r in REFERENCES if r != n} for n in names
        },
        "exploration_cost_points": {
            n: paired(_pts(worlds, n, f"{n}+exploration")) for n in (exploring or {})
        },
        "worlds": worlds,
        "seconds": round(time.perf_counter() - start, 1),
    }
