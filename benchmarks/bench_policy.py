"""Benchmark: the learned flow against every baseline and the ceiling, on the creditor's objective.

Writes ``benchmarks/results/policy.json``: on the default world (seed 2027, 600 debtors x 120 days;
baselines chosen on seeds 9001 and 9002) and on the TEST family (10 worlds, generator seed 202;
baselines chosen on the VALIDATION family), per policy: objective and share of the world's ceiling
(greedy), DSO, cost per euro collected, complaints per 1,000 debtors and per 1,000 contacts, whether
the limits held; paired differences (95 % CI) against ``segment-fixed`` and ``best-fixed``; the cost
of exploration; the issue's targets judged. Also how long replay and the plan search take.

The learned policy is the plan learner (``training.plan_learner``, its knobs chosen on the
VALIDATION family): in every world it learns from a history world of its own seed, then replays
greedy and with its production exploration. Beside it ``segment-escalation``, its anchors
without the model (the segment plans, the escalation plan after a broken promise: the
plan-logging policy without exploration), and per family the points the learner gains over it:
what the model adds; and ``deployed-flow``, what a creditor is served (``training.plan_gated``:
the model where the promotion gate's replay checks on the VALIDATION family pass it, else the
anchors; with exploration the plan-logging policy's), with each world's verdict, also for every
draw of the default world's past; and ``type-posterior`` (``training.type_posterior``: the plan
of best expected value under a posterior of the debtor's kind learnt on the choice family's
simulated worlds); and what the plan-logging policy's exploration costs at each of
``LOGGING_EPSILONS``. ``--policy NAME`` (repeatable) runs registry names instead;
``--champion`` the MLflow champion of the older per-day learner as ``learned``. The rows of the
previous champion run (the per-day learner, 7f6ea87) are carried over, labelled, for comparison.
Baseline searches and ceilings are cached under ``$DUNFLOW_DATA_DIR/cache/baselines``.
"""

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from simulator.baselines import _replay_plans
from simulator.evaluation import evaluate_family, paired
from simulator.families import DEFAULT_REPORT, TEST, Family, cases
from simulator.objective import DEFAULT_OBJECTIVE, Objective
from simulator.outcome import run_case, score
from simulator.plans import PLANS
from simulator.registry import PolicyFactory, make_policy
from training.plan_bench import over_worlds
from training.plan_learner import ESCALATION_RULE as RULE  # the learner's anchors alone

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


def _plan_learner(
    family: Family, jobs: int
) -> tuple[dict[str, PolicyFactory], dict[str, PolicyFactory], str, dict[str, Any]]:
    """The plan learner with the configuration chosen on the validation family, anchored on the
    segment plans reported on ``family`` (chosen on its choice family); its anchors alone; the
    flow as deployed (``training.plan_gated``: the model where the gate's replay checks on the
    VALIDATION family pass it, else the anchors), with each world's verdict; and the
    type-posterior flow (``training.type_posterior``, learnt on the choice family's simulated
    worlds, greedy: no production exploration yet)."""
    from training.plan_gated import (
        DEPLOYED,
        deployed_factory,
        gate_verdicts,
        verdict_row,
        world_key,
    )
    from training.plan_learner import (
        CHOSEN,
        ESCALATION_RULE,
        escalation_rule_factory,
        plan_factory,
        with_segment_defaults,
    )
    from training.type_posterior import TYPE_POSTERIOR, posterior_factory

    cfg = with_segment_defaults(CHOSEN, family)
    todo = cases(family)
    verdicts = gate_verdicts(todo, cfg, jobs=jobs)
    rows = {c.label: verdict_row(verdicts[world_key(c.world())]) for c in todo}
    return (
        {
            "plan-learner": plan_factory(cfg),
            ESCALATION_RULE: escalation_rule_factory(cfg),
            DEPLOYED: deployed_factory(cfg, verdicts),
            TYPE_POSTERIOR: posterior_factory(family),
        },
        {
            "plan-learner": plan_factory(cfg, exploring=True),
            DEPLOYED: deployed_factory(cfg, verdicts, exploring=True),
        },
        f"plan learner (training/plan_learner.py), {CHOSEN.describe()}",
        rows,
    )


