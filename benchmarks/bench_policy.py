"""Benchmark: the learned flow against every baseline and the ceiling, on the creditor's objective.

Writes ``benchmarks/results/policy.json``: on the default world (seed 2027, 600 debtors x 120 days;
baselines chosen on seeds 9001 and 9002) and on the TEST family (10 worlds, generator seed 202;
baselines chosen on the VALIDATION family), per policy: objective and share of the world's ceiling
(greedy), DSO, cost per euro collected, complaints per 1,000 debtors and per 1,000 contacts, whether
the limits held; paired differences (95 % CI) against ``segment-fixed`` and ``best-fixed``; the cost
of exploration; the issue's targets judged. Also how long replay and the plan search take.

The learned policy comes through the registry: ``--policy NAME`` (repeatable) for names a
``training`` module registered, else the MLflow champion (``training.policy_run.load_champion``)
as ``learned``, greedy and with its exploration. Without one, the JSON says the learned row is
missing. Baseline searches and ceilings are cached under ``$DUNFLOW_DATA_DIR/cache/baselines``.
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from simulator.baselines import _replay_plans
from simulator.evaluation import evaluate_family
from simulator.families import DEFAULT_REPORT, TEST, cases
from simulator.objective import DEFAULT_OBJECTIVE, Objective
from simulator.outcome import run_case
from simulator.plans import PLANS
from simulator.registry import PolicyFactory, make_policy

OUT = Path(__file__).resolve().parent / "results" / "policy.json"
TARGET_SHARE_DEFAULT = 0.90
TARGET_POINTS_OVER_SEGMENT = 3.0
TARGET_WORLD_SHARE = 0.80
NO_WORSE = ("dso_days", "cost_per_euro_collected", "complaints_per_1000_debtors")


def _champion() -> tuple[dict[str, PolicyFactory], dict[str, PolicyFactory], str]:
    """The MLflow champion as ``learned``: greedy, and with the exploration it was saved with."""
    from policy.choice import Exploration
    from policy.pyfunc import DunningPolicy
    from training import tracking
    from training.policy_run import load_champion
    from training.sim_policy import LearnedSimPolicy

    tracking.start()
    found = load_champion()
    if found is None:
        return {}, {}, f"missing: no model has alias champion in {tracking.tracking_uri()}"
    pol, version = found
    greedy = DunningPolicy(pol.models, pol.weights, Exploration("greedy"))
    return (
        {"learned": lambda w: LearnedSimPolicy(w, greedy, name="learned")},
        {"learned": lambda w: LearnedSimPolicy(w, pol, name="learned+exploration")},
        f"dunning-policy version {version} (champion), exploration {pol.exploration}",
    )


def _by_name(name: str) -> PolicyFactory:
    return lambda w: make_policy(name, w)


def _targets(default: dict[str, Any], test: dict[str, Any], name: str) -> dict[str, Any]:
    if name not in default["summary"]:
        return {"judged": False, "why": f"no {name!r} row"}
    d_share = default["summary"][name]["mean_share_of_ceiling"]
    rows = [w["policies"] for w in test["worlds"]]
    over_seg = [
        100 * (r[name]["share_of_ceiling"] - r["segment-fixed"]["share_of_ceiling"]) for r in rows
    ]
    wins = sum(p >= TARGET_POINTS_OVER_SEGMENT for p in over_seg)
    below_best = sum(
        r[name]["share_of_ceiling"] < r["best-fixed"]["share_of_ceiling"] for r in rows
    )
    d_rows = default["worlds"][0]["policies"]
    no_worse = {
        k: {
            "default_world": d_rows[name][k] <= d_rows["ladder"][k],
            "test_worlds": f"{sum(r[name][k] <= r['ladder'][k] for r in rows)}/{len(rows)}",
        }
        for k in NO_WORSE
    }
    return {
        "judged": True,
        "share_of_ceiling_default_world": {
            "value": d_share, "target": TARGET_SHARE_DEFAULT, "met": d_share >= TARGET_SHARE_DEFAULT
        },
        "test_worlds_at_least_segment_fixed_plus_3_points": {
            "value": f"{wins}/{len(rows)}",
            "target": f">= {TARGET_WORLD_SHARE:.0%} of worlds",
            "met": wins >= TARGET_WORLD_SHARE * len(rows),
        },
        "test_worlds_below_best_fixed": {"value": below_best, "target": 0, "met": below_best == 0},
        "no_worse_than_ladder": no_worse,
        "limits_held": {
            "default_world": default["summary"][name]["limits_held_in"],
            "test_family": test["summary"][name]["limits_held_in"],
        },
    }  # fmt: skip


def _speed(objective: Objective) -> dict[str, Any]:
    """Replay and plan-search timings on the default world (fresh, uncached)."""
    case = cases(DEFAULT_REPORT)[0]
    start = time.perf_counter()
    _replay_plans(case, objective)
    tiled = time.perf_counter() - start
    one = run_case(case, PLANS[0].label, lambda _w: PLANS[0].policy(), objective).seconds
    return {
        "plans": len(PLANS),
        "seconds_all_plans_side_by_side": round(tiled, 2),
        "seconds_one_plan_alone": round(one, 2),
        "seconds_all_plans_one_after_another_estimated": round(one * len(PLANS), 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", action="append", default=[], help="registry name; repeat")
    parser.add_argument("--no-learned", action="store_true", help="baselines only")
    args = parser.parse_args(argv)
    objective = DEFAULT_OBJECTIVE
    factories = {n: _by_name(n) for n in args.policy}
    exploring: dict[str, PolicyFactory] = {}
    learned = "not asked (--no-learned)"
    if not args.policy and not args.no_learned:
        factories, exploring, learned = _champion()
    start = time.perf_counter()
    default = evaluate_family(factories, DEFAULT_REPORT, objective, exploring=exploring)
    test = evaluate_family(factories, TEST, objective, exploring=exploring)
    names = list(factories) or ["learned"]
    result: dict[str, Any] = {
        "objective": objective.as_dict(),
        "learned_policy": learned,
        "targets": {n: _targets(default, test, n) for n in names},
        "speed": _speed(objective),
        "default_world": default,
        "test_family": test,
        "seconds_total": round(time.perf_counter() - start, 1),
        "python": sys.version.split()[0],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    brief = {k: result[k] for k in ("learned_policy", "targets", "speed", "seconds_total")}
    print(json.dumps(brief, indent=2))
    return result


if __name__ == "__main__":
    main()
