"""Benchmark: what exact TreeSHAP costs a plan champion's answer, against the boosters' depth.

A plan champion explains each choice against waiting and the runner-up with LightGBM's exact
TreeSHAP (``pred_contrib``) of three parts (the plan booster on three rows, the state baseline on
one), whose cost grows with the square of the trees' depth; CHOSEN's boosters (31 leaves, no depth
limit) grow trees 14-16 levels deep on average. On the bench ledger of ``bench_api.py`` (seed 5,
2,000 debtors, 120 days) the served plan model (:mod:`served_plan`: CHOSEN's arms and parameters,
SYNTHETIC targets) is trained once per LightGBM ``max_depth`` with everything else equal, and for
debtors at a checkpoint one at a time, as the API decides them, it measures the CPU of
``decide_for`` with and without the explanation (the difference is what explaining costs), and
``pred_contrib`` of one row per booster. Writes ``benchmarks/results/plan_shap.json``.

This measures cost only. Choosing ``max_depth`` is the plan learner's (a VALIDATION run on
outcomes, not synthetic targets), so nothing here changes CHOSEN or the learner's defaults.
"""

import json
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from served_plan import plan_policy
from served_policy import bench_ledger
from sqlmodel import Session
from timed_run import machine, run

from policy.decision_path import Pinned, decide_for, situations
from policy.ledger_state import states_from_ledger
from serving.api.snapshots import FeatureSnapshots
from training.plan_learner import CHOSEN

OUT = Path(__file__).resolve().parent / "results" / "plan_shap.json"
DEPTHS = (-1, 16, 12, 10, 8, 6)  # -1: LightGBM's default, no limit (CHOSEN's)
DEBTORS = 120  # decided one at a time, each at a checkpoint
REPEATS = 3  # the least CPU of these per depth (a shared machine only ever adds)


def _depths(booster: lgb.Booster) -> list[int]:
    def depth(node: dict[str, Any]) -> int:
        if "split_index" not in node:
            return 0
        return 1 + max(depth(node["left_child"]), depth(node["right_child"]))

    return [depth(t["tree_structure"]) for t in booster.dump_model()["tree_info"]]


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
        ids = led.ids[:DEBTORS]
        with Session(led.engine) as session:
            states = states_from_ledger(session, ids, led.now)
        cases = situations(states, led.now)  # no plan in force: every debtor at a checkpoint
        snapshots = FeatureSnapshots(led.engine)
        rows: list[dict[str, Any]] = []
        greedy_at_default: list[int] = []
        for depth in DEPTHS:
            params = replace(CHOSEN.params, max_depth=depth)
            policy = plan_policy(led.engine, led.creditor_name, led.now, seed, params)
            model = policy.model
            assert model is not None
            version = f"max_depth={depth}"
            base = snapshots.plan_base(0, led.creditor_name, ids, led.now, policy, version)
            pinned = Pinned(policy, version)

            def run(explain: bool, pinned: Pinned = pinned, base: Any = base) -> list[Any]:
                return [
                    decide_for([case], led.now, pinned, base=base, explain=explain,
                               with_refusals=False)[0]
                    for case in cases
                ]  # fmt: skip

            answers = run(True)
            assert all(a.plan is not None and a.plan.checkpoint for a in answers)
            greedy = [a.plan.greedy for a in answers if a.plan is not None]
            if depth == -1:
                greedy_at_default = greedy
            with_ms = _cpu_ms(lambda run=run: run(True), len(cases))
            without_ms = _cpu_ms(lambda run=run: run(False), len(cases))
            _, encoded = base.take(ids)
            assert encoded is not None
            design = model._design_matrix(encoded, np.zeros(len(ids), dtype=np.int64))
            tree_depths = [d for b in model.boosters.values() for d in _depths(b)]
            rows.append(
                {
                    "max_depth": depth,
                    "plan_tree_depth_mean": round(float(np.mean(tree_depths)), 2),
                    "plan_tree_depth_max": int(np.max(tree_depths)),
                    "answer_cpu_ms_with_explanation": round(with_ms, 2),
                    "answer_cpu_ms_without_explanation": round(without_ms, 2),
                    "explanation_cpu_ms": round(with_ms - without_ms, 2),
                    "pred_contrib_us_per_row": {
                        "plan_collected_eur": round(
                            _contrib_us(model.boosters["collected_eur"], design), 1
                        ),
                        "baseline_collected_eur": round(
                            _contrib_us(model.baselines["collected_eur"], encoded), 1
                        ),
                    },
                    "greedy_plan_same_as_no_limit": round(
                        float(np.mean(np.array(greedy) == np.array(greedy_at_default))), 3
                    ),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        led.engine.dispose()
    return {
        "by_max_depth": rows,
        "setup": {
            "ledger": f"simulated, seed {seed}, {debtors} debtors, {days} days (SQLite)",
            "model": "plan value model, CHOSEN's arms and parameters (num_leaves "
            f"{CHOSEN.params.num_leaves}, {CHOSEN.params.rounds} rounds, baseline "
            f"{CHOSEN.params.baseline_rounds}) with LightGBM max_depth as given (-1: no limit, "
            "CHOSEN's), SYNTHETIC targets (benchmarks/served_plan.py)",
            "answers": f"{len(cases)} debtors decided one at a time at a checkpoint by "
            "policy.decision_path.decide_for on the day's encoded plan state rows, no refusals; "
            f"CPU per answer, the least of {REPEATS} passes",
            "explanation": "TreeSHAP (pred_contrib) of the chosen plan, waiting and the runner-up "
            "for the 3 told parts (plan booster on 3 rows + state baseline on 1) and the text",
            "pred_contrib_us_per_row": "one row per call, num_threads=1, CPU microseconds",
            "greedy_plan_same_as_no_limit": "share of debtors whose best plan is the one the "
            "unlimited model picks: with synthetic targets this says how much the model "
            "changes, not whether it got better or worse",
        },
        "reading": "exact TreeSHAP costs O(leaves x depth^2) per tree: capping the depth cuts "
        "the explanation's CPU; which cap (if any) keeps the plan learner's quality must be "
        "chosen on VALIDATION worlds by the plan learner, not from this table",
        "machine": machine(),
    }


if __name__ == "__main__":
    run(main, OUT)
