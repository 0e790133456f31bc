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

from features.plan_state import CHECKPOINT_FEATURES, EXPECTED_DAYS_LATE, PLAN_STATE_FEATURES
from policy.plan_clock import stage_of
from policy.plan_model import PlanModelParams
from simulator.checkpoints import ARM_OF, N_ARMS, WAIT_ARM, arm_label
from tests.factories import synthetic_base
from training.plan_learner import CHOSEN, SESSION_15
from training.plan_ledger import TOTALS, LedgerCheckpoints
from training.plan_policy import CheckpointLog
from training.plan_run import PlanRunConfig, fit_plan, gate

N = 3000
HOLDOUT = ["value_rmse_vs_linear", "value_rmse_vs_prior", "reward_rmse_vs_linear",
           "reward_rmse_vs_prior"]  # fmt: skip
PHONE, EMAIL = ARM_OF["phone/neutral/7d"], ARM_OF["email/neutral/7d"]


def _checkpoints(seed: int = 0) -> LedgerCheckpoints:
    """``N`` debtors with two checkpoints each, 14 days apart in one episode; what the plan
    chosen at a checkpoint gains arrives 10 days after it."""
    rng = np.random.default_rng(seed)
    n = N // 2
    first = synthetic_base(n, rng)
    for name in CHECKPOINT_FEATURES:
        first[name] = rng.integers(0, 30, n).astype(float)
    first["creditor"] = pd.Categorical(["1"] * n)
    first[EXPECTED_DAYS_LATE] = np.nan  # no payment-time model: the learner still learns
    first = first[list(PLAN_STATE_FEATURES)].copy()
    second = first.copy()
    second["dpd"] = first["dpd"] + 14
    state = pd.concat([first, second], ignore_index=True)
    state["stage"] = [stage_of(int(d)) for d in state["dpd"]]
    debtor = np.tile(np.arange(n), 2)
    start_day = rng.integers(0, 300, n)
    day = np.concatenate([start_day, start_day + 14])
    arms = np.array([PHONE, EMAIL, WAIT_ARM])
    arm = arms[rng.integers(0, 3, N)]
    late = state["hist_share_late"].to_numpy() > 0.5
    best = np.where(late, PHONE, EMAIL)
    collected = np.where(arm == best, 300.0, np.where(arm == WAIT_ARM, 40.0, 90.0))
    collected += rng.normal(0, 40, N)
    contacts = np.where(arm == WAIT_ARM, 0.0, 2.0)
    gained = np.column_stack([collected, 1.5 * contacts, 0.01 * contacts, contacts])
    avail = np.zeros((N, N_ARMS), dtype=bool)
    avail[:, arms] = True
    log = CheckpointLog(days=400)
    log.states = [state]
    log.debtor = [debtor]
    log.day = [day]
    log.arm = [arm]
    log.propensity = [np.full(N, 1 / 3)]
    log.available = [avail]
    log.totals = [np.vstack([np.zeros((n, 4)), gained[:n]])]
    log.final_totals = gained[:n] + gained[n:]
    start = pd.Timestamp("2026-01-01", tz="UTC")
    events = pd.DataFrame(gained, columns=list(TOTALS))
    events.insert(0, "ts", start + pd.to_timedelta(day + 10, unit="D"))
    events.insert(0, "debtor_id", debtor)
    return LedgerCheckpoints(log, np.arange(n), start, None, events)


@pytest.fixture(scope="module")
def data() -> LedgerCheckpoints:
    return _checkpoints()


def test_the_gate_passes_a_learner_that_learnt_and_refuses_a_weakened_one(
    data: LedgerCheckpoints,
) -> None:
    small = PlanModelParams(rounds=40, learning_rate=0.1, baseline_rounds=20)
    cfg = PlanRunConfig(learner=replace(CHOSEN, params=small), gate_worlds=0, referee=small)
    fit = fit_plan(data, cfg)
    good, figures = gate(fit, cfg, replay=False)
    names = [c.name for c in good.checks]
    assert names == [*HOLDOUT, "ope_lower_bound_vs_logging"]
    assert good.passed, good.as_dict()
    # a time split: nothing from the held-out days was learnt from
    assert figures["holdout"]["rounds"] == CHOSEN.iterations
    assert figures["holdout"]["n_train"] + figures["holdout"]["n_test"] <= N
    weak, figures = gate(fit_plan(data, cfg, shuffle=1), cfg, replay=False)
    assert not weak.passed
    assert set(HOLDOUT) <= set(weak.failed)
    assert figures["holdout"]["value_rmse"] > figures["holdout"]["value_baseline_prior_rmse"]
    assert arm_label(PHONE) == "phone/neutral/7d"


