"""``dunflow train policy``: train, evaluate three ways, log to MLflow, register, and promote only
when the gate (:mod:`training.policy_gate`) passes every check.

1. the decision table from the ledger's decision log (:mod:`training.policy_data`);
2. outcome models on a chronological split (:mod:`training.outcome_models`) → hold-out metrics
   beside the logistic baseline and the prior;
3. off-policy estimates of the candidate (and the champion) on the held-out decisions, with the
   policy's own weights, and for the gate on the creditor's objective with the gate's reward model;
4. replay in a simulated world with a seed never used for training: candidate, champion (if any),
   ladder, random and oracle on the same world (the report's table);
5. the gate's replay: the candidate (greedy) against ``segment-fixed`` (and the champion) in every
   world of the gate family (validation by default: ~6 min per 600 x 120 world for the learned
   policy on 2 cores);
6. an MLflow run with params, metrics and artifacts (``gate.json`` among them), the policy as a
   pyfunc (signature and input example), a new version of ``dunning-policy``; alias ``champion``
   moves only when the gate passed. The JSON says what it decided and why.
"""

import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.models import infer_signature
from mlflow.tracking import MlflowClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from features import load_frames
from ledger.tables import Creditor
from policy.choice import Exploration
from policy.plan_pyfunc import PlanDunningPolicy
from policy.pyfunc import EXTRA_COLUMNS, DunningPolicy
from policy.value import ValueWeights
from simulator.config import SimConfig
from simulator.families import DEFAULT_REPORT
from simulator.registry import PolicyFactory
from simulator.replay import replay
from simulator.world_file import DEFAULT_WORLD_PATH, load_world
from training import policy_artifacts, tracking
from training.outcome_models import OutcomeConfig, fit_outcome_models
from training.plan_sim_ledger import replay_factory
from training.policy_data import POLICY_FEATURES, decision_table, payments_frame, read_decisions
from training.policy_gate import (
    GateConfig,
    Verdict,
    gate_family,
    holdout_checks,
    judge,
    log_verdict,
    ope_check,
    replay_checks,
)
from training.policy_ope import OpeReport, evaluate_policy
from training.sim_policy import LearnedSimPolicy

MODEL_NAME = "dunning-policy"
BASELINES = ("ladder", "random", "oracle")


@dataclass(frozen=True)
class PolicyRunConfig:
    horizon: int = 14
    test_from: date | None = None
    test_share: float = 0.25
    since: date | None = None
    # value weights chosen on replay seeds 9001 and 9002 (validation worlds); reports use 2027
    harm_cents: int = 300_000
    cost_weight: float = 20.0
    epsilon: float = 0.05
    replay_seed: int = DEFAULT_REPORT.seeds[0]  # the seeds are declared in simulator/families.py
    replay_debtors: int = DEFAULT_REPORT.debtors
    replay_days: int = DEFAULT_REPORT.days
    world: Path = DEFAULT_WORLD_PATH  # the replay world's assumptions (a world file)
    outcome: OutcomeConfig = field(default_factory=OutcomeConfig)
    # the gate's replay family (validation unless said otherwise; see training.policy_gate)
    gate_family: str = "validation"
    gate_worlds: int | None = None  # None: every world of the family; 0: none (the gate refuses)
    gate_debtors: int | None = None  # None: the family's size
    gate_days: int | None = None

    def gate(self) -> GateConfig:
        fam = gate_family(self.gate_family, self.gate_worlds, self.gate_debtors, self.gate_days)
        return GateConfig(family=fam)


def load_champion() -> tuple[DunningPolicy | PlanDunningPolicy, str] | None:
    client = MlflowClient()
    try:
        version = client.get_model_version_by_alias(MODEL_NAME, tracking.CHAMPION)
    except mlflow.exceptions.MlflowException:
        return None
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}@{tracking.CHAMPION}")
    return model.unwrap_python_model(), str(version.version)


def _creditor_rules(engine: Engine) -> tuple[dict[int, tuple[int, int]], dict[int, dict[str, int]]]:
    with Session(engine) as s:
        rows = s.exec(select(Creditor)).all()
    windows = {c.id or 0: (c.contact_start_minute, c.contact_end_minute) for c in rows}
    costs = {c.id or 0: dict(c.channel_costs_cents) for c in rows}
    return windows, costs


def _replay(cfg: PolicyRunConfig, policies: dict[str, DunningPolicy]) -> tuple[dict[str, Any], Any]:
    holder: dict[str, LearnedSimPolicy] = {}

    def factory(name: str, pol: DunningPolicy) -> Callable[[Any], LearnedSimPolicy]:
        def make(world: Any) -> LearnedSimPolicy:
            holder[name] = LearnedSimPolicy(world, pol, name=name)
            return holder[name]

        return make

    factories: dict[str, PolicyFactory] = {n: factory(n, p) for n, p in policies.items()}
    sim = SimConfig(n_debtors=cfg.replay_debtors, days=cfg.replay_days, world=load_world(cfg.world))
    table = replay([*policies, *BASELINES], seed=cfg.replay_seed, config=sim, factories=factories)
    return table, holder


