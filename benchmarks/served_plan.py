"""A plan champion for ``bench_api.py``: the plan model (``CHOSEN``'s arms and parameters) trained
on the bench ledger's live plan state rows with SYNTHETIC targets (latency depends on the model's
size, not on what it learned), registered as a new version of ``dunning-policy``."""

from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from features import load_frames
from features.plan_state import PLAN_STATE_FEATURES, plan_state
from policy.plan_model import COMPONENTS, PlanModelParams, PlanValueModel
from policy.plan_pyfunc import PlanDunningPolicy
from training.plan_fit import arm_table
from training.plan_learner import CHOSEN


def plan_policy(
    engine: Engine,
    creditor: str,
    now: datetime,
    seed: int,
    params: PlanModelParams = CHOSEN.params,
) -> PlanDunningPolicy:
    """CHOSEN's plan policy on the ledger's live state rows (``params``: other booster parameters,
    for measuring what they cost; the targets are the same)."""
    rng = np.random.default_rng(seed)
    frames = load_frames(engine, creditor)
    as_of = pd.Timestamp(now).tz_convert("UTC").floor("D")
    debtors = frames.debtors["debtor_id"].astype("int64").to_numpy()
    state = plan_state(frames, pd.DataFrame({"debtor_id": debtors, "as_of": as_of}))
    arms = arm_table()
    allowed = np.flatnonzero(CHOSEN.arms)
    n = len(state)
    arm = rng.choice(allowed, n)
    channel = arms["plan_channel"].to_numpy()[arm]
    late = state["hist_share_late"].fillna(0).to_numpy() > 0.3
    share = np.where(channel < 0, 0.1, np.where(late == (channel == 3), 0.5, 0.25))
    owed = state["overdue_amount"].fillna(0).to_numpy()
    targets = np.column_stack(
        [owed * share + rng.normal(0, 5, n), np.where(channel < 0, 0, 2.0),
         np.where(channel < 0, 0, 0.02), np.where(channel < 0, 0, 2.0)]
    )  # fmt: skip
    assert targets.shape[1] == len(COMPONENTS)
    cats = tuple(c for c in PLAN_STATE_FEATURES if isinstance(state[c].dtype, pd.CategoricalDtype))
    model = PlanValueModel(arms, PLAN_STATE_FEATURES, cats, params)
    model.fit(state.reset_index(drop=True), arm, targets)
    return PlanDunningPolicy(
        model, CHOSEN.plan_objective, CHOSEN.exploration,
        allowed_arms=tuple(int(k) for k in allowed), state_source="ledger",
    )  # fmt: skip


def log_plan_version(policy: PlanDunningPolicy, folder: Path, name: str) -> str:
    """One more registered version of ``name`` in the current experiment."""
    import mlflow

    saved = policy.save_artifacts(folder)
    shell = PlanDunningPolicy(None, policy.objective, policy.exploration, policy.channels,
                              policy.tones, policy.allowed_arms, policy.state_source)  # fmt: skip
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(
            name="policy", python_model=shell, artifacts={"policy": str(saved)},
            registered_model_name=name,
        )  # fmt: skip
    return str(info.registered_model_version)
