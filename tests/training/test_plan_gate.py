"""The gate on a plan candidate trained from the ledger's plan decisions names each check with its
figures, passes a candidate that learnt which plan pays for whom, and refuses a deliberately
weakened one (the same learner on shuffled targets).

The checkpoints are synthetic with a known answer: late payers pay under a phone plan, punctual
ones under an e-mail plan, waiting collects least; the logger chose uniformly among three arms
(exact propensity 1/3)."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from features.plan_state import CHECKPOINT_FEATURES, PLAN_STATE_FEATURES
from policy.plan_clock import stage_of
from policy.plan_model import PlanModelParams
from simulator.checkpoints import N_ARMS, WAIT_ARM, arm_label
from tests.factories import synthetic_base
from training.plan_learner import CHOSEN
from training.plan_ledger import ARM_OF, LedgerCheckpoints
from training.plan_policy import CheckpointLog
from training.plan_run import PlanRunConfig, fit_plan, gate

N = 3000
PHONE, EMAIL = ARM_OF["phone/neutral/7d"], ARM_OF["email/neutral/7d"]


def _checkpoints(seed: int = 0) -> LedgerCheckpoints:
    rng = np.random.default_rng(seed)
    state = synthetic_base(N, rng)
    for name in CHECKPOINT_FEATURES:
        state[name] = rng.integers(0, 30, N).astype(float)
    state = state[list(PLAN_STATE_FEATURES)].copy()
    state["stage"] = [stage_of(int(d)) for d in state["dpd"]]
    arms = np.array([PHONE, EMAIL, WAIT_ARM])
    arm = arms[rng.integers(0, 3, N)]
    late = state["hist_share_late"].to_numpy() > 0.5
    best = np.where(late, PHONE, EMAIL)
    collected = np.where(arm == best, 300.0, np.where(arm == WAIT_ARM, 40.0, 90.0))
    collected += rng.normal(0, 40, N)
    contacts = np.where(arm == WAIT_ARM, 0.0, 2.0)
    final = np.column_stack([collected, 1.5 * contacts, 0.01 * contacts, contacts])
    avail = np.zeros((N, N_ARMS), dtype=bool)
    avail[:, arms] = True
    log = CheckpointLog(days=400)
    log.states = [state.reset_index(drop=True)]
    log.debtor = [np.arange(N)]  # one checkpoint per debtor: its reward runs to the log's end
    log.day = [np.sort(rng.integers(0, 300, N))]
    log.arm = [arm]
    log.propensity = [np.full(N, 1 / 3)]
    log.available = [avail]
    log.totals = [np.zeros((N, 4))]
    log.final_totals = final
    return LedgerCheckpoints(log, np.arange(1, N + 1), pd.Timestamp("2026-01-01", tz="UTC"), None)


@pytest.fixture(scope="module")
def data() -> LedgerCheckpoints:
    return _checkpoints()


def test_the_gate_passes_a_learner_that_learnt_and_refuses_a_weakened_one(
    data: LedgerCheckpoints,
) -> None:
    small = PlanModelParams(rounds=40, learning_rate=0.1, baseline_rounds=20)
    cfg = PlanRunConfig(learner=replace(CHOSEN, params=small), gate_worlds=0, referee=small)
    good, _ = gate(fit_plan(data, cfg), cfg, replay=False)
    names = [c.name for c in good.checks]
    assert names == ["value_rmse_vs_linear", "value_rmse_vs_prior", "ope_lower_bound_vs_logging"]
    assert good.passed, good.as_dict()
    weak, figures = gate(fit_plan(data, cfg, shuffle=1), cfg, replay=False)
    assert not weak.passed
    assert {"value_rmse_vs_linear", "value_rmse_vs_prior"} <= set(weak.failed)
    assert figures["holdout"]["value_rmse"] > figures["holdout"]["value_baseline_prior_rmse"]
    assert arm_label(PHONE) == "phone/neutral/7d"
