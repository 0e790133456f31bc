"""The ceiling of one world: the best truth-knowing policy that holds the creditor's limits.

Candidates: the multi-step planner (:mod:`simulator.planner`; if it breaks the complaint limit, its
Lagrange multiplier on complaints is raised through ``PENALTIES`` until it holds), the type plan and
the type x segment plan searched on that world (:mod:`simulator.baselines`) and the one-step
oracle. The ceiling is the highest objective among those that held both limits. None is a proven
optimum: an honest policy above 100 % of the ceiling says the ceiling is too low, and the report
shows it. The planner's
result is cached beside the plan sums (it depends on the world file, seed, size and objective).
It only measures: nothing it computes may feed a choice of an honest policy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from simulator import baselines
from simulator.objective import Objective
from simulator.outcome import WorldCase, run_case, score
from simulator.planner import PlannerPolicy
from simulator.registry import PolicyFactory

PENALTIES = (0.0, 100.0, 300.0, 1000.0, 3000.0)  # EUR per complaint on top of the stated cost
WAITS = (5, 10)  # the planner compares acting now with waiting this many days, then acting


@dataclass(frozen=True)
class Ceiling:
    objective_eur: float
    policy: str
    candidates: dict[str, float]  # objective of every candidate that held the limits

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def planner_row(case: WorldCase, objective: Objective, cache: Path | None = None) -> dict[str, Any]:
    """The planner's scored row in ``case``, with the smallest penalty that held the limits."""
    folder = cache or baselines.cache_dir()
    path = folder / f"{baselines.case_key(case, objective, 'planner')}.json"
    if path.exists():
        row: dict[str, Any] = json.loads(path.read_text())
        return row
    for penalty in PENALTIES:
        row = score(run_case(case, "planner", _planner(objective, penalty), objective), objective)
        row["penalty_eur"] = penalty
        if all(row["limits_held"].values()):
            break
    baselines.write_cached(path, row)
    return row


def _planner(objective: Objective, penalty: float) -> PolicyFactory:
    return lambda w: PlannerPolicy(w, objective, penalty, WAITS)


def ceiling(case: WorldCase, objective: Objective, truth: dict[str, dict[str, Any]]) -> Ceiling:
    """The best of the planner and the other truth-knowing rows (``truth``: name -> scored row)."""
    rows = {"planner": planner_row(case, objective), **truth}
    held = {k: r["objective_eur"] for k, r in rows.items() if all(r["limits_held"].values())}
    if not held:  # cannot happen with PENALTIES ending high, but never divide by a broken run
        held = {k: r["objective_eur"] for k, r in rows.items()}
    best = max(held, key=lambda k: held[k])
    return Ceiling(held[best], best, held)