def _previous_champion() -> dict[str, Any] | None:
    """The per-day learner's rows from the policy.json this run replaces (labelled)."""
    if not OUT.exists():
        return None
    old = json.loads(OUT.read_text())
    if "previous_champion" in old:
        return dict(old["previous_champion"])
    rows = old.get("default_world", {}).get("summary", {})
    if "learned" not in rows:
        return None
    return {
        "label": "previous champion: the per-day learner (P(pay within 14 days) x value weights)",
        "source": "benchmarks/results/policy.json of commit 7f6ea87 (default world only)",
        "policy": old.get("learned_policy"),
        "default_world": {k: rows[k] for k in ("learned", "learned+exploration") if k in rows},
    }


def _by_name(name: str) -> PolicyFactory:
    return lambda w: make_policy(name, w)


def _default_targets(default: dict[str, Any], name: str) -> dict[str, Any]:
    share = default["summary"][name]["mean_share_of_ceiling"]
    rows = default["worlds"][0]["policies"]
    return {
        "share_of_ceiling_default_world": {
            "value": share, "target": TARGET_SHARE_DEFAULT, "met": share >= TARGET_SHARE_DEFAULT
        },
        "no_worse_than_ladder_default_world": {
            k: {"value": rows[name][k], "ladder": rows["ladder"][k],
                "met": rows[name][k] <= rows["ladder"][k]}
            for k in NO_WORSE
        },
        "limits_held_default_world": rows[name]["limits_held"],
    }  # fmt: skip


def _test_targets(test: dict[str, Any], name: str) -> dict[str, Any]:
    rows = [w["policies"] for w in test["worlds"]]
    n = len(rows)
    wins = sum(
        100 * (r[name]["share_of_ceiling"] - r["segment-fixed"]["share_of_ceiling"])
        >= TARGET_POINTS_OVER_SEGMENT
        for r in rows
    )
    below = sum(r[name]["share_of_ceiling"] < r["best-fixed"]["share_of_ceiling"] for r in rows)
    return {
        "test_worlds_at_least_segment_fixed_plus_3_points": {
            "value": f"{wins}/{n}", "target": f">= {TARGET_WORLD_SHARE:.0%} of worlds",
            "met": wins >= TARGET_WORLD_SHARE * n,
        },
        "test_worlds_below_best_fixed": {"value": below, "target": 0, "met": below == 0},
        "test_worlds_no_worse_than_ladder": {
            k: f"{sum(r[name][k] <= r['ladder'][k] for r in rows)}/{n}" for k in NO_WORSE
        },
        "no_worse_than_ladder_test_family_mean": {
            k: {"value": test["summary"][name][f"mean_{k}"],
                "ladder": test["summary"]["ladder"][f"mean_{k}"],
                "met": test["summary"][name][f"mean_{k}"] <= test["summary"]["ladder"][f"mean_{k}"],
                "paired_difference": paired([r[name][k] - r["ladder"][k] for r in rows],
                                            digits=5 if k.startswith("cost") else 2)}
            for k in NO_WORSE
        },
        "limits_held_test_family": test["summary"][name]["limits_held_in"],
    }  # fmt: skip


def _over_rule(family: dict[str, Any], name: str) -> dict[str, Any]:
    """Points of the ceiling ``name`` gains over its own anchors without the model (the segment
    plans and the escalation after a broken promise), per world and paired: what the model adds."""
    rows = [w["policies"] for w in family["worlds"]]
    pts = [100 * (r[name]["share_of_ceiling"] - r[RULE]["share_of_ceiling"]) for r in rows]
    return paired(pts) | {"per_world": [round(p, 2) for p in pts]}


def _targets(default: dict[str, Any], test: dict[str, Any], name: str) -> dict[str, Any]:
    """The issue's targets for policy ``name``, judged where it ran (each with its figures)."""
    out: dict[str, Any] = {}
    if name in default["summary"]:
        out |= _default_targets(default, name)
    if name in test["summary"]:
        out |= _test_targets(test, name)
    for family in (default, test):
        if name != RULE and name in family["summary"] and RULE in family["summary"]:
            out[f"points_over_{RULE}_{family['family']}"] = _over_rule(family, name)
    out["judged_on"] = [f["family"] for f in (default, test) if name in f["summary"]]
    return out


