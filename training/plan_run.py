"""``dunflow train policy --kind plan``: the plan learner trained from the ledger's decision log,
judged by the promotion gate, logged to MLflow and registered; promoted only when the gate passes.

1. the checkpoint log from the ledger (:mod:`training.plan_ledger`): the plan state at each plan
   choice, the logged arm and its exact propensity, what the debtor's totals gained until its
   next checkpoint;
2. a time split: the held-out checkpoints are the last ``test_share`` of the days whose outcome
   the log can tell (at least ``TAIL_DAYS`` before its end, whether or not a next checkpoint
   came: keeping only those with a next one would keep the claims still unpaid); the candidate
   learns from the log as the ledger stood on the first held-out day
   (:meth:`LedgerCheckpoints.until`), as :data:`training.plan_learner.CHOSEN` says: fitted-Q
   over its rounds, its plans, and when it is anchored a plan per ledger segment
   (:func:`segment_plans`: the creditor's stated one, else the plan the log supports best) kept
   until the debtor's own history allows leaving it (its evidence, read from the ledger's column);
3. the gate (:mod:`training.policy_gate`), each check with its figures:
   hold-out: the error of the candidate's value of the logged plan (the creditor's objective,
   EUR; the continuation after the next checkpoint valued by the gate's own model) and of its
   first round's (the observed gain until the next checkpoint) not above a linear baseline's
   (ridge on the numeric state and the plan) nor the prior's (the mean per plan), by more than
   ``Margins.logloss_share``; off-policy: the lower end of the doubly-robust interval of the
   greedy candidate's value per checkpoint above the logging policy's, DR's reward model the
   gate's own (a plan model with the declared default parameters), never the candidate's;
   replay in the gate family against ``segment-fixed``, the candidate reading the ledger's
   state (:mod:`training.plan_sim_ledger`); the limits held;
4. an MLflow run (params, metrics, ``gate.json``, ``report.json``), the policy as a pyfunc
   (:class:`policy.plan_pyfunc.PlanDunningPolicy`, what the API loads) registered as a new
   version of ``dunning-policy`` (tag ``kind`` = ``plan``); alias ``champion`` moves only when
   the gate passed.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlalchemy.engine import Engine

from features.plan_state import segment_keys
from ledger.plans import CADENCES
from policy.plan_choice import PlanObjective
from policy.plan_model import PlanModelParams, PlanValueModel
from policy.plan_pyfunc import PlanDunningPolicy
from simulator.checkpoints import ARM_OF, WAIT_ARM, arm_label
from training.ope import doubly_robust, gain_of
from training.plan_days_late import FOLDS
from training.plan_fit import (
    TAIL_DAYS,
    FittedQ,
    Transitions,
    arm_table,
    bootstrapped,
    fitted_q,
    transitions,
)
from training.plan_learner import CHOSEN, LearnerConfig
from training.plan_ledger import (
    LedgerCheckpoints,
    ledger_checkpoints,
    ledger_evidence,
    state_columns,
)
from training.plan_sim_ledger import anchors_factory, ledger_plan_factory, replay_factory
from training.policy_gate import (
    ANCHORS,
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
    # the creditor's plan per segment (``CREDITOR:SEGMENT`` or, when one creditor has a segment of
    # that name, ``SEGMENT``; plan label) an anchored learner starts from; a segment not named gets
    # the plan its log supports best (:func:`segment_plans`)
    segment_plans: tuple[tuple[str, str], ...] = ()

    def gate(self) -> GateConfig:
        fam = gate_family(self.gate_family, self.gate_worlds, self.gate_debtors, self.gate_days)
        return GateConfig(margins=self.margins, family=fam, objective=self.learner.objective)


@dataclass
class PlanFit:
    t: Transitions  # every checkpoint of the log (the hold-out's rows among them)
    test: NDArray[np.int64]
    test_from: int  # the first held-out day of the log
    q: FittedQ  # fitted-Q on the log as the ledger stood on ``test_from``
    policy: PlanDunningPolicy
    referee: PlanValueModel  # the gate's own reward model
    segment_plans: dict[str, str]  # the plan each segment is anchored on ({}: not anchored)

    @property
    def train(self) -> NDArray[np.int64]:
        return self.q.rows


def segment_plans(
    q: FittedQ, objective: PlanObjective, arms: NDArray[np.bool_], stated: dict[str, str]
) -> dict[str, int]:
    """Per ledger segment (a creditor's own: :func:`features.plan_state.segment_keys`), the plan
    an anchored learner starts from: the creditor's stated one (``stated``: segment key -> plan
    label, :func:`stated_plans`), else the plan the log supports best: among the
    plans ``arms`` allows (never waiting) that the log tried in that segment, the best mean
    fitted-Q target (what was gained until the next checkpoint plus the best plan's value there,
    on the objective with its multiplier) over the checkpoints where the logger chose it,
    weighted by the inverse of its logged propensity (self-normalised)."""
    t, rows = q.t, q.rows
    segment = np.asarray(segment_keys(t.state), dtype=object)[rows]
    score = objective.score(q.targets[-1][rows])
    arm, weight = t.arm[rows], 1.0 / t.propensity[rows]
    out: dict[str, int] = {}
    for name in sorted(set(segment.tolist()) | set(stated)):
        if not name.partition(":")[2]:  # a debtor in no segment
            continue
        if name in stated:
            if stated[name] not in ARM_OF:
                raise ValueError(f"segment {name!r}: unknown plan {stated[name]!r}")
            out[name] = ARM_OF[stated[name]]
            continue
        here = segment == name
        best, best_value = -1, -np.inf
        for k in np.flatnonzero(arms):
            mine = here & (arm == k)
            if int(k) == WAIT_ARM or not mine.any():
                continue
            value = float(np.sum(weight[mine] * score[mine]) / np.sum(weight[mine]))
            if value > best_value:
                best, best_value = int(k), value
        if best >= 0:
            out[name] = best
    return out


def stated_plans(engine: Engine, stated: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The creditors' stated plans keyed as the plan state keys segments (``"<creditor
    id>:<segment>"``): each segment's own (``Segment.plan``, set in the web app or by ``dunflow
    segment``), overridden by ``stated`` (``CREDITOR:SEGMENT`` or ``SEGMENT``, plan label: the
    command's ``--segment-plan``). Every segment named is looked up in the ledger, and a name that
    several creditors use must say whose (tenancy: one creditor's plan never anchors another's
    debtors). Every wrong entry is reported at once."""
    sql = (
        "SELECT s.creditor_id, c.name AS creditor, s.name, s.plan"
        " FROM segment s JOIN creditor c ON c.id = s.creditor_id"
    )
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    out: list[tuple[str, str]] = []
    errors: list[str] = []
    for name, plan in stated:
        creditor, sep, segment = name.rpartition(":")
        mine = (r for r in rows if not sep or creditor in (r.creditor, str(r.creditor_id)))
        found = [f"{r.creditor_id}:{r.name}" for r in mine if r.name == segment]
        if len(found) == 1:
            out.append((found[0], plan))
        elif not found:
            errors.append(f"--segment-plan {name}={plan}: no segment {name!r} in the ledger")
        else:
            whose = ", ".join(sorted(r.creditor for r in rows if r.name == name))
            errors.append(
                f"--segment-plan {name}={plan}: creditors {whose} each have a segment {name!r}; "
                f"write CREDITOR:{name}={plan}"
            )
    named = {key for key, _ in out}  # what the command names wins over the segment's own plan
    kept = []
    for r in rows:
        key = f"{r.creditor_id}:{r.name}"
        if not r.plan or key in named:
            continue
        if r.plan not in ARM_OF:
            errors.append(
                f"segment {r.creditor}:{r.name}: its plan {r.plan!r} is not one the plan learner "
                f"has (every {', '.join(map(str, CADENCES))} days)"
            )
        kept.append((key, str(r.plan)))
    if errors:
        raise ValueError("; ".join(errors))
    return (*out, *kept)


