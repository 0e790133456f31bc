"""``dunflow models promote --version N``: the gate on a registered version, then the alias move.

The hold-out and off-policy checks come from the ``gate.json`` the version's training run logged
(they depend only on the model and the decisions it learned from; a version without one fails
``training_checks_recorded``). The replay checks run again, against today's champion, in the gate
family. Only a verdict that passed moves alias ``champion``; ``force_reason`` moves it past failed
checks, and the verdict (``gate_promote.json`` in the run) keeps the failures beside who forced
it, when and why; the version's tags say so too (``gate`` = ``forced``, ``gate_forced_by``,
``gate_forced_reason``).
"""

import json
import tempfile
from pathlib import Path
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from policy.plan_pyfunc import PlanDunningPolicy
from training import tracking
from training.plan_sim_ledger import anchors_factory, replay_factory
from training.policy_gate import ANCHORS, Check, GateConfig, judge, log_verdict, replay_checks
from training.policy_run import MODEL_NAME, load_champion, write_flow_effect

PROMOTE_VERDICT = "gate_promote.json"
CARRIED = ("pay_", "complaint_", "ope_", "value_")  # the checks a training run settles once


def _artifact(run_id: str, name: str) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id, artifact_path=name, dst_path=tmp
            )
        except (MlflowException, OSError):
            return None
        found: dict[str, Any] = json.loads(Path(path).read_text())
        return found


def recorded_checks(run_id: str) -> list[Check]:
    """The training run's hold-out and off-policy checks (a failed check when it logged none)."""
    verdict = _artifact(run_id, "gate.json")
    carried = [Check(**c) for c in (verdict or {}).get("checks", [])
               if str(c["name"]).startswith(CARRIED)]  # fmt: skip
    if carried:
        return carried
    missing = "the training run logged its hold-out and off-policy checks (gate.json)"
    return [Check("training_checks_recorded", False, missing, {"run_id": run_id})]


def promote_version(
    version: int, gate: GateConfig, *, force_reason: str | None = None, by: str = ""
) -> dict[str, Any]:
    """Run the gate on ``version`` of the policy and move ``champion`` when it passes (or is
    forced). ``ValueError`` names the option when the version is unknown or already champion."""
    tracking.start()
    client = MlflowClient()
    try:
        mv = client.get_model_version(MODEL_NAME, str(version))
    except MlflowException:
        raise ValueError(f"--version: {MODEL_NAME} has no version {version}") from None
    champ = load_champion()
    if champ is not None and champ[1] == str(version):
        raise ValueError(f"--version: version {version} is already the champion")
    model = mlflow.pyfunc.load_model(f"models:/{MODEL_NAME}/{version}")
    policy = model.unwrap_python_model()
    candidate = replay_factory(policy, "candidate")
    if candidate is None:
        raise ValueError(
            f"--version: version {version} is the plan-logging policy, which is not gated; "
            "dunflow train policy --kind plan-logging makes it champion"
        )
    champion = replay_factory(champ[0], "champion") if champ else None
    anchors = anchors_factory(policy, ANCHORS) if isinstance(policy, PlanDunningPolicy) else None
    replayed, worlds = replay_checks(candidate, gate, champion, anchors=anchors)
    verdict = judge([*recorded_checks(str(mv.run_id)), *replayed], gate)
    if force_reason is not None:
        verdict = verdict.force(force_reason, by)
    with tempfile.TemporaryDirectory() as tmp:
        log_verdict(verdict, str(mv.run_id), Path(tmp), PROMOTE_VERDICT)
    out: dict[str, Any] = {
        "version": str(version),
        "previous_champion": champ[1] if champ else None,
        "verdict": verdict.as_dict(),
        "replay": worlds,
    }
    if not verdict.promote:
        out["decision"] = "not promoted"
        return out
    client.set_registered_model_alias(MODEL_NAME, tracking.CHAMPION, str(version))
    out["decision"] = "promoted" if verdict.passed else "forced"
    client.set_model_version_tag(MODEL_NAME, str(version), "gate", out["decision"])
    if verdict.forced:
        for key in ("by", "reason"):
            client.set_model_version_tag(
                MODEL_NAME, str(version), f"gate_forced_{key}", verdict.forced[key]
            )
    report = _artifact(str(mv.run_id), "report.json")
    if report is not None and "replay" in report:  # a plan run has no per-day replay table
        out["flow_effect_path"] = str(write_flow_effect(report["replay"]))
    return out