HISTORY_DRAWS = 8


def _draw_shares(draw: int) -> tuple[float, float, dict[str, Any]]:
    """The plan learner's objective on the default world, learnt from history draw ``draw``; the
    deployed flow's (the model if the gate's replay checks pass it, else the anchors); the
    verdict."""
    from training.plan_gated import deployed_factory, replay_gate, verdict_row, world_key
    from training.plan_learner import CHOSEN, plan_factory, with_segment_defaults

    cfg = replace(with_segment_defaults(CHOSEN, DEFAULT_REPORT), history_draw=draw)
    case = cases(DEFAULT_REPORT)[0]
    verdict = replay_gate(case, cfg)
    deployed = deployed_factory(cfg, {world_key(case.world()): verdict})
    objectives = [
        float(score(run_case(case, name, factory, DEFAULT_OBJECTIVE), DEFAULT_OBJECTIVE)
              ["objective_eur"])
        for name, factory in (("plan-learner", plan_factory(cfg)), ("deployed", deployed))
    ]  # fmt: skip
    return objectives[0], objectives[1], verdict_row(verdict)


def _draws_summary(shares: list[float]) -> dict[str, Any]:
    points = paired([100 * s for s in shares])
    return {
        "shares_of_ceiling": shares,
        "mean_share_of_ceiling": round(float(np.mean(shares)), 4),
        "ci95_points": points["ci95"],
        "min": min(shares),
        "max": max(shares),
        "draws_at_or_above_target": (
            f"{sum(s >= TARGET_SHARE_DEFAULT for s in shares)}/{len(shares)}"
        ),
    }


def _history_draws(default: dict[str, Any], jobs: int) -> dict[str, Any]:
    """The default world's figure is one draw of the creditor's past (the history world the
    learner learns from): the plan learner's share of the ceiling over ``HISTORY_DRAWS`` draws
    (draw 0 is the report's), and the deployed flow's with each draw's gate verdict; evaluation
    only: nothing is chosen on them."""
    ceiling = default["worlds"][0]["ceiling"]["objective_eur"]
    draws = range(HISTORY_DRAWS)
    found = over_worlds(_draw_shares, [(d,) for d in draws], jobs)
    learner = [round(f[0] / ceiling, 4) for f in found]
    deployed = [round(f[1] / ceiling, 4) for f in found]
    return {
        "what": "the plan learner (greedy) on the default world, learnt from other draws of "
        "the creditor's past (training.plan_learner.LearnerConfig.history_draw; draw 0: the "
        "report's), and the flow as deployed from each (training.plan_gated)",
        **_draws_summary(learner),
        "deployed-flow": _draws_summary(deployed) | {"gate": [f[2] for f in found]},
    }


LOGGING_EPSILONS = (0.05, 0.1, 0.2)  # the plan-logging policy's chance of a neighbouring plan


def _logging_objective(name: str, index: int, epsilon: float) -> float:
    """The plan-logging policy's objective (EUR) in world ``index`` of family ``name`` with
    exploration ``epsilon``."""
    from simulator.families import FAMILIES
    from training.plan_learner import CHOSEN, logging_factory, with_segment_defaults

    family = FAMILIES[name]
    factory = logging_factory(with_segment_defaults(CHOSEN, family), epsilon, "plan-logging")
    o = run_case(cases(family)[index], "plan-logging", factory, DEFAULT_OBJECTIVE)
    return float(score(o, DEFAULT_OBJECTIVE)["objective_eur"])