def fit_plan(data: LedgerCheckpoints, cfg: PlanRunConfig, *, shuffle: int | None = None) -> PlanFit:
    """The candidate as ``cfg.learner`` (``CHOSEN``) says: fitted-Q over its rounds on the log
    as it stood on the first held-out day (a time split: nothing after it is learnt from), its
    plans and, when anchored, a plan per segment (:func:`segment_plans`) kept until the
    debtor's own history says otherwise; ``shuffle``: a seed to permute the rewards with (a
    deliberately weakened candidate)."""
    lc = cfg.learner
    if lc.horizon_days is not None or lc.per_euro:
        raise ValueError("the ledger's plan learner fits fitted-Q rounds in euros only")
    if lc.first_stage_from or lc.first_stage or lc.first_stage_unless:
        # the first-stage plans are searched in the simulator's choice worlds; a ledger has
        # neither them nor a search of its own yet
        raise ValueError(
            "a first-stage anchor (first_stage_from) is searched in simulated worlds only; "
            "the ledger's plan learner anchors on one plan per segment"
        )
    t = transitions(data.log)
    # only checkpoints whose outcome the log can tell, whether or not a next checkpoint came: a
    # hold-out of the last days' checkpoints with a next one would keep the claims still unpaid
    judged = t.day <= data.log.days - TAIL_DAYS
    days = np.sort(np.unique(t.day[judged]))
    if days.size < 2:
        raise ValueError("too few plan decisions in the ledger to hold out the last days")
    test_from = int(days[int(len(days) * (1 - cfg.test_share))])
    test = np.flatnonzero(judged & (t.day >= test_from))
    features, cats = state_columns(data.log, bool(lc.payment_time))
    objective = lc.plan_objective
    q = fitted_q(data.until(test_from), objective, iterations=lc.iterations, params=lc.params,
                 state_features=features, categorical=cats, shuffle=shuffle)  # fmt: skip
    if q.rows.size == 0 or test.size == 0:
        raise ValueError("too few plan decisions in the ledger to hold out the last days")
    referee = PlanValueModel(arm_table(), features, cats, cfg.referee)
    referee.fit(q.t.state.iloc[q.rows], q.t.arm[q.rows], q.t.reward[q.rows])
    anchors: dict[str, int] = {}
    if lc.margin_eur is not None:
        tried = replace(lc, defaults=()).arms
        anchors = segment_plans(q, objective, tried, dict(cfg.segment_plans))
    labels = tuple(arm_label(k) for k in anchors.values())
    allowed = tuple(int(k) for k in np.flatnonzero(replace(lc, defaults=labels).arms))
    policy = PlanDunningPolicy(
        q.model,
        objective,
        lc.exploration,
        allowed_arms=allowed,
        state_source="ledger",
        segment_defaults=tuple(anchors.values()) if anchors else None,
        margin_eur=lc.margin_eur or 0.0,
        evidence=ledger_evidence(lc.evidence) if anchors else None,
        segment_names=tuple(anchors) if anchors else None,
        segments_by_creditor=True,
    )
    plans = {name: arm_label(k) for name, k in anchors.items()}
    return PlanFit(t, test, test_from, q, policy, referee, plans)


