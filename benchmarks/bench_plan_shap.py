"""Benchmark: what exact TreeSHAP costs a plan champion's answer, against the boosters' shape.

A plan champion explains each choice against waiting and the runner-up with LightGBM's exact
TreeSHAP (``pred_contrib``) of the three weighed parts on three rows (the chosen plan, waiting, the
runner-up), over the plan boosters' trees that split on a plan column only
(``PlanValueModel.contributions_of(apart=True)``); its cost grows with the number of those trees,
their leaves and their depth (reported per shape). The served plan model (:mod:`served_plan`:
CHOSEN fitted as ``train policy --kind plan`` fits it, on make demo's plan-logged history) is
fitted once per shape of ``SHAPES`` (LightGBM ``max_depth``, ``num_leaves``, rounds) with
everything else equal; on the bench ledger of ``bench_api.py`` (seed 5, 2,000 debtors, 120 days),
for debtors at a checkpoint one at a time, as the API decides them, it measures the CPU of
``decide_for`` with and without the explanation (the difference is what explaining costs), and
``pred_contrib`` of one row of the collected part's plan-column trees. Writes
``benchmarks/results/plan_shap.json``.

This measures cost only. Choosing a shape is the plan learner's (a VALIDATION run on outcomes,
``training/plan_bench.py``'s ``chosen-max-depth-*``, ``chosen-leaves-*``, ``chosen-50-rounds``),
so nothing here changes CHOSEN or the learner's defaults.
"""

import json
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from served_plan import MODEL, plan_log, plan_policy, tree_depths, tree_shapes
from served_policy import bench_ledger
from sqlmodel import Session
from timed_run import machine, run

from policy.decision_path import Pinned, decide_for, situations
from policy.ledger_state import states_from_ledger
from serving.api.snapshots import FeatureSnapshots
from training.plan_learner import CHOSEN

OUT = Path(__file__).resolve().parent / "results" / "plan_shap.json"
SHAPES: dict[str, dict[str, Any]] = {
    "chosen": {},  # CHOSEN's own (training/plan_learner.py: 15 leaves, 6 levels since session 13)
    "no depth limit": {"max_depth": -1},  # session 13's first choice (15 leaves)
    "num_leaves 31, no depth limit": {"num_leaves": 31, "max_depth": -1},  # until session 13
    "max_depth 10": {"max_depth": 10},
    "max_depth 8": {"max_depth": 8},
    "num_leaves 7": {"num_leaves": 7},
    "50 rounds": {"rounds": 50, "learning_rate": 0.2},
}
"""LightGBM parameters changed from CHOSEN's, by name (the plan learner's VALIDATION candidates
and the shapes it replaced)."""
PARAMS = ("num_leaves", "max_depth", "rounds", "learning_rate")  # the shape's, in the JSON
DEBTORS = 120  # decided one at a time, each at a checkpoint
REPEATS = 3  # the least CPU of these per depth (a shared machine only ever adds)


def _cpu_ms(call: Any, n: int) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        t = time.process_time()
        call()
        best = min(best, time.process_time() - t)
    return 1000 * best / n


def _contrib_us(booster: lgb.Booster, x: np.ndarray) -> float:
    """CPU microseconds of ``pred_contrib`` per row, one row per call (as an answer asks)."""
    k = min(len(x), 100)
    return 1000 * _cpu_ms(
        lambda: [booster.predict(x[i : i + 1], pred_contrib=True, num_threads=1) for i in range(k)],
        k,
    )


