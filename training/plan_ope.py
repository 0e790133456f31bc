"""Off-policy evaluation of plan policies against replay truth, on one and the same quantity.

The quantity: per debtor, the creditor's objective (collected - contact cost - stated cost per
complaint) earned from its first checkpoint until its next one, under the plan the policy picks
there. Before a debtor's first checkpoint no policy has touched it, so in a world with common
random numbers its first state is the same under every policy: the logged first checkpoints of the
uniform logging policy (exact propensities) are a contextual-bandit log of exactly this quantity,
and replaying a candidate in the same world measures it without estimation. It is one stage of
the episode, not the whole episode: a whole-episode estimate multiplies one weight per checkpoint
(1/16 each) and leaves too few effective samples to rank anything (ESS in single digits).

``compare(spec, seed, ...)`` logs a history world, fits the reward model for DR on another seed's
log (cross-fitting; one round of the learner, the gain until the next checkpoint: the quantity
estimated, whatever rounds the learned candidates use), estimates every candidate of
:func:`candidates` with IPS, SNIPS and DR (:mod:`training.ope`: ESS and 95 % intervals) and
replays it for the truth; then the Spearman rank correlation and the bias of each estimator
over the candidates. ``python -m training.plan_ope`` writes ``benchmarks/results/plan_ope.json``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats as st

from policy.plan_choice import Choice, PlanObjective
from policy.plan_model import PlanValueModel
from simulator.checkpoints import ARM_OF, WAIT_ARM, arm_label
from simulator.families import DEFAULT_REPORT, cases
from simulator.world_file import WorldSpec
from training.ope import all_estimates
from training.plan_fit import transitions
from training.plan_learner import (
    CHOSEN,
    HISTORY_SEED_OFFSET,
    LearnerConfig,
    learn,
    log_history,
    model_chooser,
)
from training.plan_policy import CheckpointLog, Chooser

B = NDArray[np.bool_]
I = NDArray[np.int64]  # noqa: E741
OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "plan_ope.json"
Rule = Callable[[pd.DataFrame], I]


def first_stage(log: CheckpointLog, objective: PlanObjective) -> dict[str, Any]:
    """Each debtor's first checkpoint: state, arm, propensity, available arms, net value."""
    t = transitions(log)
    first = np.r_[True, t.debtor[1:] != t.debtor[:-1]]
    return {
        "state": t.state[first].reset_index(drop=True),
        "arm": t.arm[first],
        "propensity": t.propensity[first],
        "available": t.available[first],
        "net": objective.value(t.reward[first]),
    }


def _rule(rule: Rule) -> Chooser:
    def chooser(state: pd.DataFrame, avail: B, rng: np.random.Generator) -> Choice:
        arm = rule(state)
        arm = np.where(avail[np.arange(len(state)), arm], arm, WAIT_ARM)
        return Choice(arm, np.ones(len(state)), arm, np.full(len(state), -1))

    return chooser


def _always(arm: int) -> Rule:
    return lambda s: np.full(len(s), arm, dtype=np.int64)


def candidates(model: PlanValueModel, cfg: LearnerConfig) -> dict[str, Chooser]:
    """Deterministic candidate policies over ``cfg``'s arms: every single arm, the learned plan
    policy (with and without the complaint multiplier) and three hand-written segment rules."""
    from policy.plan_choice import GREEDY

    out: dict[str, Chooser] = {}
    for k in np.flatnonzero(cfg.arms):
        out[f"always {arm_label(int(k))}"] = _rule(_always(int(k)))
    out["learned"] = model_chooser(model, cfg.plan_objective, GREEDY)
    out["learned, no multiplier"] = model_chooser(
        model, replace(cfg, lam=0.0).plan_objective, GREEDY
    )
    phone, email = ARM_OF["phone/neutral/7d"], ARM_OF["email/neutral/7d"]
    letter, sms = ARM_OF["letter/firm/7d"], ARM_OF["sms/friendly/7d"]
    out["phone for businesses, e-mail for consumers"] = _rule(
        lambda s: np.where(s["b2c"].to_numpy() == 0, phone, email)
    )
    out["firm letter for the installer, else friendly SMS"] = _rule(
        lambda s: np.where(s["creditor"].to_numpy() == 1, letter, sms)
    )
    out["phone above 500 EUR overdue, else e-mail"] = _rule(
        lambda s: np.where(s["log_overdue_eur"].to_numpy() > np.log1p(500.0), phone, email)
    )
    return out


