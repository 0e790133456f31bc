"""Benchmark: the closed loop (``dunflow simulate loop``) and the cold start of a new creditor.

Writes ``benchmarks/results/loop.json``:

* ``loop``, per gate reference: each round's candidate (greedy) share of the ceiling in the first
  three validation worlds, the reference's, the gate's verdict and failed checks, what was deployed
  next and its coverage of the action space. ``segment-fixed`` is the gate's bar; ``ladder`` runs
  beside it so that a champion gets deployed and its exploration's coverage is measured.
* ``cold_start``: the new creditor's (webshop's) debtors over its first 60 days
  (:mod:`simulator.cold_start`): ladder, best-fixed, segment-fixed, type-plan, the plan learner
  trained on the old creditors only (``champion (cold)``) and, for comparison, trained on a
  history that includes the webshop (``plan-learner (webshop history)``); each also anchored as
  a newcomer would deploy it (``..., anchored``: :func:`newcomer_config`, the segment plans
  chosen on VALIDATION, ``segment-fixed``'s newcomer plans for the webshop).

Part of ``make bench``; run alone: ``python benchmarks/bench_loop.py [--part loop|cold-start]``.
"""

import argparse
import functools
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from policy.plan_choice import TopK
from simulator.cold_start import KINDS, evaluate_cold_start, newcomer_plans
from simulator.families import VALIDATION
from simulator.objective import DEFAULT_OBJECTIVE
from simulator.world import World
from simulator.world_file import DEFAULT_WORLD_PATH, load_world
from training.plan_learner import (
    CHOSEN,
    LearnerConfig,
    config_chooser,
    learn,
    plan_factory,
    with_segment_defaults,
)
from training.plan_policy import PlanPolicy
from training.policy_loop import LoopConfig, run_loop

OUT = Path(__file__).resolve().parent / "results" / "loop.json"


def _save(body: dict[str, Any]) -> None:
    """Each part as soon as it is done, beside what the file already holds (a part run alone
    keeps the other's figures)."""
    found = json.loads(OUT.read_text()) if OUT.exists() else {}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(found | body, indent=2))


def loop(body: dict[str, Any], rounds: int, references: tuple[str, ...]) -> None:
    # a reference run alone keeps the others' rounds (each names the learner it ran)
    found = json.loads(OUT.read_text()).get("loop", {}) if OUT.exists() else {}
    loops = body.setdefault("loop", found)
    for ref in references:
        start = time.perf_counter()
        loops[ref] = run_loop(LoopConfig(rounds=rounds, reference=ref), progress=print)
        print(f"loop, bar {ref}: {time.perf_counter() - start:.0f} s")
        _save(body)


def cold_champion(world: World) -> PlanPolicy:
    """The plan learner trained on the default world's history (the old creditors only)."""
    model = learn(load_world(DEFAULT_WORLD_PATH), world.seed, CHOSEN)
    chooser = config_chooser(model, CHOSEN, TopK())
    return PlanPolicy(world, chooser, "champion (cold)", arms=CHOSEN.arms)


@functools.cache
def newcomer_config() -> LearnerConfig:
    """``CHOSEN`` as a newcomer would deploy it: anchored on the old creditors' segment plans
    (chosen on VALIDATION, as for the policy report) and, for the webshop's B2B and B2C
    segments, on the plans ``segment-fixed`` gives a newcomer (chosen on VALIDATION too:
    nothing is chosen on the webshop)."""
    old = with_segment_defaults(CHOSEN, VALIDATION)
    new = newcomer_plans(DEFAULT_OBJECTIVE)["segment-fixed"]
    return replace(old, defaults=(*old.defaults, *(new[k].label for k in KINDS)))


def cold_anchored(world: World) -> PlanPolicy:
    """The cold champion (trained on the old creditors' history only) anchored on the plans a
    newcomer states (:func:`newcomer_config`), as the API serves an anchored champion."""
    cfg = newcomer_config()
    model = learn(load_world(DEFAULT_WORLD_PATH), world.seed, cfg)
    chooser = config_chooser(model, cfg, TopK())
    return PlanPolicy(world, chooser, "champion (cold, anchored)", arms=cfg.arms)


def cold_start(body: dict[str, Any]) -> None:
    factories = {
        "champion (cold)": cold_champion,
        "champion (cold, anchored)": cold_anchored,
        "plan-learner (webshop history)": plan_factory(CHOSEN),
        "plan-learner (webshop history, anchored)": plan_factory(newcomer_config()),
    }
    body["cold_start"] = evaluate_cold_start(factories, DEFAULT_OBJECTIVE)
    body["cold_start"]["learner"] = CHOSEN.describe()
    body["cold_start"]["anchored_learner"] = newcomer_config().describe()
    print(json.dumps(body["cold_start"]["summary"], indent=2))
    _save(body)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--part", choices=("loop", "cold-start"), action="append")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--reference", action="append")
    args = parser.parse_args()
    parts = args.part or ["loop", "cold-start"]
    body: dict[str, Any] = {}
    if "cold-start" in parts:
        cold_start(body)
    if "loop" in parts:
        loop(body, args.rounds, tuple(args.reference or ("segment-fixed", "ladder")))
    print(f"wrote {OUT}")