def greedy_factory(policy: DunningPolicy, name: str) -> PolicyFactory:
    """``policy`` without exploration, as a replay factory (every policy is measured greedy)."""
    greedy = DunningPolicy(policy.models, policy.weights, Exploration("greedy"))
    return lambda world: LearnedSimPolicy(world, greedy, name=name)


def objective_weights(gate: GateConfig, horizon: int) -> ValueWeights:
    """The creditor's objective as a reward: paid − contact cost − stated cost per complaint."""
    harm = round(gate.objective.complaint_cost_eur * 100)
    return ValueWeights(harm_cents=harm, horizon_days=horizon, cost_weight=1.0)


def gate_checks(
    cfg: PolicyRunConfig,
    fit: Any,
    table: pd.DataFrame,
    test_from: pd.Timestamp,
    candidate: DunningPolicy,
    champion: DunningPolicy | PlanDunningPolicy | None,
    rules: tuple[dict[int, tuple[int, int]], dict[int, dict[str, int]]],
) -> tuple[Verdict, OpeReport, dict[str, Any]]:
    """Every check of the gate on this candidate: hold-out, off-policy, replay, limits."""
    gate = cfg.gate()
    # DR's reward model is the gate's own (declared default configuration), never the
    # candidate's; with the default configuration both are the same fit (deterministic)
    referee = (
        fit.models
        if cfg.outcome == OutcomeConfig()
        else fit_outcome_models(table, test_from=test_from, horizon=cfg.horizon,
                                config=OutcomeConfig()).models
    )  # fmt: skip
    windows, costs = rules
    ope = evaluate_policy(candidate, fit.test, windows=windows, costs=costs,
                          reward_weights=objective_weights(gate, cfg.horizon),
                          reward_models=referee)  # fmt: skip
    checks = [
        *holdout_checks(fit.metrics, gate.margins),
        ope_check(ope.estimates[gate.ope_estimator], ope.gain, ope.logging_value, gate.min_ess),
    ]
    champ = replay_factory(champion, "champion") if champion is not None else None
    replayed, worlds = replay_checks(greedy_factory(candidate, "candidate"), gate, champ)
    return judge([*checks, *replayed], gate), ope, worlds


def train_policy(engine: Engine, cfg: PolicyRunConfig, *, promote: bool = True) -> dict[str, Any]:
    frames = load_frames(engine)
    log = read_decisions(engine)
    if cfg.since is not None:
        log.frame.drop(log.frame.index[log.frame["day"] < pd.Timestamp(cfg.since, tz="UTC")],
                       inplace=True)  # fmt: skip
    if log.frame.empty:
        raise ValueError("the ledger has no logged decisions (Recommendation rows) to learn from")
    table = decision_table(frames, log, payments_frame(engine), horizon=cfg.horizon)
    days = table["day"].sort_values().unique()
    test_from = (
        pd.Timestamp(cfg.test_from, tz="UTC")
        if cfg.test_from
        else pd.Timestamp(days[int(len(days) * (1 - cfg.test_share))])
    )
    fit = fit_outcome_models(table, test_from=test_from, horizon=cfg.horizon, config=cfg.outcome)
    weights = ValueWeights(
        harm_cents=cfg.harm_cents, horizon_days=cfg.horizon, cost_weight=cfg.cost_weight
    )
    candidate = DunningPolicy(fit.models, weights, Exploration("epsilon", cfg.epsilon))
    windows, costs = _creditor_rules(engine)
    ope = {"candidate": evaluate_policy(candidate, fit.test, windows=windows, costs=costs)}
    tracking.start()
    champ = load_champion()
    policies = {"candidate": candidate}
    # a plan champion is compared in the gate's replay (below), not on per-day decisions
    if champ is not None and isinstance(champ[0], DunningPolicy):
        policies["champion"] = champ[0]
        ope["champion"] = evaluate_policy(
            champ[0], fit.test, windows=windows, costs=costs, reward_weights=weights
        )
    replay_table, holders = _replay(cfg, policies)

    verdict, gate_ope, gate_worlds = gate_checks(
        cfg, fit, table, test_from, candidate, champ[0] if champ else None, (windows, costs)
    )
    promoted = promote and verdict.passed
    reason = verdict.summary()
    report: dict[str, Any] = {
        "decision": "promoted" if promoted else "not promoted",
        "reason": reason,
        "test_from": str(test_from.date()),
        "holdout": fit.metrics,
        "off_policy": {k: v.as_dict() for k, v in ope.items()},
        "replay": {
            "seed": cfg.replay_seed,
            "debtors": cfg.replay_debtors,
            "days": cfg.replay_days,
            "policies": replay_table,
        },
        "share_of_oracle_net_value": replay_table["candidate"]["net_value"]
        / replay_table["oracle"]["net_value"],
        "previous_champion": champ[1] if champ else None,
        "gate": verdict.as_dict(),
        "gate_off_policy": gate_ope.as_dict(),
        "gate_replay": gate_worlds,
    }
    report.update(_log(cfg, candidate, fit, report, holders))
    with tempfile.TemporaryDirectory() as tmp:
        log_verdict(verdict, report["run_id"], Path(tmp))
    if promoted:
        MlflowClient().set_registered_model_alias(MODEL_NAME, tracking.CHAMPION, report["version"])
        report["flow_effect_path"] = str(write_flow_effect(report["replay"]))
    return report


