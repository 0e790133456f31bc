"""The plan learner as the product deploys it, in replay: its model where the promotion gate
passes it, else its anchors.

``dunflow train policy --kind plan`` learns a plan model from the creditor's own log and moves
the ``champion`` alias only when the gate (:mod:`training.policy_gate`) passes; a creditor whose
candidate is refused keeps serving the plan-logging policy (:mod:`policy.plan_logging`: each
segment's plan and the escalation plan after a broken promise, exploring neighbouring plans with
chance :data:`policy.plan_logging.LOGGING_EPSILON`). So what decides for a creditor is either the
model or its anchors, and the gate says which, from nothing the report world knows:

* :func:`replay_gate` runs the gate's replay checks (:func:`training.policy_gate.replay_checks`)
  on the model learnt from a world's past (:func:`training.plan_learner.model_for`, the report's
  plan learner): replayed in every world of the gate's family (VALIDATION), it must beat
  ``segment-fixed`` and its own anchors without the model (``replay_vs_anchors``), the lower end
  of each paired 95 % interval above zero, and hold the creditor's limits in every world. The
  gate's hold-out and off-policy checks read a ledger (:mod:`training.plan_run`) and are not run
  here: they can only refuse more, so where these refuse the whole gate refuses;
* :func:`deployed_factory` replays, per world, what that verdict deploys: the plan learner
  (greedy, or with its top-k exploration) when the gate passed, else the anchors (greedy, or the
  plan-logging policy with its exploration).
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Mapping, Sequence
from typing import Any

from policy.plan_logging import LOGGING_EPSILON
from simulator.outcome import WorldCase
from simulator.registry import PolicyFactory
from simulator.world import World
from training.plan_learner import (
    LearnerConfig,
    escalation_rule_factory,
    logging_factory,
    model_factory,
    model_for,
    plan_factory,
)
from training.policy_gate import ANCHORS, GateConfig, Verdict, judge, replay_checks

DEPLOYED = "deployed-flow"
WorldKey = tuple[str, int]  # (world file fingerprint, seed): the world a model was learnt for


def world_key(world: World) -> WorldKey:
    return world.cfg.world.fingerprint(), world.seed


def learnt_factory(world: World, cfg: LearnerConfig, name: str = "candidate") -> PolicyFactory:
    """The greedy plan policy of the model learnt from ``world``'s past, in any world."""
    learnt = model_for(world, cfg)
    if learnt.payment_time is not None:
        raise ValueError("the gate's replay reads no payment-time model (LearnerConfig)")
    return model_factory(learnt.model, cfg, name)


def replay_gate(case: WorldCase, cfg: LearnerConfig, gate: GateConfig | None = None) -> Verdict:
    """The gate's replay checks on the model learnt from ``case``'s past (anchored ``cfg``)."""
    g = gate or GateConfig()
    anchors = escalation_rule_factory(cfg)
    checks, _ = replay_checks(learnt_factory(case.world(), cfg), g, anchors=anchors)
    return judge(checks, g)


_FORKED: dict[str, Any] = {}  # what gate_verdicts' forked workers read


def _verdict_at(index: int) -> Verdict:
    f = _FORKED
    return replay_gate(f["cases"][index], f["cfg"], f["gate"])


def gate_verdicts(
    todo: Sequence[WorldCase], cfg: LearnerConfig, gate: GateConfig | None = None, jobs: int = 1
) -> dict[WorldKey, Verdict]:
    """:func:`replay_gate` for every case, ``jobs`` at a time in forked processes (the caller
    must not have trained LightGBM itself then: libgomp is not fork-safe)."""
    if jobs > 1:
        _FORKED.update(cases=list(todo), cfg=cfg, gate=gate)
        with mp.get_context("fork").Pool(max(1, min(jobs, len(todo)))) as pool:
            verdicts = pool.map(_verdict_at, range(len(todo)), chunksize=1)
        _FORKED.clear()
    else:
        verdicts = [replay_gate(c, cfg, gate) for c in todo]
    return {world_key(c.world()): v for c, v in zip(todo, verdicts, strict=True)}


def deployed_factory(
    cfg: LearnerConfig,
    verdicts: Mapping[WorldKey, Verdict],
    *,
    exploring: bool = False,
    epsilon: float = LOGGING_EPSILON,
) -> PolicyFactory:
    """Per world, what its verdict deploys: the plan learner where the gate passed, else the
    anchors (with ``exploring``: the plan learner's top-k exploration, or the plan-logging
    policy's chance ``epsilon`` of a neighbouring plan). A world without a verdict is an error."""
    name = f"{DEPLOYED}+exploration" if exploring else DEPLOYED
    anchors = logging_factory(cfg, epsilon if exploring else 0.0, name)  # needs segment plans
    learner = plan_factory(cfg, exploring=exploring)

    def factory(world: World) -> Any:
        key = world_key(world)
        if key not in verdicts:
            raise KeyError(f"no gate verdict for world seed {world.seed}")
        return (learner if verdicts[key].passed else anchors)(world)

    return factory


def verdict_row(verdict: Verdict) -> dict[str, Any]:
    """A verdict in a report's words: the decision, what failed and each paired figure."""
    out: dict[str, Any] = {"decision": verdict.as_dict()["decision"], "failed": verdict.failed}
    for c in verdict.checks:
        if "eur_per_debtor" in c.figures:
            out[c.name.removeprefix("replay_vs_")] = c.figures["eur_per_debtor"]
        else:
            out[c.name] = c.figures.get("held_in", c.passed)
    return out


__all__ = [
    "ANCHORS",
    "DEPLOYED",
    "deployed_factory",
    "gate_verdicts",
    "learnt_factory",
    "replay_gate",
    "verdict_row",
    "world_key",
]
