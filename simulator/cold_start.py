"""Cold start: a new creditor's first 60 days, every policy on its debtors beside the baselines.

The world is ``simulator/worlds/new_creditor.toml``: the default world's three creditors plus a
webshop nobody has logged decisions for (creditor key ``webshop``). Each world of
:data:`COLD_START` (that file at three replay seeds, 1,200 debtors, 60 days) is replayed once per
policy; only the webshop's debtors are scored (debtors never affect each other, so their figures
are what the policy earned on them). The baselines a newcomer could have used, chosen on the
default validation family (the old creditors' worlds; nothing is chosen on the webshop):

* ``ladder``;
* ``best-fixed``: the validation family's one plan for everyone;
* ``segment-fixed``: the validation family's best plan per kind of debtor (B2B, B2C) pooled over
  the old creditors (the webshop's own segments were never seen);
* ``type-plan``: one plan per latent type searched on the webshop's debtors of that world
  (evaluation only: it reads the hidden type).

The ceiling is the better of ``type-plan`` and the multi-step planner on the true response (its
complaint penalty raised until the webshop's debtors hold the limit). Extra policies (the learned
champion, trained without the webshop) come in as factories; this module never learns.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.baselines import PlanStats, best_fixed, per_group, plan_stats
from simulator.ceiling import PENALTIES, WAITS
from simulator.evaluation import paired
from simulator.families import VALIDATION, Family, cases
from simulator.objective import Objective
from simulator.outcome import Outcome, WorldCase, run_case
from simulator.planner import PlannerPolicy
from simulator.plans import PLANS
from simulator.registry import PolicyFactory
from simulator.world_file import DEFAULT_WORLD_PATH

NEW_CREDITOR_PATH = DEFAULT_WORLD_PATH.parent / "new_creditor.toml"
NEW_KEY = "webshop"
COLD_START = Family(
    "cold-start",
    base=NEW_CREDITOR_PATH,
    seeds=(4101, 4102, 4103),
    debtors=1200,
    days=60,
    choose_on=VALIDATION,
)
KINDS = ("b2b", "b2c")


def _new_index(case: WorldCase) -> int:
    return [c.key for c in case.spec.creditors].index(NEW_KEY)


def _row(
    collected: float,
    cost: float,
    complaints: float,
    contacts: float,
    worst: int,
    n: int,
    objective: Objective,
) -> dict[str, Any]:
    value = float(objective.value(collected, cost, complaints))
    return {
        "objective_eur": round(value, 2),
        "objective_eur_per_debtor": round(value / max(n, 1), 3),
        "collected_eur": round(collected, 2),
        "cost_per_euro_collected": round(cost / max(collected, 1e-9), 5),
        "complaints_per_1000_debtors": round(1000 * complaints / max(n, 1), 2),
        "complaints_per_1000_contacts": round(1000 * complaints / max(contacts, 1), 2),
        "contacts": int(contacts),
        "limits_held": objective.limits(complaints, contacts, worst),
    }


def _outcome_row(o: Outcome, mask: NDArray[np.bool_], objective: Objective) -> dict[str, Any]:
    worst = int(o.max_in_window[mask].max()) if mask.any() else 0
    return _row(
        float(o.collected[mask].sum()),
        float(o.cost[mask].sum()),
        float(o.complaints[mask].sum()),
        float(o.contacts[mask].sum()),
        worst,
        int(mask.sum()),
        objective,
    )


def _cells_row(
    cells: NDArray[np.float64],
    plan_idx: NDArray[np.int64],
    worst: int,
    n: int,
    objective: Objective,
    by_group: bool,
) -> dict[str, Any]:
    """Objective of plan ``plan_idx[g]`` on group ``g`` (``cells``: [plan, group, stat]; the
    objective's column already holds collected - cost - complaint cost)."""
    picked = cells[plan_idx, np.arange(plan_idx.size)] if by_group else cells[plan_idx[0]]
    total = picked.sum(axis=0)
    value, complaints, contacts = float(total[0]), float(total[1]), float(total[2])
    row = _row(0.0, 0.0, complaints, contacts, worst, n, objective)
    row.update(objective_eur=round(value, 2), objective_eur_per_debtor=round(value / max(n, 1), 3))
    for k in ("collected_eur", "cost_per_euro_collected"):
        row.pop(k)  # the plans' sums keep the objective, not its parts
    return row


def _kind_stats(stats: PlanStats) -> PlanStats:
    """The old creditors' cells summed per kind of debtor (B2B, B2C)."""
    idx = [
        [
            i
            for i, s in enumerate(stats.segment_names)
            if s.endswith(f"/{k}") and not s.startswith(f"{NEW_KEY}/")
        ]
        for k in KINDS
    ]
    cells = np.stack([stats.cells[:, i].sum(axis=1) for i in idx], axis=1)
    return PlanStats(stats.label, cells, stats.max_in_window, list(KINDS))


def newcomer_plans(objective: Objective) -> dict[str, Any]:
    """The plans a newcomer could take from the old creditors (chosen on the validation family)."""
    stats = [plan_stats(c, objective) for c in cases(VALIDATION)]
    kind = per_group([_kind_stats(s) for s in stats], "segment", objective)
    by_kind = dict(zip(KINDS, kind, strict=True))
    return {"best-fixed": best_fixed(stats, objective), "segment-fixed": by_kind}


def _planner(case: WorldCase, mask: NDArray[np.bool_], objective: Objective) -> dict[str, Any]:
    for penalty in PENALTIES:

        def factory(w: Any, p: float = penalty) -> PlannerPolicy:
            return PlannerPolicy(w, objective, p, WAITS)

        row = _outcome_row(run_case(case, "planner", factory, objective), mask, objective)
        row["penalty_eur"] = penalty
        if all(row["limits_held"].values()):
            break
    return row


def evaluate_world(
    case: WorldCase,
    factories: Mapping[str, PolicyFactory],
    newcomer: Mapping[str, Any],
    objective: Objective,
) -> dict[str, Any]:
    world = case.world()
    new = _new_index(case)
    mask = world.pop.creditor == new
    n = int(mask.sum())
    stats = plan_stats(case, objective)
    segs = [i for i, s in enumerate(stats.segment_names) if s.startswith(f"{NEW_KEY}/")]
    kinds = [KINDS.index(stats.segment_names[i].split("/")[1]) for i in segs]
    worst = stats.max_in_window
    seg_cells = stats.cells[:, segs].sum(axis=2)  # [plan, webshop segment, stat]
    rows: dict[str, dict[str, Any]] = {}
    rows["ladder"] = _outcome_row(run_case(case, "ladder", None, objective), mask, objective)
    best = PLANS.index(newcomer["best-fixed"])
    rows["best-fixed"] = _cells_row(
        seg_cells, np.array([best]), int(worst[best]), n, objective, by_group=False
    )
    by_kind = np.array([PLANS.index(newcomer["segment-fixed"][KINDS[k]]) for k in kinds])
    rows["segment-fixed"] = _cells_row(
        seg_cells, by_kind, int(worst[by_kind].max()), n, objective, by_group=True
    )
    webshop = replace(stats, cells=stats.cells[:, segs])
    types = per_group([webshop], "archetype", objective)
    type_idx = np.array([PLANS.index(p) for p in types])
    type_cells = stats.cells[:, segs].sum(axis=1)  # [plan, archetype, stat]
    rows["type-plan"] = _cells_row(
        type_cells, type_idx, int(worst[type_idx].max()), n, objective, by_group=True
    )
    for name, f in factories.items():
        start = time.perf_counter()
        rows[name] = _outcome_row(run_case(case, name, f, objective), mask, objective)
        rows[name]["seconds"] = round(time.perf_counter() - start, 1)
    planner = _planner(case, mask, objective)
    top = max(
        [("planner", planner["objective_eur"])] * all(planner["limits_held"].values())
        + [("type-plan", rows["type-plan"]["objective_eur"])],
        key=lambda kv: kv[1],
    )
    for row in rows.values():
        row["share_of_ceiling"] = round(row["objective_eur"] / top[1], 4)
    return {
        "world": case.label,
        "seed": case.seed,
        "new_creditor_debtors": n,
        "ceiling": {"policy": top[0], "objective_eur": top[1], "planner": planner},
        "policies": rows,
    }


def evaluate_cold_start(
    factories: Mapping[str, PolicyFactory],
    objective: Objective,
    family: Family = COLD_START,
    newcomer: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every policy and baseline on the new creditor's debtors in every world of ``family``; the
    mean share of the ceiling per policy and paired differences against the fixed baselines.
    ``newcomer``: the fixed plans (default: :func:`newcomer_plans`, chosen on validation)."""
    start = time.perf_counter()
    newcomer = newcomer or newcomer_plans(objective)
    worlds = [evaluate_world(c, factories, newcomer, objective) for c in cases(family)]
    names = list(worlds[0]["policies"])

    def shares(name: str) -> list[float]:
        return [w["policies"][name]["share_of_ceiling"] for w in worlds]

    def held(name: str) -> str:
        ok = sum(all(w["policies"][name]["limits_held"].values()) for w in worlds)
        return f"{ok}/{len(worlds)}"

    summary = {
        name: {
            "mean_share_of_ceiling": round(float(np.mean(shares(name))), 4),
            "limits_held_in": held(name),
            "mean_complaints_per_1000_contacts": round(
                float(
                    np.mean([w["policies"][name]["complaints_per_1000_contacts"] for w in worlds])
                ),
                2,
            ),
            "evaluation_only": name == "type-plan",
        }
        for name in names
    }
    diffs = {
        name: {
            f"vs {ref}": paired(
                [100 * (a - b) for a, b in zip(shares(name), shares(ref), strict=True)]
            )
            for ref in ("segment-fixed", "best-fixed")
            if ref != name
        }
        for name in names
    }
    return {
        "family": family.name,
        "world_file": str(Path(family.base).name),
        "days": family.days,
        "debtors": family.debtors,
        "new_creditor": NEW_KEY,
        "objective": objective.as_dict(),
        "baselines_chosen_on": VALIDATION.name,
        "best_fixed_plan": newcomer["best-fixed"].label,
        "segment_fixed_plans": {k: p.label for k, p in newcomer["segment-fixed"].items()},
        "summary": summary,
        "paired_points_of_ceiling": diffs,
        "worlds": worlds,
        "seconds": round(time.perf_counter() - start, 1),
    }