def _numeric(state: pd.DataFrame, arm: NDArray[np.int64], n_arms: int) -> F:
    num = state.select_dtypes(include=["number", "bool"]).astype(float).fillna(0.0).to_numpy()
    return np.hstack([num, np.eye(n_arms)[arm]])


def _rmse(model: PlanValueModel, fit: PlanFit, objective: PlanObjective, y_tr: F,
          y_te: F) -> dict[str, float]:  # fmt: skip
    """RMSE (EUR) on the held-out checkpoints of ``model``'s value of the logged plan, beside a
    ridge regression and the per-plan mean fitted on the same training targets ``y_tr``."""
    from sklearn.linear_model import Ridge

    q, t, te = fit.q, fit.t, fit.test
    tr_state, tr_arm = q.t.state.iloc[q.rows], q.t.arm[q.rows]
    parts = model.predict(t.state.iloc[te])
    mine = objective.value(parts[np.arange(te.size), t.arm[te]])
    ridge = Ridge(alpha=1.0).fit(_numeric(tr_state, tr_arm, model.n_arms), y_tr)
    linear = ridge.predict(_numeric(t.state.iloc[te], t.arm[te], model.n_arms))
    per_arm = pd.Series(y_tr).groupby(tr_arm).mean()
    prior = pd.Series(t.arm[te]).map(per_arm).fillna(float(np.mean(y_tr))).to_numpy()

    def rmse(pred: NDArray[np.floating[Any]]) -> float:
        return float(np.sqrt(np.mean((pred - y_te) ** 2)))

    return {"rmse": rmse(mine), "baseline_linear_rmse": rmse(linear),
            "baseline_prior_rmse": rmse(prior)}  # fmt: skip


def holdout(fit: PlanFit, objective: PlanObjective) -> dict[str, float]:
    """The candidate on the held-out checkpoints against a linear baseline and the prior, all
    fitted on the same earlier checkpoints and targets, like with like: ``value_*`` the last
    round's quantity (what was gained until the next checkpoint plus, when the episode goes on,
    the value of the best plan there, by the gate's own reward model so that no candidate
    grades itself); with more than one round also ``reward_*``, the first round's (what was
    gained until the next checkpoint, observed)."""
    q, t, te = fit.q, fit.t, fit.test
    last = len(q.models) - 1
    if last:  # the continuation valued by the gate's own model, never by the candidate's
        y_tr = objective.value(bootstrapped(q.t, fit.referee, objective, q.rows))
        y_te = objective.value(bootstrapped(t, fit.referee, objective, te))
    else:
        y_tr, y_te = objective.value(q.t.reward[q.rows]), objective.value(t.reward[te])
    value = _rmse(q.models[last], fit, objective, y_tr, y_te)
    out = {f"value_{k}": v for k, v in value.items()}
    if last:
        y_tr = objective.value(q.t.reward[q.rows])
        first = _rmse(q.models[0], fit, objective, y_tr, objective.value(t.reward[te]))
        out |= {f"reward_{k}": v for k, v in first.items()}
    return out | {"n_test": int(te.size), "n_train": int(q.rows.size), "rounds": last + 1}


