"""Choose the plan learner's knobs on the VALIDATION family, never on TEST.

``python -m training.plan_bench [--worlds N] [--config NAME ...]`` replays every candidate of
``CANDIDATES`` (greedy) in the first ``N`` VALIDATION worlds, next to ``segment-fixed`` and
``best-fixed`` (chosen on VALIDATION itself) and the world's ceiling, and writes
``benchmarks/results/plan_validation.json``: per candidate the mean and minimum share of the
ceiling, points over ``segment-fixed``, complaints per 1,000 contacts and whether the limits held.
The rule: among the candidates that held both limits in every world, the best mean share of the
ceiling; :data:`training.plan_learner.CHOSEN` records the winner and its figures.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from policy.plan_choice import Evidence
from simulator.evaluation import chosen_plans, evaluate_world
from simulator.families import VALIDATION, cases
from simulator.objective import DEFAULT_OBJECTIVE
from training.plan_learner import CHOSEN, LearnerConfig, plan_factory, with_segment_defaults

OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "plan_validation.json"
CANDIDATES: dict[str, LearnerConfig] = {
    "chosen": CHOSEN,
    "margin-100": replace(CHOSEN, margin_eur=100.0),
    "no-evidence": replace(CHOSEN, evidence=None, margin_eur=100.0),
    "one-stage": replace(CHOSEN, iterations=1),
    "session-8": replace(CHOSEN, iterations=1, evidence=None, margin_eur=100.0),
    "evidence-or-1000-eur": replace(
        CHOSEN, iterations=1, margin_eur=100.0, evidence=Evidence(margin_without_eur=1000.0)
    ),
}
"""Anchored candidates keep the segment plans chosen on VALIDATION (as ``segment-fixed`` there);
``CHOSEN``'s docstring has their figures and those of the alternatives tried before."""


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    share = [r["share"] for r in rows]
    over = [100 * (r["share"] - r["segment_fixed"]) for r in rows]
    return {
        "mean_share_of_ceiling": round(float(np.mean(share)), 4),
        "min_share_of_ceiling": round(float(np.min(share)), 4),
        "mean_points_over_segment_fixed": round(float(np.mean(over)), 2),
        "worlds_below_best_fixed": int(sum(r["share"] < r["best_fixed"] for r in rows)),
        "mean_complaints_per_1000_contacts": round(
            float(np.mean([r["complaints_per_1000_contacts"] for r in rows])), 2
        ),
        "limits_held_in": f"{sum(r['limits_held'] for r in rows)}/{len(rows)}",
        "worlds": rows,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worlds", type=int, default=len(cases(VALIDATION)))
    parser.add_argument("--config", action="append", default=[], help="candidate names")
    args = parser.parse_args(argv)
    objective = DEFAULT_OBJECTIVE
    names = args.config or list(CANDIDATES)
    plans = chosen_plans(VALIDATION, objective)
    factories = {n: plan_factory(with_segment_defaults(CANDIDATES[n], VALIDATION)) for n in names}
    rows: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    for case in cases(VALIDATION)[: args.worlds]:
        world = evaluate_world(case, factories, plans, objective)
        p = world["policies"]
        for n in names:
            rows[n].append(
                {
                    "world": case.label,
                    "share": p[n]["share_of_ceiling"],
                    "segment_fixed": p["segment-fixed"]["share_of_ceiling"],
                    "best_fixed": p["best-fixed"]["share_of_ceiling"],
                    "complaints_per_1000_contacts": p[n]["complaints_per_1000_contacts"],
                    "limits_held": all(p[n]["limits_held"].values()),
                }
            )
        print(case.label, {n: rows[n][-1]["share"] for n in names}, flush=True)
    result = {
        "family": VALIDATION.name,
        "candidates": {n: CANDIDATES[n].describe() for n in names},
        "summary": {n: _summary(r) for n, r in rows.items()},
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
