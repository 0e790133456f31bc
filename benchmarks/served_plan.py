"""A plan champion for ``bench_api.py`` and ``bench_plan_shap.py``, fitted the way production fits
one: CHOSEN (or CHOSEN with other booster parameters) by ``training.plan_run.fit_plan``, what
``dunflow train policy --kind plan`` runs before its gate, on a ledger whose history the uniform
plan-logging policy wrote (``dunflow simulate --logging plan``, seed 7, 2,000 debtors x 180 days,
as ``make demo`` steps 7-9 do, anchored on the demo's segment plans). The gate and the registry
are left out (they judge the model; they do not change it). Its trees are what a real plan model
grows on the simulator's history, so the explanation's cost is production's, not that of deeper
trees fitted to synthetic targets. Not a ``bench_*`` script itself.
"""

import copy
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from sqlalchemy import Engine

from dunflow.demo import SEGMENT_PLANS
from ledger import migrate
from ledger.db import make_engine
from policy.plan_model import PlanModelParams
from policy.plan_pyfunc import PlanDunningPolicy
from simulator.config import SimConfig
from training.plan_learner import CHOSEN
from training.plan_ledger import LedgerCheckpoints, ledger_checkpoints, simulate_plan_ledger
from training.plan_run import PlanRunConfig, fit_plan, stated_plans

SEED, DEBTORS, DAYS = 7, 2_000, 180  # make demo's plan-logging history
MODEL = (
    f"plan value model fitted as `train policy --kind plan` fits it (training.plan_run.fit_plan: "
    f"CHOSEN, fitted-Q, anchored on make demo's segment plans; no gate) on a plan-logged ledger "
    f"(uniform plan-logging policy, seed {SEED}, {DEBTORS:,} debtors x {DAYS} days, as make demo "
    "steps 7-9), served on the bench ledger (benchmarks/served_plan.py)"
)
"""What the served plan model is, for the benches' JSON."""


@dataclass(frozen=True)
class PlanLog:
    """The plan-logged ledger and its checkpoint log, fitted from as often as a bench asks."""

    engine: Engine
    data: LedgerCheckpoints
    segment_plans: tuple[tuple[str, str], ...]


def plan_log(tmp: Path) -> PlanLog:
    """Simulate the plan-logging history into a SQLite ledger in ``tmp`` (about 10 s)."""
    db = f"sqlite:///{tmp / 'plan-logged.db'}"
    migrate.upgrade(db)
    engine = make_engine(db)
    simulate_plan_ledger(engine, SEED, SimConfig(n_debtors=DEBTORS, days=DAYS),
                         arms=CHOSEN.logged_arms)  # fmt: skip
    plans = stated_plans(engine, tuple(SEGMENT_PLANS.items()))
    return PlanLog(engine, ledger_checkpoints(engine), plans)


def plan_policy(log: PlanLog, params: PlanModelParams = CHOSEN.params) -> PlanDunningPolicy:
    """CHOSEN's plan policy fitted on ``log`` (``params``: other booster parameters, for
    measuring what they cost; everything else as CHOSEN)."""
    learner = replace(CHOSEN, params=params)
    cfg = PlanRunConfig(learner=learner, segment_plans=log.segment_plans)
    return fit_plan(log.data, cfg).policy


def tree_depths(booster: lgb.Booster) -> list[int]:
    """The depth of each of the booster's trees."""

    def depth(node: dict[str, Any]) -> int:
        if "split_index" not in node:
            return 0
        return 1 + max(depth(node["left_child"]), depth(node["right_child"]))

    return [depth(t["tree_structure"]) for t in booster.dump_model()["tree_info"]]


def tree_shapes(policy: PlanDunningPolicy) -> dict[str, Any]:
    """The plan boosters' shape, per weighed part: mean/max depth, mean leaves, trees that split
    on a plan column (those the explanation walks) of all."""
    model = policy.model
    assert model is not None
    out: dict[str, Any] = {}
    for part, booster in model.boosters.items():
        depths = tree_depths(booster)
        leaves = [t["num_leaves"] for t in booster.dump_model()["tree_info"]]
        on_plan = model.trees_on_arms(part)
        out[part] = {
            "depth_mean": round(float(np.mean(depths)), 2),
            "depth_max": int(np.max(depths)),
            "leaves_mean": round(float(np.mean(leaves)), 1),
            "trees_on_a_plan_column": f"{on_plan.num_trees() if on_plan else 0}/"
            f"{booster.num_trees()}",
        }
    return out


def log_plan_version(policy: PlanDunningPolicy, folder: Path, name: str) -> str:
    """One more registered version of ``name`` in the current experiment."""
    import mlflow

    saved = policy.save_artifacts(folder)
    shell = copy.copy(policy)  # the configuration; the boosters travel as artifacts (as
    shell.model = None  # training.plan_run logs a plan policy)
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="policy", python_model=shell, artifacts={"policy": str(saved)},
            registered_model_name=name,
        )  # fmt: skip
    return str(info.registered_model_version)