def _exploration_by_epsilon(families: list[dict[str, Any]], jobs: int) -> dict[str, Any]:
    """What the plan-logging policy's exploration costs at each of ``LOGGING_EPSILONS``: the
    share of the ceiling per family and the points below its greedy self (``segment-escalation``,
    paired per world); evaluation only, no choice is made on it."""
    todo = [(f["family"], i, e) for f in families for i in range(f["worlds_n"])
            for e in LOGGING_EPSILONS]  # fmt: skip
    found = over_worlds(_logging_objective, todo, jobs)
    got = dict(zip(todo, found, strict=True))
    out: dict[str, Any] = {}
    for f in families:
        worlds = f["worlds"]
        greedy = [w["policies"][RULE]["share_of_ceiling"] for w in worlds]
        rows: dict[str, Any] = {}
        for e in LOGGING_EPSILONS:
            shares = [got[(f["family"], i, e)] / w["ceiling"]["objective_eur"]
                      for i, w in enumerate(worlds)]  # fmt: skip
            points = [100 * (g - x) for g, x in zip(greedy, shares, strict=True)]
            rows[f"epsilon {e:g}"] = {
                "mean_share_of_ceiling": round(float(np.mean(shares)), 4),
                "points_below_greedy": paired(points),
            }
        out[f["family"]] = rows
    return out


def _deployed_note(gates: dict[str, Any]) -> dict[str, Any]:
    """What ``deployed-flow`` is, and the gate's verdict per world."""
    from training.policy_gate import GateConfig

    return {
        "what": "the flow as the product deploys it (training/plan_gated.py): the plan "
        "learner's model where the promotion gate's replay checks pass it (replayed in every "
        "VALIDATION world: beat segment-fixed and its own anchors, lower ends of the paired 95 % "
        "intervals above 0 EUR per debtor; limits held), else its anchors "
        f"({RULE}); with exploration, the plan-logging policy's",
        "gate": GateConfig().as_dict(),
        "verdicts": gates,
        "promoted": {
            name: f"{sum(v['decision'] == 'pass' for v in rows.values())}/{len(rows)}"
            for name, rows in gates.items()
        },
    }


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
    parser.add_argument("--champion", action="store_true", help="the MLflow champion as learned")
    parser.add_argument(
        "--learned-on",
        default="default,test",
        help="families the learned policies run on (comma-separated; the others: baselines only)",
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="worlds evaluated at a time (forked processes)"
    )
    args = parser.parse_args(argv)
    objective = DEFAULT_OBJECTIVE
    learned = "not asked (--no-learned)"
    gates: dict[str, Any] = {}  # per family, the deployed flow's gate verdict per world

    def policies(family: Family) -> tuple[dict[str, PolicyFactory], dict[str, PolicyFactory]]:
        nonlocal learned
        if args.policy:
            return {n: _by_name(n) for n in args.policy}, {}
        if args.no_learned:
            return {}, {}
        if args.champion:
            greedy, exploring, learned = _champion()
            return greedy, exploring
        greedy, exploring, learned, gates[family.name] = _plan_learner(family, args.jobs)
        return greedy, exploring

    previous = _previous_champion()
    start = time.perf_counter()
    on = set(args.learned_on.split(","))
    asked_names: list[str] = []

    def run(family: Family) -> dict[str, Any]:
        factories, exploring = policies(family) if family.name in on else ({}, {})
        asked_names.extend(n for n in factories if n not in asked_names)
        return evaluate_family(factories, family, objective, exploring=exploring, jobs=args.jobs)

    default, test = run(DEFAULT_REPORT), run(TEST)
    names = [n for n in asked_names if n != RULE] or ["learned"]
    result: dict[str, Any] = {
        "objective": objective.as_dict(),
        "learned_policy": learned,
        "learned_on": sorted(on & {"default", "test"}) if asked_names else [],
        "deployed_flow": _deployed_note(gates) if gates else None,
        "plan_logging_exploration_cost": (
            _exploration_by_epsilon([default, test], args.jobs) if gates else None
        ),
        "previous_champion": previous,
        "targets": {n: _targets(default, test, n) for n in names},
        "default_world_history_draws": (
            _history_draws(default, args.jobs)
            if "plan-learner" in asked_names and "default" in on
            else None
        ),
        "speed": _speed(objective),
        "default_world": default,
        "test_family": test,
        "seconds_total": round(time.perf_counter() - start, 1),
        "python": sys.version.split()[0],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    keys = ("learned_policy", "targets", "default_world_history_draws", "speed", "seconds_total")
    brief = {k: result[k] for k in keys}
    print(json.dumps(brief, indent=2))
    return result


if __name__ == "__main__":
    main()