def _first_net_in_replay(
    spec: WorldSpec, seed: int, debtors: int, days: int, chooser: Chooser, cfg: LearnerConfig
) -> float:
    """Replay truth: the candidate run in the logged world, its first-stage net value."""
    from simulator.config import SimConfig
    from simulator.replay import run
    from simulator.world import World
    from training.plan_policy import PlanPolicy

    world = World(seed, SimConfig(n_debtors=debtors, days=days, world=spec))
    policy = PlanPolicy(world, chooser, "candidate", log=True, arms=cfg.arms)
    run(world, policy.name, lambda _w: policy)
    assert policy.log is not None
    return float(np.mean(first_stage(policy.log, cfg.plan_objective)["net"]))


def compare(
    spec: WorldSpec, seed: int, debtors: int, days: int, cfg: LearnerConfig = CHOSEN
) -> dict[str, Any]:
    """OPE of every candidate against its replay truth in one world (see the module docstring)."""
    objective = cfg.plan_objective
    log = log_history(spec, seed, debtors, days, cfg.arms)
    stage = first_stage(log, objective)
    model = learn(spec, seed + HISTORY_SEED_OFFSET, cfg)  # fitted on another seed's log
    # DR's reward model values the quantity estimated, one stage: the learner's first round
    first = model if cfg.iterations == 1 else learn(spec, seed + HISTORY_SEED_OFFSET,
                                                    replace(cfg, iterations=1))  # fmt: skip
    q_all = objective.value(first.predict(stage["state"]))  # [row, arm]
    rows = np.arange(len(stage["arm"]))
    rng = np.random.default_rng(0)
    table: dict[str, Any] = {}
    for name, chooser in candidates(model, cfg).items():
        target = chooser(stage["state"], stage["available"], rng).arm
        est = all_estimates(
            stage["net"],
            stage["propensity"],
            (target == stage["arm"]).astype(float),
            q_all[rows, stage["arm"]],
            q_all[rows, target],
        )
        truth = _first_net_in_replay(spec, seed, debtors, days, chooser, cfg)
        table[name] = {"truth_eur": round(truth, 2), **{k: e.as_dict() for k, e in est.items()}}
    names = list(table)
    truth_v = [table[n]["truth_eur"] for n in names]
    summary = {}
    for k in ("ips", "snips", "dr"):
        v = [table[n][k]["value"] for n in names]
        rho = st.spearmanr(v, truth_v).statistic
        covered = sum(table[n][k]["ci95"][0] <= table[n]["truth_eur"] <= table[n][k]["ci95"][1]
                      for n in names)  # fmt: skip
        summary[k] = {
            "spearman": round(float(rho), 3),
            "bias_eur": round(float(np.mean(np.subtract(v, truth_v))), 2),
            "mean_abs_error_eur": round(float(np.mean(np.abs(np.subtract(v, truth_v)))), 2),
            "truth_inside_ci95": f"{covered}/{len(names)}",
            "median_ess": round(float(np.median([table[n][k]["effective_sample_size"]
                                                 for n in names])), 1),
        }  # fmt: skip
    return {
        "quantity": "per debtor, objective EUR from the first checkpoint to the next one",
        "world": spec.name,
        "seed": seed,
        "debtors": debtors,
        "days": days,
        "logged_first_checkpoints": int(rows.size),
        "candidates_n": len(names),
        "summary": summary,
        "candidates": table,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debtors", type=int, default=2000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seed", type=int, default=4242)
    args = parser.parse_args(argv)
    spec = cases(DEFAULT_REPORT)[0].spec
    result = compare(spec, args.seed, args.debtors, args.days)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))
    return result


if __name__ == "__main__":
    main()
