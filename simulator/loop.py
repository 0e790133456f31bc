"""The simulator's side of the closed loop: fresh deployment worlds, the ceiling a round is measured
against, and how much of the action space a deployed policy still tries (coverage).

A round deploys a policy in a world nobody has seen: the base world file with replay seed
:func:`deploy_seed` (``DEPLOY_SEED_BASE + round``, apart from every declared family's seeds in
:mod:`simulator.families` and from the plan learner's history seeds). The ceiling of an evaluation
world here is the best truth-knowing policy that held the limits among the multi-step planner, the
type plan and the type x segment plan searched on that world (the plans' sums are cached by
:mod:`simulator.baselines`, the planner's row by :mod:`simulator.ceiling`); the one-step oracle is
left out (it is no ceiling). This module learns nothing and never reads a learned policy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.baselines import per_group, plan_stats
from simulator.ceiling import planner_row
from simulator.objective import Objective
from simulator.outcome import WorldCase
from simulator.plans import PLANS
from simulator.world_file import WorldSpec

DEPLOY_SEED_BASE = 31_000


def deploy_seed(round_: int) -> int:
    return DEPLOY_SEED_BASE + round_


def deploy_case(spec: WorldSpec, round_: int, debtors: int, days: int) -> WorldCase:
    """The fresh world round ``round_`` deploys in."""
    seed = deploy_seed(round_)
    return WorldCase(f"{spec.name}@{seed}", spec, seed, debtors, days)


def _grouped_objective(case: WorldCase, objective: Objective, by: str) -> tuple[float, bool]:
    stats = plan_stats(case, objective)
    plans = per_group([stats], by, objective)
    idx = np.array([PLANS.index(p) for p in plans])
    cells = stats.cells  # [plan, segment, archetype, stat]
    if by == "archetype":
        picked = cells[idx, :, np.arange(idx.size), :].sum(axis=(0, 1))
    else:
        flat = cells.reshape(cells.shape[0], -1, cells.shape[-1])
        picked = flat[idx, np.arange(idx.size), :].sum(axis=0)
    held = bool(objective.complaint_excess(picked[1], picked[2]) <= 1e-9)
    return float(picked[0]), held


def ceiling_of(case: WorldCase, objective: Objective) -> dict[str, Any]:
    """The best truth-knowing objective (EUR) in ``case`` that held the limits, and its source."""
    rows = {"planner": planner_row(case, objective)}
    candidates = {
        "planner": (rows["planner"]["objective_eur"], all(rows["planner"]["limits_held"].values()))
    }
    candidates["type-plan"] = _grouped_objective(case, objective, "archetype")
    candidates["type-segment-plan"] = _grouped_objective(case, objective, "cell")
    held = {k: v for k, (v, ok) in candidates.items() if ok} or {
        k: v for k, (v, _) in candidates.items()
    }
    best = max(held, key=lambda k: held[k])
    return {"objective_eur": round(held[best], 2), "policy": best,
            "candidates": {k: round(v, 2) for k, v in held.items()}}  # fmt: skip


def coverage(arms: NDArray[np.int64], available: NDArray[np.bool_]) -> dict[str, Any]:
    """How much of the action space a log tried: arms chosen at least once among those ever
    available, the entropy of the choices (bits) against the most it could be, and the share of
    the most chosen arm. ``arms``: the arm chosen at each checkpoint; ``available``: [checkpoint,
    arm]."""
    n_arms = available.shape[1] if available.ndim == 2 else 0
    if arms.size == 0 or n_arms == 0:
        return {"checkpoints": 0, "arms_tried": 0, "arms_available": 0, "coverage": 0.0,
                "entropy_bits": 0.0, "max_entropy_bits": 0.0, "top_arm_share": 0.0}  # fmt: skip
    counts = np.bincount(arms, minlength=n_arms).astype(float)
    ever = int(available.any(axis=0).sum())
    p = counts[counts > 0] / counts.sum()
    return {
        "checkpoints": int(arms.size),
        "arms_tried": int((counts > 0).sum()),
        "arms_available": ever,
        "coverage": round(float((counts > 0).sum()) / max(ever, 1), 4),
        "entropy_bits": round(float(-(p * np.log2(p)).sum()), 3),
        "max_entropy_bits": round(float(np.log2(max(ever, 1))), 3),
        "top_arm_share": round(float(counts.max() / counts.sum()), 4),
    }
