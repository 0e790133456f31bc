"""The closed loop (``dunflow simulate loop --rounds N``): deploy, log, retrain on the pooled logs,
gate, and measure every round.

Round 0 deploys the logging policy (a uniformly random available plan at every checkpoint, exact
propensities: the creditor's past) in a fresh world (:func:`simulator.loop.deploy_case`). Each
later round ``r``:

1. fits a candidate plan model (the plan learner's fitted-Q, :mod:`training.plan_fit`) on the
   checkpoint logs of rounds ``0 .. r-1`` pooled (debtors of different worlds kept apart);
2. gates it (:mod:`training.policy_gate`): replay in the evaluation worlds (the first
   ``eval_worlds`` of the validation family) against the reference (``segment-fixed``), the
   limits, the champion when there is one and, anchored, its anchors without a model
   (``segment-escalation``: what the model must add). The hold-out and off-policy checks of the gate
   belong to the outcome-model policy of ``train policy`` and are not part of this loop;
3. promotes it to champion when the verdict passes;
4. deploys the champion with its production exploration (top-k with a propensity floor) — or, with
   no champion yet, the logging policy again — in round ``r``'s fresh world, and logs it.

The learner is deployed as a creditor deploys it: when ``LoopConfig.learner`` is anchored (a
margin, as ``CHOSEN``), on the segment plans ``segment-fixed`` uses (chosen on the validation
family, :func:`training.plan_learner.with_segment_defaults`), with its escalation and extra plans;
the logging policy tries those plans and waiting uniformly. A deployment world whose creditors
are not the validation family's has no such plans: there the model alone decides, unanchored.

Reported per round: the candidate's and the champion's greedy objective as a share of each
evaluation world's ceiling (:func:`simulator.loop.ceiling_of`), the reference's beside them, the
verdict with its failed checks, the pooled log's size and the deployed log's coverage of the
action space (:func:`simulator.loop.coverage`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ledger.settings import shown_path
from policy.plan_model import PlanValueModel
from simulator.families import VALIDATION, cases
from simulator.loop import ceiling_of, coverage, deploy_case
from simulator.outcome import run_case
from simulator.world_file import DEFAULT_WORLD_PATH, load_world
from training.plan_fit import fit_plan_model
from training.plan_learner import (
    CHOSEN,
    LearnerConfig,
    config_chooser,
    escalation_rule_factory,
    model_factory,
    with_segment_defaults,
)
from training.plan_policy import CheckpointLog, Chooser, PlanPolicy, uniform_chooser
from training.policy_gate import ANCHORS, GateConfig, gate_family, judge, replay_checks


@dataclass(frozen=True)
class LoopConfig:
    rounds: int = 4
    debtors: int = 600  # per deployment world
    days: int = 120
    eval_worlds: int = 3  # the first N worlds of the validation family
    eval_debtors: int | None = None  # None: the family's size
    eval_days: int | None = None
    reference: str = "segment-fixed"
    world: Path = DEFAULT_WORLD_PATH
    learner: LearnerConfig = CHOSEN  # the plan learner's configuration chosen on validation

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise ValueError("--rounds must be at least 1")
        if self.debtors < 20 or self.days < 30:
            raise ValueError("--debtors must be at least 20 and --days at least 30")

    def gate(self) -> GateConfig:
        fam = gate_family(VALIDATION.name, self.eval_worlds, self.eval_debtors, self.eval_days)
        return GateConfig(family=fam, reference=self.reference, objective=self.learner.objective)


def pool(logs: list[CheckpointLog]) -> CheckpointLog:
    """One log of several worlds' logs: debtor numbers shifted so no two worlds' debtors meet."""
    out = CheckpointLog(days=min(log.days for log in logs))
    offset = 0
    finals = []
    for log in logs:
        out.states += log.states
        out.debtor += [d + offset for d in log.debtor]
        out.day += log.day
        out.arm += log.arm
        out.propensity += log.propensity
        out.available += log.available
        out.totals += log.totals
        finals.append(log.final_totals)
        offset += len(log.final_totals)
    out.final_totals = np.concatenate(finals)
    return out


def deployed_learner(cfg: LoopConfig) -> LearnerConfig:
    """The learner as deployed: anchored on the validation family's segment plans when it is
    anchored and the deployment world has that family's creditors (else as configured, with no
    segment plans: the model alone decides)."""
    learner = with_segment_defaults(cfg.learner, VALIDATION)
    segments = 2 * len(load_world(cfg.world).creditors)
    if learner.defaults and len(learner.defaults) != segments:
        return replace(learner, defaults=(), margin_eur=None, evidence=None)
    return learner


def _deploy(cfg: LoopConfig, learner: LearnerConfig, round_: int, chooser: Chooser,
            name: str) -> CheckpointLog:  # fmt: skip
    case = deploy_case(load_world(cfg.world), round_, cfg.debtors, cfg.days)
    holder: dict[str, PlanPolicy] = {}

    def factory(world: Any) -> PlanPolicy:
        holder["p"] = PlanPolicy(world, chooser, name, log=True, arms=learner.arms)
        return holder["p"]

    run_case(case, name, factory, learner.objective)
    log = holder["p"].log
    assert log is not None
    return log


def _coverage(log: CheckpointLog) -> dict[str, Any]:
    _, cols = log.frame()
    return coverage(np.asarray(cols["arm"]), np.asarray(cols["available"]))


def run_loop(cfg: LoopConfig, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    say = progress or (lambda _m: None)
    start = time.perf_counter()
    gate = cfg.gate()
    learner = deployed_learner(cfg)
    worlds = cases(gate.family)
    ceilings = {c.label: ceiling_of(c, gate.objective) for c in worlds}
    logs = [_deploy(cfg, learner, 0, uniform_chooser, "logging")]
    say(f"round 0: logging policy deployed, {len(logs[0].frame()[1]['arm'])} checkpoints")
    rounds: list[dict[str, Any]] = [
        {"round": 0, "deployed": "logging", "coverage": _coverage(logs[0])}
    ]
    champion: PlanValueModel | None = None
    champion_round: int | None = None
    # anchored, the candidate must beat its anchors without a model too (the gate's
    # replay_vs_anchors): the segment plans and the escalation after a broken promise
    anchors = escalation_rule_factory(learner) if learner.default_arms is not None else None
    for r in range(1, cfg.rounds + 1):
        pooled = pool(logs)
        model = fit_plan_model(
            pooled,
            learner.plan_objective,
            iterations=learner.iterations,
            params=learner.params,
            horizon_days=learner.horizon_days,
        )
        champ = model_factory(champion, learner, "champion") if champion is not None else None
        checks, table = replay_checks(
            model_factory(model, learner, "candidate"), gate, champ, anchors=anchors
        )
        verdict = judge(checks, gate)

        def share(name: str, table: dict[str, Any] = table) -> list[float]:
            return [
                round(table[c.label][name]["objective_eur"] / ceilings[c.label]["objective_eur"], 4)
                for c in worlds
            ]

        row: dict[str, Any] = {
            "round": r,
            "pooled_checkpoints": int(sum(len(a) for a in pooled.arm)),
            "candidate_share_of_ceiling": share("candidate"),
            f"{gate.reference}_share_of_ceiling": share(gate.reference),
            "champion_share_of_ceiling": share("champion") if champ else None,
            "anchors_share_of_ceiling": share(ANCHORS) if anchors is not None else None,
            "champion_round": champion_round,
            "gate": {
                "decision": verdict.as_dict()["decision"],
                "failed": verdict.failed,
                "checks": [c.as_dict() for c in verdict.checks],
            },
        }
        row["candidate_mean_share"] = round(float(np.mean(row["candidate_share_of_ceiling"])), 4)
        if verdict.passed:
            champion, champion_round = model, r
        if champion is not None:
            chooser = config_chooser(champion, learner, learner.exploration)
            deployed = f"champion of round {champion_round} (top-k exploration)"
        else:
            chooser, deployed = uniform_chooser, "logging (no champion yet)"
        if r < cfg.rounds:  # the last round's deployment would feed no further fit
            logs.append(_deploy(cfg, learner, r, chooser, "deployed"))
            row["deployed"] = deployed
            row["coverage"] = _coverage(logs[-1])
        rounds.append(row)
        failed = ", ".join(verdict.failed) or "all passed"
        say(
            f"round {r}: candidate {row['candidate_mean_share']:.1%} of the ceiling, "
            f"gate {row['gate']['decision']} ({failed})"
        )
    return {
        "config": {
            "rounds": cfg.rounds,
            "debtors": cfg.debtors,
            "days": cfg.days,
            "world": str(shown_path(cfg.world)),
            "gate": gate.as_dict(),
            "learner": learner.describe(),
        },
        "ceilings": ceilings,
        "rounds": rounds,
        "seconds": round(time.perf_counter() - start, 1),
    }