def test_the_training_log_is_the_ledger_as_it_stood_on_the_first_held_out_day(
    data: LedgerCheckpoints,
) -> None:
    cut = data.until(150)
    assert cut.days == 150
    assert max(int(d.max()) for d in cut.day) < 150
    known = data.events[data.events["ts"] < data.start + pd.Timedelta(days=150)]
    per_debtor = known.groupby("debtor_id")[list(TOTALS)].sum()
    expected = per_debtor.reindex(data.debtor_ids, fill_value=0.0).to_numpy()
    assert np.allclose(cut.final_totals, expected)  # nothing paid after the cut is counted
    assert not np.allclose(cut.final_totals, data.log.final_totals)


def test_the_ledger_learner_keeps_its_segment_plan_until_a_broken_promise(
    data: LedgerCheckpoints,
) -> None:
    small = PlanModelParams(rounds=20, learning_rate=0.1, baseline_rounds=10)
    # session 15's evidence (a broken promise, nothing else) at margin 0: where it shows, the
    # model alone decides (CHOSEN's counter-evidence, known history and share of the amount:
    # tests/policy/test_plan_choice.py, tests/training/test_plan_ledger_evidence.py)
    learner = replace(SESSION_15, params=small, margin_eur=0.0)
    derived = fit_plan(data, PlanRunConfig(learner=replace(learner, segment_plans_only=True),
                                           referee=small))  # fmt: skip
    plan = derived.segment_plans["1:x"]  # segment x of creditor 1
    assert plan in ("phone/neutral/7d", "email/neutral/7d")  # a plan the log tried
    assert SESSION_15.evidence is not None
    assert SESSION_15.evidence.then is not None
    escalation = SESSION_15.evidence.then  # the plan a debtor with a broken promise is anchored on
    extra = {ARM_OF[label] for label in SESSION_15.extra_plans}  # plans it may choose besides
    assert set(derived.policy.allowed_arms or ()) == {ARM_OF[plan], escalation, WAIT_ARM, *extra}
    assert derived.policy.evidence is not None
    assert derived.policy.evidence.column == "hist_n_promises_broken"  # the ledger's column
    assert derived.policy.evidence.then == escalation

    weekly = replace(learner, segment_plans_only=False)
    stated = PlanRunConfig(
        learner=weekly, referee=small, segment_plans=(("1:x", "email/neutral/7d"),)
    )
    fit = fit_plan(data, stated)
    policy = fit.policy
    assert fit.segment_plans == {"1:x": "email/neutral/7d"}
    state = data.log.states[0]
    assert policy.model is not None
    scores = policy.scores(state, policy.model.predict(state))
    chosen = np.argmax(np.where(policy.arm_mask()[None, :], scores, -np.inf), axis=1)
    broken = state["hist_n_promises_broken"].to_numpy() >= 1
    late = state["hist_share_late"].to_numpy() > 0.5
    assert (chosen[~broken] == EMAIL).all()  # no evidence: the segment's plan, late or not
    # evidence: the model decides, and between the two plans it saw it prefers the phone here
    assert np.mean(scores[broken & late, PHONE] > scores[broken & late, EMAIL]) > 0.8
    # what `mlflow models serve` answers (predict) is anchored the same way
    served = policy.predict(None, state)["arm"].to_numpy()
    assert (served == chosen).all()
    assert (served[~broken] == EMAIL).all()
    # with a margin no plan clears, the anchors decide: a broken promise moves to the escalation
    policy.margin_eur = 10_000.0
    anchored = policy.scores(state, policy.model.predict(state))
    firm = np.argmax(np.where(policy.arm_mask()[None, :], anchored, -np.inf), axis=1)
    assert (firm[broken] == escalation).all()
    assert (firm[~broken] == EMAIL).all()
