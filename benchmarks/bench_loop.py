"""Benchmark: the closed loop (``dunflow simulate loop``) and the cold start of a new creditor.

Writes ``benchmarks/results/loop.json``:

* ``loop``, per gate reference: each round's candidate (greedy) share of the ceiling in the first
  three validation worlds, the reference's, the gate's verdict and failed checks, what was deployed
  next and its coverage of the action space. ``segment-fixed`` is the gate's bar; ``ladder`` runs
  beside it so that a champion gets deployed and its exploration's coverage is measured.
* ``cold_start``: the new creditor's (webshop's) debtors over its first 60 days
  (:mod:`simulator.cold_start`): ladder, best-fixed, segment-fixed, type-plan, the plan learner
  trained on the old creditors only (``champion (cold)``) and, for comparison, trained on a
  history that includes the webshop (``plan-learner (webshop history)``).

Part of ``make bench``; run alone: ``python benchmarks/bench_loop.py [--part loop|cold-start]``.
"""

import argparse
import json
import time
from pathlib import Path
from typing import Any

from policy.plan_choice import TopK
from simulator.cold_start import evaluate_cold_start
from simulator.objective import DEFAULT_OBJECTIVE
from simulator.world import World
from simulator.world_file import DEFAULT_WORLD_PATH, load_world
from training.plan_learner import CHOSEN, learn, model_chooser, plan_factory
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
    chooser = model_chooser(model, CHOSEN.plan_objective, TopK())
    return PlanPolicy(world, chooser, "champion (cold)", arms=CHOSEN.arms)


def cold_start(body: dict[str, Any]) -> None:
    factories = {
        "champion (cold)": cold_champion,
        "plan-learner (webshop history)": plan_factory(CHOSEN),
    }
    body["cold_start"] = evaluate_cold_start(factories, DEFAULT_OBJECTIVE)
    body["cold_start"]["learner"] = CHOSEN.describe()
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
