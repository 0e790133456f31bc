"""``dunflow train policy --kind plan-logging``: register the plan-logging policy, no model needed.

A creditor without a plan model starts gathering plan decisions with it
(:class:`policy.plan_logging.PlanLoggingPolicy`: each segment's stated plan, or with chance
``epsilon`` a neighbouring plan, exact propensities). Nothing is fitted and nothing is gated: the
policy serves the creditor's own plans (``Segment.plan``, read at each decision, so a plan stated
later is served from then on) and explores only next to them. The plans it explores besides the
segment's neighbours are the plan learner's own (:data:`training.plan_learner.CHOSEN`: its
escalation plan and its extra plans), and a debtor whose own history shows CHOSEN's evidence (a
broken promise, unless its earlier invoices were paid on time) is anchored on the escalation plan
as CHOSEN anchors it, so the log covers what
that learner will choose among, mostly with the chance ``1 - epsilon``.

The policy is logged to MLflow as a pyfunc (its configuration as the artifact) and registered as a
new version of ``dunning-policy`` (tag ``kind`` = ``plan-logging``); alias ``champion`` moves to it
unless ``promote`` is off. It is refused when no segment of the ledger states a plan: it would
serve the ladder to every debtor and log nothing.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from policy.plan_logging import PlanLoggingPolicy
from training.plan_learner import CHOSEN, logging_policy
from training.plan_ledger import ledger_evidence
from training.plan_run import MODEL_NAME

KIND = "plan-logging"


def chosen_logging_policy(epsilon: float, *, ledger: bool = True) -> PlanLoggingPolicy:
    """The plan-logging policy anchored as :data:`CHOSEN` is (the segment's plan, its escalation
    plan once its evidence shows) and exploring what it chooses among besides: its escalation
    plan and its extra plans. ``ledger``: its evidence reads the ledger's plan state (else the
    simulator's, for :func:`training.plan_learner.targeted_logger`)."""
    evidence = ledger_evidence(CHOSEN.evidence) if ledger else CHOSEN.evidence
    return logging_policy(CHOSEN, epsilon, evidence)


def stated_segments(engine: Engine) -> dict[str, str]:
    """Every segment that states a plan, ``CREDITOR:SEGMENT`` -> its plan."""
    q = sa.text(
        "SELECT c.name, s.name, s.plan FROM segment s JOIN creditor c ON c.id = s.creditor_id "
        "WHERE s.plan IS NOT NULL AND s.plan <> '' ORDER BY c.name, s.name"
    )
    with engine.connect() as conn:
        return {f"{c}:{s}": str(p) for c, s, p in conn.execute(q)}


def register_plan_logging(
    engine: Engine, epsilon: float, *, promote: bool = True
) -> dict[str, Any]:
    """Register the plan-logging policy (champion unless ``promote`` is off); the report."""
    import mlflow
    from mlflow.tracking import MlflowClient

    from training import tracking
    from training.policy_run import _requirements

    policy = chosen_logging_policy(epsilon)
    plans = stated_segments(engine)
    if not plans:
        raise ValueError(
            "no segment states a plan: state one (the Segments page, dunflow segment set NAME "
            "plan=phone/neutral/7d) before serving the plan-logging policy"
        )
    tracking.start()
    report: dict[str, Any] = {
        "kind": KIND,
        "epsilon": epsilon,
        "escalation": policy.escalation,
        "extra": list(policy.extra),
        "segment_plans": plans,
        "decision": "promoted" if promote else "registered",
    }
    with mlflow.start_run(run_name=KIND) as run, tempfile.TemporaryDirectory() as tmp:
        params = {"kind": KIND, "epsilon": epsilon, "escalation": policy.escalation,
                  "extra": ",".join(policy.extra)}  # fmt: skip
        mlflow.log_params({k: str(v) for k, v in params.items()})
        art = policy.save_artifacts(Path(tmp) / "policy")
        info = mlflow.pyfunc.log_model(
            name="policy",
            python_model=copy.copy(policy),
            artifacts={"policy": str(art)},
            pip_requirements=_requirements(),
        )
        version = tracking.register(info.model_uri, MODEL_NAME, alias=None)
        client = MlflowClient()
        client.set_model_version_tag(MODEL_NAME, version, "kind", KIND)
        if promote:
            client.set_registered_model_alias(MODEL_NAME, tracking.CHAMPION, version)
        report |= {"run_id": run.info.run_id, "version": version, "model_uri": info.model_uri}
    return report