def main(debtors: int = 2_000, days: int = 120, seed: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        led = bench_ledger(Path(tmp_name), debtors, days, seed, "bench-plan-shap")
        log = plan_log(Path(tmp_name))
        ids = led.ids[:DEBTORS]
        with Session(led.engine) as session:
            states = states_from_ledger(session, ids, led.now)
        cases = situations(states, led.now)  # no plan in force: every debtor at a checkpoint
        snapshots = FeatureSnapshots(led.engine)
        rows: list[dict[str, Any]] = []
        greedy_of_chosen: list[int] = []
        for name, changed in SHAPES.items():
            params = replace(CHOSEN.params, **changed)
            policy = plan_policy(log, params)
            model = policy.model
            assert model is not None
            base = snapshots.plan_base(0, led.creditor_name, ids, led.now, policy, name)
            pinned = Pinned(policy, name)

            def run(explain: bool, pinned: Pinned = pinned, base: Any = base) -> list[Any]:
                return [
                    decide_for([case], led.now, pinned, base=base, explain=explain,
                               with_refusals=False)[0]
                    for case in cases
                ]  # fmt: skip

            answers = run(True)
            assert all(a.plan is not None and a.plan.checkpoint for a in answers)
            greedy = [a.plan.greedy for a in answers if a.plan is not None]
            if not changed:
                greedy_of_chosen = greedy
            with_ms = _cpu_ms(lambda run=run: run(True), len(cases))
            without_ms = _cpu_ms(lambda run=run: run(False), len(cases))
            _, encoded = base.take(ids)
            assert encoded is not None
            design = model._design_matrix(encoded, np.zeros(len(ids), dtype=np.int64))
            trees = [d for b in model.boosters.values() for d in tree_depths(b)]
            explained = model.trees_on_arms("collected_eur")
            assert explained is not None
            rows.append(
                {
                    "shape": name,
                    "params": {k: v for k, v in asdict(params).items() if k in PARAMS},
                    "plan_tree_depth_mean": round(float(np.mean(trees)), 2),
                    "plan_tree_depth_max": int(np.max(trees)),
                    "plan_trees": tree_shapes(policy),
                    "answer_cpu_ms_with_explanation": round(with_ms, 2),
                    "answer_cpu_ms_without_explanation": round(without_ms, 2),
                    "explanation_cpu_ms": round(with_ms - without_ms, 2),
                    "pred_contrib_us_per_row_collected_eur": round(
                        _contrib_us(explained, design), 1
                    ),
                    "greedy_plan_same_as_chosen": round(
                        float(np.mean(np.array(greedy) == np.array(greedy_of_chosen))), 3
                    ),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        led.engine.dispose()
        log.engine.dispose()
    return {
        "by_shape": rows,
        "setup": {
            "ledger": f"simulated, seed {seed}, {debtors} debtors, {days} days (SQLite)",
            "model": f"{MODEL}; CHOSEN's parameters (num_leaves {CHOSEN.params.num_leaves}, "
            f"{CHOSEN.params.rounds} rounds, baseline {CHOSEN.params.baseline_rounds}, max_depth "
            f"{CHOSEN.params.max_depth}) but for the shape's",
            "answers": f"{len(cases)} debtors decided one at a time at a checkpoint by "
            "policy.decision_path.decide_for on the day's encoded plan state rows, no refusals; "
            f"CPU per answer, the least of {REPEATS} passes",
            "explanation": "TreeSHAP (pred_contrib) of the chosen plan, waiting and the runner-up "
            "for the 3 weighed parts over the plan boosters' trees that split on a plan column "
            "(3 rows x 3 boosters of those trees), the parts from the decision's predictions, "
            "and the text",
            "pred_contrib_us_per_row_collected_eur": "the collected part's plan-column trees, one "
            "row per call, num_threads=1, CPU microseconds",
            "greedy_plan_same_as_chosen": "share of debtors whose best plan is the one CHOSEN's "
            "shape picks: how much the model changes, not whether it got better or worse",
        },
        "reading": "exact TreeSHAP costs O(leaves x depth^2) per tree and row: fewer, smaller or "
        "shallower trees cut the explanation's CPU; which shape (if any) keeps the plan "
        "learner's quality is chosen on VALIDATION worlds by the plan learner, not from this "
        "table",
        "machine": machine(),
    }


if __name__ == "__main__":
    run(main, OUT)