def holdout_checks(metrics: dict[str, float], margins: Margins) -> list[Check]:
    """Each held-out RMSE (the last round's value, and the first round's observed reward when
    there are more rounds) not above the linear baseline's nor the prior's by more than the
    margin."""
    out = []
    quantities = ("value", "reward") if "reward_rmse" in metrics else ("value",)
    for quantity in quantities:
        for what in ("linear", "prior"):
            a, b = metrics[f"{quantity}_rmse"], metrics[f"{quantity}_baseline_{what}_rmse"]
            ok = bool(np.isfinite(a) and np.isfinite(b) and a <= b * (1 + margins.logloss_share))
            out.append(
                Check(
                    f"{quantity}_rmse_vs_{what}",
                    ok,
                    f"{quantity}_rmse <= {what} baseline's x (1 + {margins.logloss_share})",
                    {"candidate": a, "baseline": b, "margin_share": margins.logloss_share},
                )
            )
    return out


def off_policy(fit: PlanFit, objective: PlanObjective, min_ess: float) -> Check:
    """DR of the greedy candidate's value per held-out checkpoint (cents: what was gained until
    the next checkpoint) against the logging policy's, the gate's own reward model correcting
    it; the candidate chooses as it would in service (its plans, anchored when it is)."""
    t, te = fit.t, fit.test
    assert fit.policy.model is not None
    avail = t.available[te] & fit.policy.arm_mask()[None, :]
    state = t.state.iloc[te]
    score = fit.policy.scores(state, fit.policy.model.predict(state))
    greedy = np.argmax(np.where(avail, score, -np.inf), axis=1)
    q = objective.value(fit.referee.predict(state))
    rows = np.arange(te.size)
    r = 100 * objective.value(t.reward[te])
    logged = (r, t.propensity[te], (greedy == t.arm[te]).astype(float),
              100 * q[rows, t.arm[te]], 100 * q[rows, greedy])  # fmt: skip
    return ope_check(doubly_robust(*logged), gain_of(*logged), float(np.mean(r)), min_ess)


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
        replayed, worlds = replay_checks(
            ledger_plan_factory(fit.policy, "candidate"),
            g,
            versus,
            anchors=anchors_factory(fit.policy, ANCHORS),
        )
        checks += replayed
    return judge(checks, g), {"holdout": metrics, "gate_replay": worlds}


def train_plan_policy(
    engine: Engine, cfg: PlanRunConfig, *, promote: bool = True
) -> dict[str, Any]:
    from training import tracking

    tracking.start()
    cfg = replace(cfg, segment_plans=stated_plans(engine, cfg.segment_plans))
    # the payment-time column's cross-fit only for a learner that reads it
    folds = FOLDS if cfg.learner.payment_time else 0
    data = ledger_checkpoints(engine, cfg.creditor, days_late_folds=folds)
    fit = fit_plan(data, cfg)
    verdict, figures = gate(fit, cfg)
    moves = None  # what the held-out checkpoints say of the candidate's moves off its anchors
    if fit.policy.segment_defaults is not None:
        from training.plan_moves import move_report

        named = shown_segment(engine)
        moves = move_report(fit.policy, fit.t, fit.test, fit.policy.objective, named)
    promoted = promote and verdict.passed
    report: dict[str, Any] = {
        "kind": "plan",
        "decision": "promoted" if promoted else "not promoted",
        "reason": verdict.summary(),
        "checkpoints": len(fit.t.arm),
        "test_from_day": fit.test_from,
        "log_start": str(data.start.date()),
        "learner": cfg.learner.describe(),
        "segment_plans": shown_plans(engine, fit.segment_plans),
        **figures,
        "moves": moves,
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


def shown_plans(engine: Engine, plans: dict[str, str]) -> dict[str, str]:
    """The segment plans keyed as ``--segment-plan`` takes them (``CREDITOR:SEGMENT``)."""
    shown = shown_segment(engine)
    return {shown(key): plan for key, plan in plans.items()}


def shown_segment(engine: Engine) -> Callable[[str], str]:
    """A segment's key (``CREDITOR_ID:SEGMENT``) as ``--segment-plan`` takes it, by the
    creditor's name."""
    with engine.connect() as conn:
        names: dict[int, str] = {
            int(i): str(n) for i, n in conn.execute(sa.text("SELECT id, name FROM creditor"))
        }

    def shown(key: str) -> str:
        creditor, _, segment = key.partition(":")
        return f"{names.get(int(creditor), creditor)}:{segment}"

    return shown


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
                metrics["ope_gain_cents"] = float(c["figures"]["gain"])
        mlflow.log_metrics(metrics)
        (folder / "report.json").write_text(json.dumps(report, indent=2, default=str))
        mlflow.log_artifact(str(folder / "report.json"))
        art = fit.policy.save_artifacts(folder / "policy")
        shell = copy.copy(fit.policy)  # the configuration; the boosters travel as artifacts
        shell.model = None
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
