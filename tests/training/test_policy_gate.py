"""The promotion gate: a weakened model is refused and the verdict names the failing checks; a
policy that beats the reference in replay passes the replay checks; every check states its figures.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlmodel import SQLModel

from features import load_frames
from ledger.db import make_engine
from policy.choice import Exploration
from policy.pyfunc import DunningPolicy
from policy.value import ValueWeights
from simulator.baselines import per_group, plan_stats
from simulator.config import SimConfig
from simulator.families import Family, cases
from simulator.generate import simulate_to_ledger
from simulator.objective import DEFAULT_OBJECTIVE
from simulator.plans import GroupedPlanPolicy
from simulator.registry import make_policy
from training.ope import Estimate, doubly_robust, gain_of
from training.outcome_models import OutcomeConfig, fit_outcome_models, holdout_metrics, split_by_day
from training.policy_data import decision_table, payments_frame, read_decisions
from training.policy_gate import (
    GateConfig,
    Margins,
    Verdict,
    holdout_checks,
    judge,
    ope_check,
    replay_checks,
)
from training.policy_ope import evaluate_policy

TINY = Family("gate-test", seeds=(77, 78, 79), debtors=120, days=60)
ONE = Family("gate-test-one", seeds=(77,), debtors=120, days=60)
GOOD = {
    "pay_auc": 0.70,
    "pay_baseline_logreg_auc": 0.705,
    "pay_logloss": 0.40,
    "pay_baseline_logreg_logloss": 0.41,
    "pay_baseline_prior_logloss": 0.45,
    "complaint_logloss": 0.130,
    "complaint_baseline_prior_logloss": 0.1301,
}


def test_holdout_checks_apply_the_stated_margins() -> None:
    margins = Margins(auc=0.01, logloss_share=0.01)
    assert all(c.passed for c in holdout_checks(GOOD, margins))
    worse = {**GOOD, "pay_auc": 0.69, "complaint_logloss": 0.1302 * 1.01}
    failed = {c.name for c in holdout_checks(worse, margins) if not c.passed}
    assert failed == {"pay_auc_vs_logistic", "complaint_logloss_vs_prior"}
    # a figure that cannot be computed (one-class hold-out) fails rather than passes
    blind = {c.name for c in holdout_checks({**GOOD, "pay_auc": float("nan")}, margins)
             if not c.passed}  # fmt: skip
    assert blind == {"pay_auc_vs_logistic"}


def test_ope_check_needs_the_paired_gain_surely_above_zero() -> None:
    value = Estimate("dr", value=120.0, stderr=15.0, n=900, effective_sample_size=300.0)
    sure = Estimate("dr_gain", value=20.0, stderr=5.0, n=900, effective_sample_size=300.0)
    unsure = Estimate("dr_gain", value=20.0, stderr=15.0, n=900, effective_sample_size=300.0)
    assert ope_check(value, sure, 100.0, min_ess=100).passed
    # the candidate's own interval reaches below the logging policy's reward: the paired one not
    assert ope_check(value, sure, 100.0, min_ess=100).figures["ci95"][0] < 100.0
    assert not ope_check(value, unsure, 100.0, min_ess=100).passed  # better on average, not surely
    assert ope_check(value, unsure, 100.0, min_ess=100).figures["gain_ci95"][0] < 0.0
    assert not ope_check(value, sure, 100.0, min_ess=301).passed  # too few effective decisions


def test_the_paired_gain_cancels_the_logged_rewards_spread_and_stays_unbiased() -> None:
    """A target that mostly takes what a 90 % logger took and gains where it does not: DR of its
    value carries every logged reward's spread, the paired gain only the residuals'; both are
    unbiased, and only the paired interval shows the gain."""
    rng = np.random.default_rng(3)
    n, arm_1_gain = 4_000, 6.0
    worth = rng.lognormal(4.0, 1.0, n)  # what each decision's state is worth, widely spread
    better = rng.random(n) < 0.2  # states where arm 1 gains; elsewhere it loses as much
    arm = np.where(rng.random(n) < 0.9, 0, 1)  # the logger: arm 0 with 0.9, else arm 1
    effect = np.where(better, arm_1_gain, -arm_1_gain)
    reward = worth + np.where(arm == 1, effect, 0.0) + rng.normal(0, 5, n)
    props = np.where(arm == 0, 0.9, 0.1)
    target_arm = better.astype(int)  # the target: arm 1 where it gains, arm 0 elsewhere
    q = np.column_stack([worth, worth + effect])  # a good reward model
    args = (reward, props, (arm == target_arm).astype(float), q[np.arange(n), arm],
            q[np.arange(n), target_arm])  # fmt: skip
    value, gain = doubly_robust(*args), gain_of(*args)
    assert gain.value == pytest.approx(value.value - reward.mean())
    assert gain.stderr < value.stderr / 5
    # what the target gains over the logger: arm 1's effect where the logger took arm 0 there,
    # and arm 1's loss avoided where it took arm 1 elsewhere
    truth = float(np.mean(np.where(better, 0.9 * arm_1_gain, 0.1 * arm_1_gain)))
    low, high = gain.ci95
    assert low < truth < high
    assert ope_check(value, gain, float(reward.mean()), min_ess=100).passed
    assert value.ci95[0] < reward.mean()  # unpaired, the same gain could not be shown


def test_verdict_json_names_each_check_and_a_forced_promotion_keeps_them(tmp_path: Path) -> None:
    verdict = judge(holdout_checks({**GOOD, "pay_auc": 0.5}, Margins()), GateConfig(family=TINY))
    body = json.loads(verdict.write(tmp_path / "gate.json").read_text())
    assert body["decision"] == "refuse"
    assert not body["promote"]
    assert body["failed"] == ["pay_auc_vs_logistic"]
    assert {c["name"] for c in body["checks"]} >= {"pay_auc_vs_logistic", "pay_logloss_vs_prior"}
    assert all(c["figures"] and c["rule"] for c in body["checks"])
    with pytest.raises(ValueError, match="--reason"):
        verdict.force("", by="cli:test")
    forced = verdict.force("hot fix for a broken champion", by="cli:test")
    assert forced.promote
    assert not forced.passed
    assert forced.failed == ["pay_auc_vs_logistic"]
    assert forced.as_dict()["forced"]["by"] == "cli:test"
    assert not Verdict(()).passed  # no checks: nothing was shown, nothing passes


@pytest.fixture(scope="module")
def small_table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("gate")
    engine = make_engine(f"sqlite:///{folder / 'ledger.db'}")
    SQLModel.metadata.create_all(engine)
    simulate_to_ledger(engine, 21, SimConfig(n_debtors=250, days=150), folder / "truth.parquet")
    table = decision_table(load_frames(engine), read_decisions(engine), payments_frame(engine))
    engine.dispose()
    return table


@pytest.mark.slow
def test_a_model_trained_on_shuffled_labels_is_refused(small_table: pd.DataFrame) -> None:
    days = np.sort(small_table["day"].unique())
    test_from = pd.Timestamp(days[int(len(days) * 0.75)])
    cfg = OutcomeConfig(rounds=120, patience=30)  # small: the test needs the gate, not a model
    rng = np.random.default_rng(0)
    shuffled = small_table.copy()
    train = shuffled["day"] < test_from
    for col in ("paid_frac", "complaint"):
        shuffled.loc[train, col] = rng.permutation(shuffled.loc[train, col].to_numpy())
    honest = fit_outcome_models(small_table, test_from=test_from, horizon=14, config=cfg).models
    weak = fit_outcome_models(shuffled, test_from=test_from, horizon=14, config=cfg).models
    # the gate scores the candidate against baselines fitted on the true labels
    fit_rows, _, test = split_by_day(small_table, test_from, cfg.calibration_share)
    metrics, _ = holdout_metrics(weak, fit_rows, test)
    objective = ValueWeights(harm_cents=round(DEFAULT_OBJECTIVE.complaint_cost_eur * 100))
    ope = evaluate_policy(
        DunningPolicy(weak, objective, Exploration("epsilon", 0.05)), test,
        windows={}, costs={1: {"email": 0, "sms": 20, "letter": 150, "phone": 500,
                               "robocall": 20}}, reward_weights=objective, reward_models=honest,
    )  # fmt: skip
    gate = GateConfig(family=TINY)
    ope_checked = ope_check(ope.estimates["dr"], ope.gain, ope.logging_value, gate.min_ess)
    checks = [*holdout_checks(metrics, gate.margins), ope_checked]
    verdict = judge(checks, gate)
    assert not verdict.passed
    assert not verdict.promote
    assert {"pay_auc_vs_logistic", "ope_lower_bound_vs_logging"} <= set(verdict.failed)
    auc = next(c for c in verdict.checks if c.name == "pay_auc_vs_logistic").figures
    assert auc["candidate"] < auc["baseline"] - auc["margin"]


def test_replay_checks_pass_a_policy_that_beats_the_reference_and_refuse_one_that_does_not(
    mlflow_tmp: Path,
) -> None:
    cfg = GateConfig(family=TINY)

    def type_plan(w: object) -> GroupedPlanPolicy:  # reads the latent type: a strong stand-in
        case = next(c for c in cases(TINY) if c.seed == w.seed)  # type: ignore[attr-defined]
        plans = per_group([plan_stats(case, cfg.objective)], "archetype", cfg.objective)
        return GroupedPlanPolicy("type-plan", plans, w.pop.archetype)  # type: ignore[attr-defined]

    # one world: the paired difference itself decides (three 120-debtor worlds are too noisy
    # for a t-interval to clear zero even for this policy)
    good, table = replay_checks(type_plan, GateConfig(family=ONE))
    assert {c.name: c.passed for c in good} == {"replay_vs_segment-fixed": True,
                                                "limits_held": True}  # fmt: skip
    assert set(table) == {c.label for c in cases(ONE)}
    assert table["default@77"]["candidate"]["objective_eur"] > table["default@77"][
        "segment-fixed"]["objective_eur"]  # fmt: skip

    # a candidate no better than its own anchors without its model: its model adds nothing
    same, _ = replay_checks(type_plan, GateConfig(family=ONE), anchors=type_plan)
    assert {c.name: c.passed for c in same}["replay_vs_anchors"] is False
    beats, _ = replay_checks(type_plan, GateConfig(family=ONE),
                             anchors=lambda w: make_policy("random", w))  # fmt: skip
    assert {c.name: c.passed for c in beats}["replay_vs_anchors"] is True

    bad, _ = replay_checks(lambda w: make_policy("random", w), cfg, champion=type_plan)
    verdict = judge(bad, cfg)
    assert "replay_vs_segment-fixed" in verdict.failed
    assert "replay_vs_champion" in verdict.failed
    figures = next(c for c in bad if c.name == "replay_vs_segment-fixed").figures
    assert len(figures["per_world"]) == 3
    assert figures["eur_per_debtor"]["ci95"][0] <= 0


def test_cli_options_of_the_gate_name_the_option(mlflow_tmp: Path) -> None:
    from typer.testing import CliRunner

    from dunflow.cli import app

    for args, option in (
        (["train", "policy", "--gate-family", "test"], "--gate-family"),  # never choose on TEST
        (["train", "policy", "--gate-family", "nope"], "--gate-family"),
        (["models", "promote", "--version", "1", "--reason", "because it is late"], "--reason"),
        (["models", "promote", "--version", "1", "--force"], "--reason"),
        (["models", "promote", "--version", "7", "--force", "--reason", "a stated reason"],
         "--version"),
    ):  # fmt: skip
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 1, res.output
        assert option in res.stderr, res.stderr