def write_flow_effect(replay: dict[str, Any]) -> Path:
    """The champion's measured effect against the ladder, in the shape the digest reads
    (``DUNFLOW_REPORTS_FLOW_EFFECT_PATH``), under ``$DUNFLOW_DATA_DIR/processed/``; ``replay``:
    the report's replay section (seed, debtors, days, policies)."""
    from ledger.settings import get_settings

    def arm(m: dict[str, Any]) -> dict[str, float]:
        return {
            "dso_days": m["dso_days"],
            "cost_per_euro_cents": 100 * m["cost_per_euro_collected"],
            "collected_share": m["collected_30d"],
            "complaint_rate": m["complaints_per_1000_debtors"] / 1000,
        }

    path = get_settings().data_dir / "processed" / "flow_effect.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    source = (
        f"simulator replay, seed {replay['seed']}, {replay['debtors']} debtors × "
        f"{replay['days']} days (collected share: within 30 days of due)"
    )
    replay_table = replay["policies"]
    body = {
        "source": source,
        "measured_on": date.today().isoformat(),
        "policy": arm(replay_table["candidate"]),
        "ladder": arm(replay_table["ladder"]),
    }
    path.write_text(json.dumps(body, indent=2))
    return path


def _requirements() -> list[str]:
    """The packages the pyfunc needs, pinned to what trained it (skips MLflow's slow inference)."""
    from importlib.metadata import version

    names = ("mlflow", "lightgbm", "pandas", "numpy", "scikit-learn", "pydantic")
    return [f"{n}=={version(n)}" for n in names]


def _log(cfg: PolicyRunConfig, candidate: DunningPolicy, fit: Any, report: dict[str, Any],
         holders: dict[str, LearnedSimPolicy]) -> dict[str, Any]:  # fmt: skip
    with mlflow.start_run(run_name="policy") as run, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        params = {k: v for k, v in asdict(cfg).items() if k != "outcome"}
        params.update({f"outcome_{k}": v for k, v in asdict(cfg.outcome).items()})
        mlflow.log_params({k: str(v) for k, v in params.items()})
        metrics = {f"holdout_{k}": float(v) for k, v in fit.metrics.items() if v == v}
        for who, ope in report["off_policy"].items():
            for est, val in ope["estimates_cents"].items():
                metrics[f"ope_{who}_{est}"] = float(val["value"])
            metrics[f"ope_{who}_logging_value"] = float(ope["logging_value_cents"])
        for pol, vals in report["replay"]["policies"].items():
            for k, v in vals.items():
                if isinstance(v, (int, float)):
                    metrics[f"replay_{pol}_{k}"] = float(v)
        mlflow.log_metrics(metrics)
        assert candidate.models is not None
        shap_png = policy_artifacts.shap_summary(
            candidate.models, fit.test, folder / "shap_summary.png"
        )
        calib_png = policy_artifacts.calibration(
            fit.test["paid_frac"].to_numpy(),
            fit.test["p_pay"].to_numpy(),
            folder / "calibration.png",
        )
        for path in (shap_png, calib_png):
            mlflow.log_artifact(str(path))
        if "candidate" in holders:
            h = holders["candidate"]
            for by, table in policy_artifacts.action_mix(h.world, h.chosen).items():
                path = folder / f"action_mix_by_{by}.csv"
                table.to_csv(path)
                mlflow.log_artifact(str(path))
        (folder / "report.json").write_text(json.dumps(report, indent=2, default=str))
        mlflow.log_artifact(str(folder / "report.json"))
        art = candidate.save_artifacts(folder / "policy")
        example = fit.test[POLICY_FEATURES].head(5).copy()
        for c in example.columns:
            if isinstance(example[c].dtype, pd.CategoricalDtype):
                example[c] = example[c].astype("str")
            elif pd.api.types.is_integer_dtype(example[c]) or pd.api.types.is_bool_dtype(
                example[c]
            ):
                example[c] = example[c].astype("float64")  # doubles: missing values stay legal
        example["open_cents"] = fit.test["at_stake_cents"].head(5).to_numpy()
        example["cost_cents"] = fit.test["cost_cents"].head(5).to_numpy()
        example["days_until_send"] = 0.0
        assert set(EXTRA_COLUMNS) <= set(example.columns)
        signature = infer_signature(example, candidate.predict(None, example))
        info = mlflow.pyfunc.log_model(
            name="policy",
            python_model=candidate,
            artifacts={"policy": str(art)},
            signature=signature,
            input_example=example,
            pip_requirements=_requirements(),
        )
        version = tracking.register(info.model_uri, MODEL_NAME, alias=None)
        MlflowClient().set_model_version_tag(MODEL_NAME, version, "gate", report["decision"])
        return {"run_id": run.info.run_id, "version": version, "model_uri": info.model_uri}
