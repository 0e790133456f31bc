"""``dunflow train policy --kind plan``: the plan learner trained from the ledger's decision log,
judged by the promotion gate, logged to MLflow and registered; promoted only when the gate passes.

1. the checkpoint log from the ledger (:mod:`training.plan_ledger`): the plan state at each plan
   choice, the logged arm and its exact propensity, what the debtor's totals gained until its
   next checkpoint;
2. a chronological split (the last ``test_share`` of the days held out); the plan model
   (:class:`policy.plan_model.PlanValueModel`, the configuration chosen on validation worlds,
   :data:`training.plan_learner.CHOSEN`) fitted on the earlier checkpoints;
3. the gate (:mod:`training.policy_gate`), each check with its figures:
   hold-out: the error of the candidate's value of the logged plan (the creditor's objective,
   EUR) not above a linear baseline's (ridge on the numeric state and the plan) nor the prior's
   (the mean per plan), by more than ``Margins.logloss_share``; off-policy: the lower end of the
   doubly-robust interval of the greedy candidate's value per checkpoint above the logging
   policy's, DR's reward model the gate's own (a plan model with the declared default
   parameters), never the candidate's; replay in the gate family against ``segment-fixed``, the
   candidate reading the ledger's state (:mod:`training.plan_sim_ledger`); the limits held;
4. an MLflow run (params, metrics, ``gate.json``, ``report.json``), the policy as a pyfunc
   (:class:`policy.plan_pyfunc.PlanDunningPolicy`, what the API loads) registered as a new
   version of ``dunning-policy`` (tag ``kind`` = ``plan``); alias ``champion`` moves only when
   the gate passed.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy.engine import Engine

from policy.plan_choice import PlanObjective
from policy.plan_model import PlanModelParams, PlanValueModel
from policy.plan_pyfunc import PlanDunningPolicy
from training.ope import doubly_robust
from training.plan_fit import Transitions, arm_table, transitions
from training.plan_learner import CHOSEN, LearnerConfig
from training.plan_ledger import LedgerCheckpoints, ledger_checkpoints, state_columns
from training.plan_sim_ledger import ledger_plan_factory, replay_factory
from training.policy_gate import (
    Check,
    GateConfig,
    Margins,
    Verdict,
    gate_family,
    judge,
    log_verdict,
    ope_check,
    replay_checks,
)

F = NDArray[np.float64]
MODEL_NAME = "dunning-policy"  # the registered model the API serves (training.policy_run's)


@dataclass(frozen=True)
class PlanRunConfig:
    test_share: float = 0.25
    learner: LearnerConfig = CHOSEN
    creditor: str | None = None
    gate_family: str = "validation"
    gate_worlds: int | None = None  # None: every world of the family; 0: none (the gate refuses)
    gate_debtors: int | None = None
    gate_days: int | None = None
    margins: Margins = field(default_factory=Margins)
    referee: PlanModelParams = field(default_factory=PlanModelParams)  # DR's reward model

    def gate(self) -> GateConfig:
        fam = gate_family(self.gate_family, self.gate_worlds, self.gate_debtors, self.gate_days)
        return GateConfig(margins=self.margins, family=fam, objective=self.learner.objective)


@dataclass
class PlanFit:
    t: Transitions
    train: NDArray[np.int64]
    test: NDArray[np.int64]
    test_from: int  # the first held-out day of the log
    policy: PlanDunningPolicy
    referee: PlanValueModel  # the gate's own reward model


def _model(data: LedgerCheckpoints, params: PlanModelParams) -> PlanValueModel:
    features, cats = state_columns(data.log)
    return PlanValueModel(arm_table(), features, cats, params)


def fit_plan(data: LedgerCheckpoints, cfg: PlanRunConfig, *, shuffle: int | None = None) -> PlanFit:
    """The candidate on the earlier checkpoints (value until the next checkpoint: one round of
    ``CHOSEN``'s two, the ledger's log is not bootstrapped here yet);
    ``shuffle``: a seed to permute the targets with (a deliberately weakened candidate)."""
    t = transitions(data.log)
    days = np.sort(np.unique(t.day))
    test_from = int(days[int(len(days) * (1 - cfg.test_share))])
    train = np.flatnonzero(t.learn & (t.day < test_from))
    test = np.flatnonzero(t.learn & (t.day >= test_from))
    if train.size == 0 or test.size == 0:
        raise ValueError("too few plan decisions in the ledger to hold out the last days")
    target = t.reward[train]
    if shuffle is not None:
        target = target[np.random.default_rng(shuffle).permutation(len(target))]
    model = _model(data, cfg.learner.params)
    model.fit(t.state.iloc[train], t.arm[train], target)
    referee = _model(data, cfg.referee)
    referee.fit(t.state.iloc[train], t.arm[train], t.reward[train])
    lc = cfg.learner
    allowed = tuple(int(k) for k in np.flatnonzero(lc.arms))
    policy = PlanDunningPolicy(
        model, lc.plan_objective, lc.exploration, allowed_arms=allowed, state_source="ledger"
    )
    return PlanFit(t, train, test, test_from, policy, referee)


def _numeric(state: pd.DataFrame, arm: NDArray[np.int64], n_arms: int) -> F:
    num = state.select_dtypes(include=["number", "bool"]).astype(float).fillna(0.0).to_numpy()
    return np.hstack([num, np.eye(n_arms)[arm]])


def holdout(fit: PlanFit, objective: PlanObjective) -> dict[str, float]:
    """RMSE (EUR) of the logged plan's value on the held-out checkpoints: candidate, linear
    baseline and prior, all fitted on the same earlier checkpoints."""
    from sklearn.linear_model import Ridge

    t, tr, te = fit.t, fit.train, fit.test
    assert fit.policy.model is not None
    y_tr, y_te = objective.value(t.reward[tr]), objective.value(t.reward[te])
    parts = fit.policy.model.predict(t.state.iloc[te])
    mine = objective.value(parts[np.arange(te.size), t.arm[te]])
    n_arms = fit.policy.model.n_arms
    ridge = Ridge(alpha=1.0).fit(_numeric(t.state.iloc[tr], t.arm[tr], n_arms), y_tr)
    linear = ridge.predict(_numeric(t.state.iloc[te], t.arm[te], n_arms))
    per_arm = pd.Series(y_tr).groupby(t.arm[tr]).mean()
    prior = pd.Series(t.arm[te]).map(per_arm).fillna(float(np.mean(y_tr))).to_numpy()

    def rmse(pred: NDArray[np.floating[Any]]) -> float:
        return float(np.sqrt(np.mean((pred - y_te) ** 2)))

    return {
        "value_rmse": rmse(mine),
        "value_baseline_linear_rmse": rmse(linear),
        "value_baseline_prior_rmse": rmse(prior),
        "n_test": int(te.size),
        "n_train": int(tr.size),
    }


def holdout_checks(metrics: dict[str, float], margins: Margins) -> list[Check]:
    out = []
    for name, theirs, what in (
        ("value_rmse_vs_linear", "value_baseline_linear_rmse", "linear"),
        ("value_rmse_vs_prior", "value_baseline_prior_rmse", "prior"),
    ):
        a, b = metrics["value_rmse"], metrics[theirs]
        out.append(
            Check(
                name,
                bool(np.isfinite(a) and np.isfinite(b) and a <= b * (1 + margins.logloss_share)),
                f"value_rmse <= {what} baseline's x (1 + {margins.logloss_share})",
                {"candidate": a, "baseline": b, "margin_share": margins.logloss_share},
            )
        )
    return out


def off_policy(fit: PlanFit, objective: PlanObjective, min_ess: float) -> Check:
    """DR of the greedy candidate's value per held-out checkpoint (cents) against the logging
    policy's, the gate's own reward model correcting it."""
    t, te = fit.t, fit.test
    assert fit.policy.model is not None
    avail = t.available[te] & fit.policy.arm_mask()[None, :]
    score = objective.score(fit.policy.model.predict(t.state.iloc[te]))
    greedy = np.argmax(np.where(avail, score, -np.inf), axis=1)
    q = objective.value(fit.referee.predict(t.state.iloc[te]))
    rows = np.arange(te.size)
    r = 100 * objective.value(t.reward[te])
    est = doubly_robust(
        r,
        t.propensity[te],
        (greedy == t.arm[te]).astype(float),
        100 * q[rows, t.arm[te]],
        100 * q[rows, greedy],
    )
    return ope_check(est, float(np.mean(r)), min_ess)


def gate(
    fit: PlanFit, cfg: PlanRunConfig, *, replay: bool = True
) -> tuple[Verdict, dict[str, Any]]:
    """Every check of the gate on this candidate (``replay=False``: hold-out and off-policy
    only, for the tests of a weakened model; a verdict without replay is never promoted by
    :func:`train_plan_policy`)."""
    g = cfg.gate()
    metrics = holdout(fit, fit.policy.objective)
    checks = [*holdout_checks(metrics, g.margins), off_policy(fit, fit.policy.objective, g.min_ess)]
    worlds: dict[str, Any] = {}
    if replay:
        from training.policy_run import load_champion

        champ = load_champion()
        versus = replay_factory(champ[0], "champion") if champ else None
        replayed, worlds = replay_checks(ledger_plan_factory(fit.policy, "candidate"), g, versus)
        checks += replayed
    return judge(checks, g), {"holdout": metrics, "gate_replay": worlds}


def train_plan_policy(
    engine: Engine, cfg: PlanRunConfig, *, promote: bool = True
) -> dict[str, Any]:
    from training import tracking

    tracking.start()
    data = ledger_checkpoints(engine, cfg.creditor)
    fit = fit_plan(data, cfg)
    verdict, figures = gate(fit, cfg)
    promoted = promote and verdict.passed
    report: dict[str, Any] = {
        "kind": "plan",
        "decision": "promoted" if promoted else "not promoted",
        "reason": verdict.summary(),
        "checkpoints": len(fit.t.arm),
        "test_from_day": fit.test_from,
        "log_start": str(data.start.date()),
        "learner": cfg.learner.describe(),
        **figures,
        "gate": verdict.as_dict(),
    }
    report.update(_log(cfg, fit, report))
    with tempfile.TemporaryDirectory() as tmp:
        log_verdict(verdict, report["run_id"], Path(tmp))
    if promoted:
        from mlflow.tracking import MlflowClient

        from training import tracking

        MlflowClient().set_registered_model_alias(MODEL_NAME, tracking.CHAMPION, report["version"])
    return report


def _log(cfg: PlanRunConfig, fit: PlanFit, report: dict[str, Any]) -> dict[str, Any]:
    import mlflow
    from mlflow.tracking import MlflowClient

    from training import tracking
    from training.policy_run import _requirements

    tracking.start()
    with mlflow.start_run(run_name="plan-policy") as run, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        params = {k: v for k, v in asdict(replace(cfg, learner=CHOSEN)).items() if k != "learner"}
        params.update({"kind": "plan", "learner": cfg.learner.describe()})
        params.update({f"model_{k}": v for k, v in asdict(cfg.learner.params).items()})
        mlflow.log_params({k: str(v) for k, v in params.items()})
        metrics = {f"holdout_{k}": float(v) for k, v in report["holdout"].items()}
        for c in report["gate"]["checks"]:
            if c["name"] == "ope_lower_bound_vs_logging":
                metrics["ope_dr_cents"] = float(c["figures"]["candidate"])
                metrics["ope_logging_cents"] = float(c["figures"]["logging"])
        mlflow.log_metrics(metrics)
        (folder / "report.json").write_text(json.dumps(report, indent=2, default=str))
        mlflow.log_artifact(str(folder / "report.json"))
        art = fit.policy.save_artifacts(folder / "policy")
        p = fit.policy
        shell = PlanDunningPolicy(None, p.objective, p.exploration, p.channels, p.tones,
                                  p.allowed_arms, p.state_source)  # fmt: skip
        info = mlflow.pyfunc.log_model(
            name="policy",
            python_model=shell,
            artifacts={"policy": str(art)},
            pip_requirements=_requirements(),
        )
        version = tracking.register(info.model_uri, MODEL_NAME, alias=None)
        client = MlflowClient()
        client.set_model_version_tag(MODEL_NAME, version, "gate", report["decision"])
        client.set_model_version_tag(MODEL_NAME, version, "kind", "plan")
        return {"run_id": run.info.run_id, "version": version, "model_uri": info.model_uri}
