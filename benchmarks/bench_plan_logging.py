"""Benchmark: what a targeted plan log buys the plan learner's off-policy check against a uniform
one, on ledgers of the same size.

Writes ``benchmarks/results/plan_logging.json``. Per logger, a plan-logged ledger of ``make
demo``'s size (seed 7, 2,000 debtors x 180 days, the default world): ``uniform`` is ``dunflow
simulate --logging plan`` (a uniformly random plan among ``CHOSEN.logged_arms`` at every
checkpoint), ``targeted-<epsilon>`` the plan-logging policy a creditor serves
(:class:`policy.plan_logging.PlanLoggingPolicy` through :func:`training.plan_learner
.targeted_logger`: each segment's stated plan, make demo's ``SEGMENT_PLANS``, with 1 - epsilon,
else a reachable neighbour). On each, ``CHOSEN`` is fitted as ``dunflow train policy --kind plan``
fits it, anchored on the same stated plans (:func:`training.plan_run.fit_plan`), and judged by
the gate's off-policy check (:func:`training.plan_run.off_policy`: the greedy candidate's gain over
the logging policy per held-out checkpoint, paired per logged decision, its effective sample size
against the gate's minimum) and its hold-out checks; with ``--replay`` also by the gate's replay in
``default-validation`` (``--gate-worlds``, default 1: ``default@9001``). ``CHOSEN`` and the
learner's defaults are not changed.

    python -m benchmarks.bench_plan_logging [--epsilon 0.2 --epsilon 0.1] [--replay]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from dunflow.demo import SEGMENT_PLANS
from ledger import migrate
from ledger.db import make_engine
from simulator.checkpoints import WAIT_ARM
from simulator.config import SimConfig
from simulator.ledger_rows import stated_arms
from simulator.world_file import default_world
from training.plan_learner import CHOSEN, targeted_logger
from training.plan_ledger import ledger_checkpoints, simulate_plan_ledger
from training.plan_logging_run import chosen_logging_policy
from training.plan_policy import Chooser, uniform_chooser
from training.plan_run import PlanRunConfig, fit_plan, gate, holdout, off_policy, stated_plans

SEED, DEBTORS, DAYS = 7, 2_000, 180  # make demo's plan-logging history
OUT = Path(__file__).parent / "results" / "plan_logging.json"


def stated_codes() -> np.ndarray:
    """``SEGMENT_PLANS``' arm per simulator segment code (-1: none stated)."""
    arms, errors = stated_arms([c.name for c in default_world().creditors], SEGMENT_PLANS)
    assert not errors, errors
    return arms


def measure(name: str, chooser: Chooser, arms: Any, folder: Path, replay: bool,
            worlds: int) -> dict[str, Any]:  # fmt: skip
    url = f"sqlite:///{folder / f'{name}.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    sim = SimConfig(n_debtors=DEBTORS, days=DAYS, world=default_world())
    simulate_plan_ledger(engine, SEED, sim, arms=arms, chooser=chooser)
    data = ledger_checkpoints(engine)
    plans = stated_plans(engine, tuple(SEGMENT_PLANS.items()))
    cfg = PlanRunConfig(segment_plans=plans, gate_family="default-validation", gate_worlds=worlds)
    fit = fit_plan(data, cfg)
    objective = fit.policy.objective
    ope = off_policy(fit, objective, cfg.gate().min_ess)
    log_arm, prop = data.log.arm[0], data.log.propensity[0]
    out: dict[str, Any] = {
        "checkpoints": len(log_arm),
        "learnt_from": int(fit.train.size),
        "held_out": int(fit.test.size),
        # one debtor's bulk payment can dominate the hold-out errors: where it falls (learnt
        # from or held out) depends on the logger
        "largest_reward_eur": {
            "learnt_from": round(float(objective.value(fit.q.t.reward[fit.train]).max()), 2),
            "held_out": round(float(objective.value(fit.t.reward[fit.test]).max()), 2),
        },
        "distinct_plans_logged": len(set(log_arm.tolist())),
        "waits_logged_share": round(float(np.mean(log_arm == WAIT_ARM)), 4),
        "propensity_min": round(float(prop.min()), 4),
        "propensity_mean": round(float(prop.mean()), 4),
        "ope": {"passed": ope.passed, **ope.figures},
        "holdout": holdout(fit, objective),
    }
    if replay:
        verdict, figures = gate(fit, cfg)
        out["gate"] = verdict.as_dict()
        out["gate_replay"] = figures["gate_replay"]
    out["seconds"] = round(time.perf_counter() - started, 1)
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epsilon", type=float, action="append")
    parser.add_argument("--replay", action="store_true")
    parser.add_argument("--gate-worlds", type=int, default=1)
    args = parser.parse_args()
    stated = stated_codes()
    loggers: dict[str, tuple[Chooser, Any]] = {"uniform": (uniform_chooser, CHOSEN.logged_arms)}
    for eps in args.epsilon or [0.2]:
        loggers[f"targeted-{eps:g}"] = (
            targeted_logger(chosen_logging_policy(eps, ledger=False), stated),
            None,
        )
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (chooser, arms) in loggers.items():
            results[name] = measure(name, chooser, arms, Path(tmp), args.replay, args.gate_worlds)
            ope = results[name]["ope"]
            gain, (low, high) = ope["gain"], ope["gain_ci95"]
            print(f"{name}: {results[name]['checkpoints']} checkpoints, ESS "
                  f"{ope['effective_sample_size']:.0f} (min {ope['min_effective_sample_size']:g}), "
                  f"paired gain over the logging policy {gain:.0f} cents ({low:.0f} to {high:.0f}),"
                  f" {results[name]['seconds']} s", flush=True)  # fmt: skip
    report = {
        "what": __doc__.split("\n\n")[1].replace("\n", " "),
        "ledger": {"seed": SEED, "debtors": DEBTORS, "days": DAYS, "world": "default"},
        "segment_plans": SEGMENT_PLANS,
        "learner": CHOSEN.describe(),
        "loggers": results,
    }
    OUT.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
